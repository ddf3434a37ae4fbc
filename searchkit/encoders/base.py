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


def normalize(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length, as float32 (zero rows stay zero)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, np.finfo(np.float32).tiny)
