"""BERT-whitening (Su et al., 2021): a linear map fitted to a set of sentence vectors, for experiments.

Fitting centres the vectors and scales the principal axes of their covariance to unit variance,
optionally keeping only the first `k` axes; cosine similarity is then taken between whitened
vectors. It is fitted to a particular set of sentences, so it is no index feature: vectors
already stored would need re-fitting whenever the set changed.
"""

from __future__ import annotations

import numpy as np

from searchkit.encoders.base import normalize


def fit_whitening(vectors: np.ndarray, k: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(mu, W) such that `(vectors - mu) @ W` has zero mean and identity covariance in `k` dimensions.

    The `k` axes of largest variance are kept; by default every axis along which the vectors vary
    (variance above 1e-12 of the largest: all-MiniLM-L6-v2's last layer, for one, is constant along 3
    of its 384 dimensions, and scaling those up would only amplify rounding noise).
    """
    vectors = np.asarray(vectors, dtype=np.float64)
    if vectors.ndim != 2 or len(vectors) < 2:
        raise ValueError("whitening is fitted to a matrix of at least two vectors")
    mu = vectors.mean(axis=0)
    # The covariance's eigenvectors and eigenvalues, from the SVD of the centred vectors.
    _, singular, axes = np.linalg.svd(vectors - mu, full_matrices=False)
    variances = singular**2 / (len(vectors) - 1)
    rank = int((variances > variances[0] * 1e-12).sum())
    if rank == 0:
        raise ValueError("whitening is fitted to vectors that differ; these are all the same")
    k = rank if k is None else k
    if not 1 <= k <= rank:
        raise ValueError(f"k={k} is not within 1..{rank}, the number of axes along which the vectors vary")
    return mu, axes[:k].T / np.sqrt(variances[:k])


def apply_whitening(vectors: np.ndarray, mu: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The whitened vectors, as float32 unit vectors (for cosine similarity)."""
    return normalize((np.asarray(vectors, dtype=np.float64) - mu) @ w)
