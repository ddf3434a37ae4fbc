"""Anisotropy: how similar an encoder finds texts picked at random.

Vectors that all point much the same way give unrelated texts a high cosine, so a high score says
little on its own. Measured on random pairs of distinct texts (seeded): the mean cosine and its
5th and 95th percentiles. `measure_anisotropy` takes the texts' vectors (a sample of a corpus's documents
will do); `random_pairs` says which rows to pair, and `Anisotropy.of` summarises given cosines.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DEFAULT_PAIRS = 10_000
PERCENTILES = (5.0, 95.0)


@dataclass(frozen=True)
class Anisotropy:
    mean: float  # mean cosine of random pairs
    low: float  # its 5th percentile
    high: float  # its 95th percentile
    pairs: int

    @classmethod
    def of(cls, cosines: np.ndarray) -> Anisotropy:
        low, high = np.percentile(cosines, PERCENTILES)
        return cls(float(np.mean(cosines)), float(low), float(high), len(cosines))

    def reading(self, name: str, texts: str = "texts") -> str:
        """One line saying what the figures mean for encoder `name`."""
        spread = f"{name}: 90% of random pairs of {texts} score between {self.low:.2f} and {self.high:.2f} (mean {self.mean:.3f})"
        if self.low > 0:  # nearly every unrelated pair scores above 0
            return (
                f"{spread}: unrelated {texts} already score about {self.mean:.2f}, so a cosine below {self.high:.2f} says little."
            )
        return f"{spread}: unrelated {texts} score on both sides of 0, so a high cosine stands out."


def random_pairs(count: int, pairs: int = DEFAULT_PAIRS, seed: int = 42) -> tuple[np.ndarray, np.ndarray]:
    """Row indices (first, second) of `pairs` random pairs among `count` texts, never a text with itself."""
    if count < 2:
        raise ValueError(f"random pairs need at least 2 texts, got {count}")
    rng = np.random.default_rng(seed)
    first = rng.integers(0, count, size=pairs)
    second = (first + rng.integers(1, count, size=pairs)) % count  # any other row, uniformly
    return first, second


def measure_anisotropy(vectors: np.ndarray, pairs: int = DEFAULT_PAIRS, seed: int = 42) -> Anisotropy:
    """The cosines of random pairs of rows of `vectors` (unit vectors, one row per text), summarised."""
    first, second = random_pairs(len(vectors), pairs, seed)
    vectors = np.asarray(vectors, dtype=np.float64)
    return Anisotropy.of(np.einsum("ij,ij->i", vectors[first], vectors[second]))
