"""The encoder interface every built-in and third-party encoder implements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from searchkit.types import TextKind


@runtime_checkable
class Encoder(Protocol):
    """Turns texts into float32 unit vectors (one row per text)."""

    spec: str  # the canonical spec it was built from, e.g. "mean:minilm"
    dimension: int
    fingerprint: str  # changes whenever the vectors would change (weights, config)

    def encode(self, texts: Sequence[str], kind: TextKind = "document", batch_size: int = 32) -> np.ndarray: ...


@runtime_checkable
class WindowedEncoder(Protocol):
    """An encoder that reads at most `max_tokens` word pieces of a text and can say where its windows fall.

    Indexing embeds each window of a long document on its own (see `searchkit.encoders.windows`);
    an encoder without this reads each document whole, however it does that.
    """

    spec: str
    fingerprint: str
    max_tokens: int

    def windows(self, texts: Sequence[str], stride: int) -> list[list[tuple[int, int]]]:
        """Per text, the character spans of its windows of `max_tokens` pieces, starting every `stride` pieces."""


@runtime_checkable
class SharedBackbone(Protocol):
    """A model that several encoders compute with; an encoder names it as its `backbone` attribute.

    `encode_all` hands it all of its encoders at once, so one forward pass serves them all.
    """

    def encode_together(
        self, encoders: Sequence[Encoder], texts: Sequence[str], kind: TextKind = "document", batch_size: int = 32
    ) -> dict[str, np.ndarray]: ...


def shared_backbone(encoder: Encoder) -> SharedBackbone | None:
    backbone = getattr(encoder, "backbone", None)
    return backbone if isinstance(backbone, SharedBackbone) else None


def encode_all(
    encoders: Sequence[Encoder], texts: Sequence[str], kind: TextKind = "document", batch_size: int = 32
) -> dict[str, np.ndarray]:
    """Encoder spec -> vectors of `texts`, with one forward pass per shared backbone."""
    groups: dict[int, list[Encoder]] = {}
    for encoder in {encoder.spec: encoder for encoder in encoders}.values():
        groups.setdefault(id(shared_backbone(encoder) or encoder), []).append(encoder)
    results: dict[str, np.ndarray] = {}
    for group in groups.values():
        backbone = shared_backbone(group[0])
        if backbone is None:
            results[group[0].spec] = group[0].encode(texts, kind, batch_size)
        else:
            results.update(backbone.encode_together(group, texts, kind, batch_size))
    return results


def normalize(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length, as float32 (zero rows stay zero)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, np.finfo(np.float32).tiny)
