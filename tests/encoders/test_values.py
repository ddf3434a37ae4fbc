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
    load_encoders,
)
from searchkit.encoders.backbone import Backbone
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
def hidden() -> dict:
    """transformers' own output for TEXTS in one padded batch: every layer's token vectors and the mask."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    path = str(resolve_model("minilm").path)
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModel.from_pretrained(path).eval()
    batch = tokenizer(TEXTS, padding=True, truncation=True, max_length=256, return_tensors="pt")
    assert batch["attention_mask"].sum(dim=1).tolist()[3] == 256  # the long text is truncated
    assert batch["attention_mask"].sum(dim=1).min() < 10  # and the short ones are mostly padding
    with torch.inference_mode():
        layers = model(**batch, output_hidden_states=True).hidden_states
    assert len(layers) == 7  # the embedding layer and MiniLM's 6 transformer layers
    return {"layers": layers, "mask": batch["attention_mask"].unsqueeze(-1).float()}


def unit(matrix) -> np.ndarray:
    matrix = np.asarray(matrix)
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def masked_mean_of(tokens, mask) -> np.ndarray:
    return unit((tokens * mask).sum(dim=1) / mask.sum(dim=1))


@pytest.fixture(scope="module")
def reference(hidden) -> dict[str, np.ndarray]:
    """Every built-in pooling of TEXTS, computed without searchkit."""
    from sentence_transformers import SentenceTransformer

    last, first, mask = hidden["layers"][-1], hidden["layers"][1], hidden["mask"]
    return {
        "cls:minilm": unit(last[:, 0]),
        "mean:minilm": masked_mean_of(last, mask),
        "max:minilm": unit(last.masked_fill(mask == 0, float("-inf")).max(dim=1).values),
        "firstlast:minilm": masked_mean_of((first + last) / 2, mask),
        "sbert:minilm": SentenceTransformer(str(resolve_model("minilm").path), device="cpu").encode(
            TEXTS, normalize_embeddings=True
        ),
    }


@pytest.fixture(scope="module")
def encoders(minilm_encoders) -> list:
    """cls, mean, max, firstlast and sbert over the packaged MiniLM, all on one backbone."""
    cls, mean, sbert = minilm_encoders
    return [cls, mean, *load_encoders("max:minilm,firstlast:minilm"), sbert]


@pytest.fixture(scope="module")
def alone(encoders) -> dict[str, np.ndarray]:
    """Each encoder on its own, in batches of two (so batches pad to different lengths)."""
    return {encoder.spec: encoder.encode(TEXTS, batch_size=2) for encoder in encoders}


def test_each_encoder_matches_reference(encoders, alone, reference) -> None:
    assert [e.spec for e in encoders] == list(reference)
    for encoder in encoders:
        vectors = alone[encoder.spec]
        assert vectors.dtype == np.float32 and vectors.shape == (len(TEXTS), 384)
        np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)
        np.testing.assert_allclose(vectors, reference[encoder.spec], atol=1e-5, err_msg=encoder.spec)


def test_poolings_differ(reference, hidden) -> None:
    """The reference values are far enough apart that a pooling computed wrongly fails its test."""
    specs = ["cls:minilm", "mean:minilm", "max:minilm", "firstlast:minilm"]
    for i, a in enumerate(specs):
        for b in specs[i + 1 :]:
            assert np.abs(reference[a] - reference[b]).max() > 0.05, (a, b)
    # first-last reads the first transformer layer, not the embedding layer (hidden_states[0])
    with_embeddings = masked_mean_of((hidden["layers"][0] + hidden["layers"][-1]) / 2, hidden["mask"])
    assert np.abs(reference["firstlast:minilm"] - with_embeddings).max() > 0.01


def test_padding_is_masked_out(encoders, alone) -> None:
    """A text encoded alone (no padding) gets the vector it gets in a padded batch."""
    for encoder in encoders:
        single = np.concatenate([encoder.encode([text], batch_size=1) for text in TEXTS])
        np.testing.assert_allclose(single, alone[encoder.spec], atol=1e-5, err_msg=encoder.spec)


def test_encode_all_shares_one_backbone_and_one_pass(encoders, alone, reference) -> None:
    backbone = encoders[0].backbone
    assert all(encoder.backbone is backbone for encoder in encoders)
    assert load_encoder("mean:minilm").backbone is backbone  # later loads share it too
    calls = []
    hook = backbone.model[0].register_forward_hook(lambda *_: calls.append(1))
    try:
        together = encode_all(encoders, TEXTS, batch_size=2)
    finally:
        hook.remove()
    assert len(calls) == 3  # one forward pass per batch, for all five encoders
    assert list(together) == [e.spec for e in encoders]
    for encoder in encoders:
        assert together[encoder.spec].dtype == np.float32
        np.testing.assert_allclose(together[encoder.spec], alone[encoder.spec], atol=1e-6)
        np.testing.assert_allclose(together[encoder.spec], reference[encoder.spec], atol=1e-5)


def test_every_layer_is_returned_only_once_a_pooling_needs_it() -> None:
    backbone = Backbone(resolve_model("minilm"))  # not the shared one, which earlier tests may have switched
    keys: list[set[str]] = []
    hook = backbone.model[0].register_forward_hook(lambda _module, _args, out: keys.append(set(out)))
    try:
        last_layer_only = backbone.encode(TEXTS[:2], ["cls", "mean", "max", "sbert"])
        assert "all_layer_embeddings" not in keys[-1] and "token_embeddings" in keys[-1]
        with_first_last = backbone.encode(TEXTS[:2], ["cls", "mean", "max", "sbert", "firstlast"])
        assert "all_layer_embeddings" in keys[-1]
    finally:
        hook.remove()
    for pooling, vectors in last_layer_only.items():
        np.testing.assert_allclose(with_first_last[pooling], vectors, atol=1e-6, err_msg=pooling)


def test_queries_and_empty_input(encoders) -> None:
    encoder = encoders[-1]
    # MiniLM has no query prompt: a query is encoded like a document
    np.testing.assert_allclose(encoder.encode(TEXTS[:2], "query"), encoder.encode(TEXTS[:2], "document"), atol=1e-6)
    empty = encode_all(encoders, [])
    assert len(empty) == 5 and all(m.shape == (0, 384) and m.dtype == np.float32 for m in empty.values())


def test_a_pooling_kind_is_one_function_and_one_table_row(
    monkeypatch: pytest.MonkeyPatch, encoders, hidden
) -> None:
    """SimCSE's avg_top2 (the last two layers), added by one row, computes in the shared pass."""

    def top_two_mean(features):
        layers, mask = features["all_layer_embeddings"], features["attention_mask"].unsqueeze(-1).float()
        return ((layers[-2] + layers[-1]) / 2 * mask).sum(dim=1) / mask.sum(dim=1)

    monkeypatch.setitem(POOLINGS, "top2", Pooling("mean of the last two layers", top_two_mean, all_layers=True))
    assert available_kinds()["top2"].description == "mean of the last two layers"
    encoder = load_encoder("top2:minilm")
    assert encoder.backbone is encoders[0].backbone and encoder.dimension == 384
    together = encode_all([*encoders, encoder], TEXTS, batch_size=2)
    expected = masked_mean_of((hidden["layers"][-2] + hidden["layers"][-1]) / 2, hidden["mask"])
    np.testing.assert_allclose(together["top2:minilm"], expected, atol=1e-5)
