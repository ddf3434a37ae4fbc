"""Encoders: the interface, the spec registry, and the built-in transformer encoders."""

from __future__ import annotations

from searchkit.encoders.base import Encoder, normalize
from searchkit.encoders.registry import (
    BUILTIN_KINDS,
    ENTRY_POINT_GROUP,
    EncoderKind,
    available_kinds,
    canonical_spec,
    encode_all,
    load_encoder,
    load_encoders,
    parse_spec,
    split_specs,
)

__all__ = [
    "BUILTIN_KINDS",
    "ENTRY_POINT_GROUP",
    "Encoder",
    "EncoderKind",
    "available_kinds",
    "canonical_spec",
    "encode_all",
    "load_encoder",
    "load_encoders",
    "normalize",
    "parse_spec",
    "split_specs",
]
