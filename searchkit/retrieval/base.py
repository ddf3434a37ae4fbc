"""The retriever interface shared by dense, BM25 and hybrid retrieval, and the two ways of sharing work.

A retriever that answers from query vectors (`VectorRetriever`) lets `answer_all` encode the
queries once per shared model; one that fuses other retrievers' answers (`FusingRetriever`) lets
it reuse their answers instead of asking them again. Any retriever, third-party ones included,
takes part by having these attributes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

from searchkit.encoders import Encoder
from searchkit.types import Hit


@runtime_checkable
class Retriever(Protocol):
    name: str

    def search(self, query: str, k: int = 10) -> list[Hit]: ...

    def search_many(self, queries: Sequence[str], k: int = 10) -> list[list[Hit]]: ...

    def describe(self) -> dict[str, Any]:
        """Its settings for reports: `kind` plus what reproduces it (model fingerprint, k1/b, ...)."""


@runtime_checkable
class VectorRetriever(Protocol):
    """Answers from query vectors made by `encoder`."""

    encoder: Encoder
    batch_size: int

    def search_vectors(self, vectors: np.ndarray, k: int = 10) -> list[list[Hit]]: ...


@runtime_checkable
class FusingRetriever(Protocol):
    """Answers by fusing the answers of its `parts`.

    One with `remote` True fuses elsewhere (a server): `answer_all` asks it directly unless its
    parts are asked anyway, and then fuses their answers itself.
    """

    parts: Sequence[Retriever]

    def part_depth(self, k: int) -> int:
        """How deep each part's answer must go for a fused answer `k` deep."""

    def fuse(self, answers: Sequence[Sequence[list[Hit]]], k: int = 10) -> list[list[Hit]]:
        """Top `k` per query from the parts' answers (`answers[i][q]`: part i's hits for query q)."""
