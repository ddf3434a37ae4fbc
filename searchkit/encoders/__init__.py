"""Encoders: the interface, the spec registry, and the built-in transformer encoders."""

from __future__ import annotations

from searchkit.encoders.base import (
    Encoder,
    SharedBackbone,
    WindowedEncoder,
    encode_all,
    normalize,
    shared_backbone,
)
from searchkit.encoders.poolings import POOLINGS, Pooling
from searchkit.encoders.registry import (
    ENTRY_POINT_GROUP,
    EncoderKind,
    available_kinds,
    canonical_spec,
    load_encoder,
    load_encoders,
    load_query_encoder,
    parse_spec,
    split_specs,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "Encoder",
    "EncoderKind",
    "POOLINGS",
    "Pooling",
    "SharedBackbone",
    "WindowedEncoder",
    "available_kinds",
    "canonical_spec",
    "encode_all",
    "load_encoder",
    "load_encoders",
    "load_query_encoder",
    "normalize",
    "parse_spec",
    "shared_backbone",
    "split_specs",
]
