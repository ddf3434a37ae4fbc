"""Encoder specs (`KIND:MODEL`), the built-in kinds, and third-party kinds from entry points.

Listing kinds reads entry-point metadata only; nothing heavy is imported until an encoder is
loaded. A third-party package registers a factory `(model: str) -> Encoder` with

    [project.entry-points."searchkit.encoders"]
    mykind = "mypackage.encoders:make_encoder"
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING

from searchkit.encoders.base import Encoder
from searchkit.encoders.poolings import POOLINGS
from searchkit.encoders.precision import Precision
from searchkit.errors import EncoderSpecError

if TYPE_CHECKING:
    from searchkit.encoders.backbone import Backbone
    from searchkit.encoders.onnx import OnnxBackbone

ENTRY_POINT_GROUP = "searchkit.encoders"


@dataclass(frozen=True, slots=True)
class EncoderKind:
    name: str
    description: str
    provider: str  # "searchkit" or the distribution that registered it
    target: str  # where the factory lives ("module:attribute")


def available_kinds() -> dict[str, EncoderKind]:
    """Built-in and registered encoder kinds, without importing any of them."""
    kinds = {
        name: EncoderKind(name, pooling.description, "searchkit", "searchkit.encoders.backbone:PoolingEncoder")
        for name, pooling in POOLINGS.items()
    }
    for point in entry_points(group=ENTRY_POINT_GROUP):
        if point.name in kinds:
            continue  # built-in kinds cannot be replaced
        provider = point.dist.name if point.dist is not None else "unknown"
        kinds[point.name] = EncoderKind(point.name, f"third-party encoder from {provider}", provider, point.value)
    return kinds


def parse_spec(spec: str) -> tuple[str, str]:
    """Split `KIND:MODEL` and canonicalize MODEL (a local folder becomes an absolute path)."""
    kind, sep, model = spec.strip().partition(":")
    if not sep or not kind or not model:
        raise EncoderSpecError(f"encoder spec {spec!r} must look like KIND:MODEL, e.g. sbert:minilm")
    kinds = available_kinds()
    if kind not in kinds:
        raise EncoderSpecError(f"unknown encoder kind {kind!r} in {spec!r}; available: {', '.join(sorted(kinds))}")
    folder = Path(model).expanduser()
    if kind in POOLINGS and folder.is_dir():
        model = str(folder.resolve())
    return kind, model


def canonical_spec(spec: str) -> str:
    kind, model = parse_spec(spec)
    return f"{kind}:{model}"


def split_specs(specs: str | Sequence[str]) -> list[str]:
    """'a,b' or ['a', 'b'] -> canonical specs, duplicates removed, order kept."""
    items = specs.split(",") if isinstance(specs, str) else list(specs)
    return list(dict.fromkeys(canonical_spec(item) for item in items if item.strip()))


_backbones: dict[tuple[Path, bool, str], Backbone] = {}
_backbones_lock = threading.Lock()


def load_encoder(spec: str, *, allow_pickle: bool = False, precision: Precision = "auto") -> Encoder:
    """Load the encoder a spec names; built-ins on the same model and precision share one loaded backbone.

    `precision` applies to the built-in kinds (see `searchkit.encoders.precision`); a third-party
    factory computes as it sees fit.
    """
    kind, model = parse_spec(spec)
    if kind in POOLINGS:
        from searchkit.encoders.backbone import Backbone, PoolingEncoder
        from searchkit.encoders.model_folders import resolve_model
        from searchkit.encoders.precision import resolve_precision

        source = resolve_model(model, allow_pickle=allow_pickle)
        computed = resolve_precision(precision)
        with _backbones_lock:
            key = (source.path, allow_pickle, computed)
            if key not in _backbones:
                _backbones[key] = Backbone(source, allow_pickle=allow_pickle, precision=computed)
            backbone = _backbones[key]
        return PoolingEncoder(f"{kind}:{model}", backbone, kind)
    factory: Callable[[str], Encoder] = _load_target(available_kinds()[kind].target)
    encoder = factory(model)
    if not isinstance(encoder, Encoder):
        raise EncoderSpecError(f"the {kind!r} factory did not return an Encoder (spec, dimension, fingerprint, encode)")
    return encoder


_query_backbones: dict[Path, OnnxBackbone] = {}
_unreadable_exports: set[Path] = set()
_log = logging.getLogger(__name__)


def load_query_encoder(spec: str, *, allow_pickle: bool = False, precision: Precision = "auto") -> Encoder | None:
    """The query side of built-in encoder `spec` over its ONNX export, without torch (see `searchkit.encoders.onnx`);
    None where the model has no export, or the precision or pooling needs torch. Never for documents."""
    from searchkit.encoders.model_folders import resolve_model
    from searchkit.encoders.onnx import (
        QUERY_POOLINGS,
        OnnxBackbone,
        OnnxPoolingEncoder,
        export_folder,
        has_export,
    )
    from searchkit.encoders.precision import cpu_has_bf16

    kind, model = parse_spec(spec)
    if kind not in QUERY_POOLINGS or precision == "bf16" or (precision == "auto" and cpu_has_bf16()):
        return None
    source = resolve_model(model, allow_pickle=allow_pickle)
    folder = export_folder(source.fingerprint)
    if not has_export(folder) or folder in _unreadable_exports:
        return None
    with _backbones_lock:
        if folder not in _query_backbones:
            try:
                _query_backbones[folder] = OnnxBackbone(folder, source.fingerprint)
            except Exception as error:  # onnxruntime, tokenizers and json each fail their own way on a damaged file
                reason = " ".join(str(error).split())[:200]
                _log.warning("the query export at %s cannot be read (%s); encoding queries with torch. Delete that folder: "
                             "the next `searchkit index` makes it again", folder, reason)  # fmt: skip
                _unreadable_exports.add(folder)
                return None
        backbone = _query_backbones[folder]
    _log.info("%s:%s encodes queries with the ONNX export at %s (no torch)", kind, model, folder)
    return OnnxPoolingEncoder(f"{kind}:{model}", backbone, kind)


def load_encoders(
    specs: str | Sequence[str], *, allow_pickle: bool = False, precision: Precision | Mapping[str, Precision] = "auto"
) -> list[Encoder]:
    """The encoders `specs` name; `precision` is one for all, or per spec (missing specs: auto)."""
    def chosen(spec: str) -> Precision:
        return precision if isinstance(precision, str) else precision.get(spec, "auto")

    return [load_encoder(spec, allow_pickle=allow_pickle, precision=chosen(spec)) for spec in split_specs(specs)]


def _load_target(target: str) -> Callable[[str], Encoder]:
    import importlib

    module_name, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module_name), attribute)
