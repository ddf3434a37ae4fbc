"""The built-in encoders reproduce transformers / sentence-transformers computed directly."""

from __future__ import annotations

import numpy as np
import pytest

from searchkit.encoders import (
    POOLINGS,
    Pooling,
    available_kinds,
    encode_all,
    load_encoder,
)
from searchkit.encoders.model_folders import resolve_model

LONG = " ".join(f"word{i} and the quick brown fox" for i in range(120))  # far over 256 tokens
TEXTS = [
    "guitar",
    "A violin is a bowed string instrument with four strings.",
    "Shares of listed companies are bought and sold on the stock exchange, usually through a broker.",
    LONG,
    "Über café naïve résumé",
]


@pytest.fixture(scope="module")
def reference() -> dict[str, np.ndarray]:
    """[CLS], masked mean and SBERT vectors of TEXTS, computed without searchkit."""
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers import AutoModel, AutoTokenizer

    path = str(resolve_model("minilm").path)
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModel.from_pretrained(path).eval()
    batch = tokenizer(TEXTS, padding=True, truncation=True, max_length=256, return_tensors="pt")
    assert batch["attention_mask"].sum(dim=1).tolist()[3] == 256  # the long text is truncated
    with torch.inference_mode():
        hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).float()
    cls = hidden[:, 0].numpy()
    mean = ((hidden * mask).sum(dim=1) / mask.sum(dim=1)).numpy()
    largest = hidden.masked_fill(mask == 0, float("-inf")).max(dim=1).values.numpy()
    sbert = SentenceTransformer(path, device="cpu").encode(TEXTS, normalize_embeddings=True)
    unit = lambda m: m / np.linalg.norm(m, axis=1, keepdims=True)  # noqa: E731
    return {"cls:minilm": unit(cls), "mean:minilm": unit(mean), "sbert:minilm": sbert, "max:minilm": unit(largest)}


@pytest.fixture(scope="module")
def alone(minilm_encoders) -> dict[str, np.ndarray]:
    """Each encoder on its own, in batches of two (so batches pad to different lengths)."""
    return {encoder.spec: encoder.encode(TEXTS, batch_size=2) for encoder in minilm_encoders}


def test_each_encoder_matches_reference(minilm_encoders, alone, reference) -> None:
    for encoder in minilm_encoders:
        vectors = alone[encoder.spec]
        assert vectors.dtype == np.float32 and vectors.shape == (len(TEXTS), 384)
        np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)
        np.testing.assert_allclose(vectors, reference[encoder.spec], atol=1e-5, err_msg=encoder.spec)


def test_cls_differs_from_mean(reference) -> None:
    assert np.abs(reference["cls:minilm"] - reference["mean:minilm"]).max() > 0.1


def test_encode_all_shares_one_backbone_and_one_pass(minilm_encoders, alone, reference) -> None:
    backbone = minilm_encoders[0].backbone
    assert all(encoder.backbone is backbone for encoder in minilm_encoders)
    assert load_encoder("mean:minilm").backbone is backbone  # later loads share it too
    calls = []
    hook = backbone.model[0].register_forward_hook(lambda *_: calls.append(1))
    try:
        together = encode_all(minilm_encoders, TEXTS, batch_size=2)
    finally:
        hook.remove()
    assert len(calls) == 3  # one forward pass per batch, for all three encoders
    assert list(together) == [e.spec for e in minilm_encoders]
    for encoder in minilm_encoders:
        assert together[encoder.spec].dtype == np.float32
        np.testing.assert_allclose(together[encoder.spec], alone[encoder.spec], atol=1e-6)
        np.testing.assert_allclose(together[encoder.spec], reference[encoder.spec], atol=1e-5)


def test_queries_and_empty_input(minilm_encoders) -> None:
    encoder = minilm_encoders[2]
    # MiniLM has no query prompt: a query is encoded like a document
    np.testing.assert_allclose(encoder.encode(TEXTS[:2], "query"), encoder.encode(TEXTS[:2], "document"), atol=1e-6)
    empty = encode_all(minilm_encoders, [])
    assert all(m.shape == (0, 384) and m.dtype == np.float32 for m in empty.values())


def test_a_pooling_kind_is_one_function_and_one_table_row(monkeypatch: pytest.MonkeyPatch, minilm_encoders, reference) -> None:
    def masked_max(features):
        padding = features["attention_mask"].unsqueeze(-1) == 0
        return features["token_embeddings"].masked_fill(padding, float("-inf")).max(dim=1).values

    monkeypatch.setitem(POOLINGS, "max", Pooling("max over the real tokens' vectors", masked_max))
    assert available_kinds()["max"].description == "max over the real tokens' vectors"
    encoder = load_encoder("max:minilm")
    assert encoder.backbone is minilm_encoders[0].backbone and encoder.dimension == 384
    together = encode_all([*minilm_encoders, encoder], TEXTS, batch_size=2)
    np.testing.assert_allclose(together["max:minilm"], reference["max:minilm"], atol=1e-5)
