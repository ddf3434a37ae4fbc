"""The pooling kinds of the built-in encoders: one table, read by the spec registry and the backbone.

A pooling turns the output of one forward pass (SentenceTransformer features: `token_embeddings`,
`attention_mask`, `sentence_embedding`, and `all_layer_embeddings` when a pooling asks for every
layer) into one vector per text. Adding a kind is one function and one row of `POOLINGS`; nothing
here imports torch, so listing kinds stays instant.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Features = Mapping[str, Any]  # feature name -> torch tensor of one batch


@dataclass(frozen=True)
class Pooling:
    description: str
    pool: Callable[[Features], Any]  # features -> (batch, dimension) tensor
    pipeline: bool = False  # the model's own pipeline: it takes the model's prompts and output dimension
    all_layers: bool = False  # reads `all_layer_embeddings`, which the model returns only while such a pooling is loaded


def cls_token(features: Features) -> Any:
    """The last layer's vector of the first token, [CLS] in BERT-family models."""
    return features["token_embeddings"][:, 0]


def _mean_over_tokens(tokens: Any, attention_mask: Any) -> Any:
    mask = attention_mask.unsqueeze(-1).to(tokens.dtype)
    return (tokens * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)


def masked_mean(features: Features) -> Any:
    """The mean of the last layer's token vectors over real tokens (padding masked out)."""
    return _mean_over_tokens(features["token_embeddings"], features["attention_mask"])


def masked_max(features: Features) -> Any:
    """The element-wise maximum of the last layer's token vectors over real tokens (padding masked out)."""
    padding = features["attention_mask"].unsqueeze(-1) == 0
    return features["token_embeddings"].masked_fill(padding, float("-inf")).max(dim=1).values


def first_last_mean(features: Features) -> Any:
    """SimCSE's `avg_first_last`: the masked mean of the average of the first and last layers' token vectors.

    The first layer is the first transformer layer's output (`hidden_states[1]`), as in SimCSE's
    and BERT-whitening's code, not the embedding layer (`hidden_states[0]`).
    """
    layers = features["all_layer_embeddings"]
    return _mean_over_tokens((layers[1] + layers[-1]) / 2, features["attention_mask"])


def pipeline_output(features: Features) -> Any:
    """Whatever the model's SentenceTransformer modules (pooling, dense, normalize) produce."""
    return features["sentence_embedding"]


POOLINGS: dict[str, Pooling] = {
    "cls": Pooling("last-layer [CLS] token vector, as is (no pooler, no fine-tuning)", cls_token),
    "mean": Pooling("attention-mask-weighted mean of the last-layer token vectors", masked_mean),
    "max": Pooling("element-wise max of the last-layer token vectors (padding masked out)", masked_max),
    "firstlast": Pooling(
        "masked mean of the average of the first and last layers' token vectors (SimCSE's first-last avg)",
        first_last_mean,
        all_layers=True,
    ),
    "sbert": Pooling("the model's own SentenceTransformer pipeline", pipeline_output, pipeline=True),
}
