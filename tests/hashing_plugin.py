"""A small third-party encoder: hashed bag of words, as unit vectors (the test entry-point target)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

_WORD = re.compile(r"\w+")


class HashingEncoder:
    def __init__(self, model: str, dimension: int = 64) -> None:
        self.spec = f"hashing:{model}"
        self.dimension = dimension
        self.fingerprint = hashlib.sha256(f"{model}/{dimension}".encode()).hexdigest()[:16]

    def encode(self, texts: Sequence[str], kind: str = "document", batch_size: int = 32) -> np.ndarray:
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in _WORD.findall(text.lower()):
                digest = hashlib.sha1(word.encode()).digest()
                vectors[row, int.from_bytes(digest[:4], "little") % self.dimension] += 1.0 if digest[4] & 1 else -1.0
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, np.finfo(np.float32).tiny)


def make(model: str) -> HashingEncoder:
    return HashingEncoder(model)


def make_broken(model: str) -> object:
    """A factory that does not return an Encoder."""
    return object()
