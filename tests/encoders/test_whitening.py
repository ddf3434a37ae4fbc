"""BERT-whitening: zero mean and identity covariance, the same cosines as BERT-whitening's own code."""

from __future__ import annotations

import numpy as np
import pytest

from searchkit.encoders.whitening import apply_whitening, fit_whitening


@pytest.fixture()
def vectors() -> np.ndarray:
    """500 correlated 16-dimensional vectors with a non-zero mean (an anisotropic cloud, as BERT's are)."""
    rng = np.random.default_rng(0)
    mixing = rng.normal(size=(16, 16)) * np.linspace(0.1, 3.0, 16)
    return rng.normal(size=(500, 16)) @ mixing + 5.0


def test_whitened_vectors_have_zero_mean_and_identity_covariance(vectors: np.ndarray) -> None:
    mu, w = fit_whitening(vectors)
    assert mu.shape == (16,) and w.shape == (16, 16)
    whitened = (vectors - mu) @ w
    np.testing.assert_allclose(whitened.mean(axis=0), 0.0, atol=1e-10)
    np.testing.assert_allclose(np.cov(whitened.T), np.eye(16), atol=1e-10)
    assert np.abs(np.cov(vectors.T) - np.eye(16)).max() > 1.0  # the input was far from white


def test_k_keeps_the_axes_of_largest_variance(vectors: np.ndarray) -> None:
    mu, w = fit_whitening(vectors, k=4)
    assert w.shape == (16, 4)
    whitened = (vectors - mu) @ w
    np.testing.assert_allclose(np.cov(whitened.T), np.eye(4), atol=1e-10)
    _, all_axes = fit_whitening(vectors)
    np.testing.assert_allclose(np.abs(w), np.abs(all_axes[:, :4]), atol=1e-10)


def test_cosines_equal_bert_whitenings_own_computation(vectors: np.ndarray) -> None:
    """BERT-whitening's compute_kernel_bias and transform_and_normalize (bojone/BERT-whitening), written out."""
    u, s, _ = np.linalg.svd(np.cov(vectors.T))
    kernel, bias = u @ np.diag(1 / np.sqrt(s)), -vectors.mean(axis=0, keepdims=True)
    theirs = (vectors + bias) @ kernel[:, :8]
    theirs /= np.linalg.norm(theirs, axis=1, keepdims=True)
    ours = apply_whitening(vectors, *fit_whitening(vectors, k=8))
    assert ours.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-6)
    # the axes' signs are arbitrary; the cosines between whitened vectors are not
    np.testing.assert_allclose(ours[:100] @ ours[100:200].T, theirs[:100] @ theirs[100:200].T, atol=1e-5)


@pytest.mark.parametrize("k", [0, 17])
def test_k_out_of_range(vectors: np.ndarray, k: int) -> None:
    with pytest.raises(ValueError, match=f"k={k} is not within 1..16,"):
        fit_whitening(vectors, k=k)


def test_too_few_vectors_or_axes() -> None:
    with pytest.raises(ValueError, match="at least two vectors"):
        fit_whitening(np.ones((1, 4)))
    flat = np.zeros((10, 4))
    flat[:, 0] = np.arange(10)  # variance along one axis only
    with pytest.raises(ValueError, match=r"k=2 is not within 1\.\.1,"):
        fit_whitening(flat, k=2)
    assert fit_whitening(flat)[1].shape == (4, 1)  # by default, every axis with variance
    with pytest.raises(ValueError, match="these are all the same"):
        fit_whitening(np.ones((3, 4)))
