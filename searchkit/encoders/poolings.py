"""The pooling kinds of the built-in encoders: one table, read by the spec registry and the backbone.

A pooling turns the output of one forward pass (SentenceTransformer features: `token_embeddings`,
`attention_mask`, `sentence_embedding`) into one vector per text. Adding a kind is one function
and one row of `POOLINGS`; nothing here imports torch, so listing kinds stays instant.
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


def cls_token(features: Features) -> Any:
    """The last layer's vector of the first token, [CLS] in BERT-family models."""
    return features["token_embeddings"][:, 0]


def masked_mean(features: Features) -> Any:
    """The mean of the last layer's token vectors over real tokens (padding masked out)."""
    tokens = features["token_embeddings"]
    mask = features["attention_mask"].unsqueeze(-1).to(tokens.dtype)
    return (tokens * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)


def pipeline_output(features: Features) -> Any:
    """Whatever the model's SentenceTransformer modules (pooling, dense, normalize) produce."""
    return features["sentence_embedding"]


POOLINGS: dict[str, Pooling] = {
    "cls": Pooling("last-layer [CLS] token vector, as is (no pooler, no fine-tuning)", cls_token),
    "mean": Pooling("attention-mask-weighted mean of the last-layer token vectors", masked_mean),
    "sbert": Pooling("the model's own SentenceTransformer pipeline", pipeline_output, pipeline=True),
}
