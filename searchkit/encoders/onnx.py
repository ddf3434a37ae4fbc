"""Encoding queries without torch: a built-in encoder's transformer exported to ONNX, run by onnxruntime.

A cold `searchkit search` spent most of its 9 to 11 s importing sentence-transformers, torch and
scikit-learn to encode one query; onnxruntime and tokenizers import in about 0.3 s. `export_for_queries`
writes the export once per model (keyed by its fingerprint) under the user's cache, from the loaded
model: its transformer (torch.onnx, dynamo), its fast tokenizer, and what its pipeline does after the
transformer. It is kept only if its vectors match the torch model's (cosine >= MIN_COSINE on probes).
`load_query_encoder` then gives an encoder over it that computes the same vectors as the torch one,
for queries; documents are always encoded with torch. Only float32 models whose pipeline is a
transformer, one pooling (cls, mean or max) and an optional normalization are exported; `firstlast`
(it reads the first layer too) and anything else keep torch.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import shutil
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from searchkit.encoders.base import Encoder, normalize
from searchkit.types import TextKind

if TYPE_CHECKING:
    from searchkit.encoders.backbone import Backbone

QUERY_POOLINGS = ("cls", "mean", "max", "sbert")  # `firstlast` needs a layer the export leaves out
PIPELINE_POOLINGS = ("cls", "mean", "max")  # a SentenceTransformer Pooling module's modes this runs
MIN_COSINE = 0.99999
PROBES = ("what causes anemia?", "Vitamin D and bone density in postmenopausal women " * 40, "x")
_META = "searchkit-query.json"


def cache_root() -> Path:
    """The user's cache for searchkit (`$XDG_CACHE_HOME/searchkit`, else `~/.cache/searchkit`)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "searchkit"


def export_folder(fingerprint: str) -> Path:
    return cache_root() / "onnx" / fingerprint


def has_export(folder: Path) -> bool:
    """Whether `folder` holds a usable export (it may hold only the note that the model cannot be exported)."""
    try:
        return "unsupported" not in json.loads((folder / _META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False


def pending_exports(encoders: Sequence[Encoder]) -> list[Backbone]:
    """The float32 backbones of the built-in encoders among `encoders` not yet exported (nor found unexportable)."""
    from searchkit.encoders.backbone import PoolingEncoder

    backbones = {e.backbone.fingerprint: e.backbone for e in encoders if isinstance(e, PoolingEncoder) and e.pooling in QUERY_POOLINGS}
    return [b for b in backbones.values() if b.precision == "fp32" and not (export_folder(b.fingerprint) / _META).is_file()]


def export_for_queries(backbone: Backbone) -> Path | None:
    """The model's query export, made now if missing; None when the model cannot be exported (see the module)."""
    folder = export_folder(backbone.fingerprint)
    if not (folder / _META).is_file():
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".export-", dir=folder.parent))
        try:
            _export(backbone, staging)
            try:
                staging.rename(folder)
            except OSError:  # another process exported it meanwhile
                pass
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return folder if has_export(folder) else None


def _export(backbone: Backbone, folder: Path) -> None:
    """Write the export and its metadata into `folder`, or only a note saying why there is none."""
    pooling = _exportable_pooling(backbone)
    if backbone.precision != "fp32" or pooling is None or backbone.model.prompts.get("query"):
        _write_meta(folder, {"unsupported": "not float32, or its pipeline is not a transformer and one pooling, or it prompts queries"})
        return
    _export_transformer(backbone, folder)
    _write_meta(folder, {"max_seq_length": int(backbone.model.max_seq_length), "pipeline_pooling": pooling, "dimension": backbone.token_dimension})
    if not _matches(backbone, OnnxBackbone(folder, backbone.fingerprint)):
        (folder / "model.onnx").unlink()
        _write_meta(folder, {"unsupported": f"its ONNX vectors differ from torch's (cosine below {MIN_COSINE})"})


def _write_meta(folder: Path, meta: dict[str, object]) -> None:
    (folder / _META).write_text(json.dumps(meta), encoding="utf-8")


def _exportable_pooling(backbone: Backbone) -> str | None:
    """The pooling mode of a SentenceTransformer pipeline that is a transformer, one Pooling module and an
    optional Normalize (vectors are normalized either way); None for any other pipeline (Dense layers, ...)."""
    names = [type(module).__name__ for module in backbone.model]
    if names not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        return None
    mode = backbone.pipeline_pooling
    return mode if mode in PIPELINE_POOLINGS else None


def _export_transformer(backbone: Backbone, folder: Path) -> None:
    import torch

    class LastHiddenState(torch.nn.Module):
        def __init__(self, model: torch.nn.Module) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor) -> torch.Tensor:
            return self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state

    tokenizer = backbone.model.tokenizer
    tokenizer.backend_tokenizer.save(str(folder / "tokenizer.json"))
    example = tokenizer(list(PROBES[:2]), padding=True, truncation=True, max_length=16, return_tensors="pt")
    inputs = tuple(example.get(name, torch.zeros_like(example["input_ids"])) for name in ("input_ids", "attention_mask", "token_type_ids"))
    batch, length = torch.export.Dim("batch"), torch.export.Dim("length", max=int(backbone.model.max_seq_length))
    shapes = {name: {0: batch, 1: length} for name in ("input_ids", "attention_mask", "token_type_ids")}
    exporter_log = logging.getLogger("torch.onnx")
    level = exporter_log.level
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):  # its progress lines and notes
        warnings.simplefilter("ignore")
        exporter_log.setLevel(logging.ERROR)  # e.g. "torchvision is not installed. Skipping torchvision::deform_conv2d"
        try:
            torch.onnx.export(
                LastHiddenState(backbone.model[0].auto_model).eval(), inputs, str(folder / "model.onnx"), dynamo=True,
                input_names=list(shapes), output_names=["last_hidden_state"], dynamic_shapes=shapes, external_data=False,
                verbose=False,
            )  # fmt: skip
        finally:
            exporter_log.setLevel(level)


def _matches(backbone: Backbone, exported: OnnxBackbone) -> bool:
    torch_vectors = backbone.encode(PROBES, QUERY_POOLINGS, "query")
    onnx_vectors = exported.encode(PROBES, QUERY_POOLINGS)
    return all(float(np.min(np.sum(torch_vectors[p] * onnx_vectors[p], axis=1))) >= MIN_COSINE for p in QUERY_POOLINGS)


class OnnxBackbone:
    """A query export, loaded: tokenizer, onnxruntime session, and the pipeline's pooling."""

    def __init__(self, folder: Path, fingerprint: str) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        meta = json.loads((folder / _META).read_text(encoding="utf-8"))
        self.fingerprint = fingerprint
        self.dimension = int(meta["dimension"])
        self.pipeline_pooling: str = meta["pipeline_pooling"]
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(int(meta["max_seq_length"]))
        self.tokenizer.no_padding()
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        self.session = onnxruntime.InferenceSession(str(folder / "model.onnx"), options, providers=["CPUExecutionProvider"])

    def encode(self, texts: Sequence[str], poolings: Sequence[str], batch_size: int = 32) -> dict[str, np.ndarray]:
        """Unit vectors per pooling ("sbert": the model's pipeline), one forward pass per batch of texts."""
        outputs: dict[str, list[np.ndarray]] = {pooling: [] for pooling in poolings}
        for start in range(0, len(texts), batch_size):
            encodings = self.tokenizer.encode_batch(list(texts[start : start + batch_size]))
            length = max(len(e.ids) for e in encodings)
            feeds = {
                name: np.array([getattr(e, field) + [0] * (length - len(e.ids)) for e in encodings], dtype=np.int64)
                for name, field in (("input_ids", "ids"), ("attention_mask", "attention_mask"), ("token_type_ids", "type_ids"))
            }
            tokens = self.session.run(None, feeds)[0]
            mask = feeds["attention_mask"][:, :, None].astype(np.float32)
            for pooling in poolings:
                outputs[pooling].append(_pool(self.pipeline_pooling if pooling == "sbert" else pooling, tokens, mask))
        return {pooling: normalize(np.concatenate(chunks) if chunks else np.zeros((0, self.dimension), np.float32)) for pooling, chunks in outputs.items()}

    def encode_together(
        self, encoders: Sequence[OnnxPoolingEncoder], texts: Sequence[str], kind: TextKind = "query", batch_size: int = 32
    ) -> dict[str, np.ndarray]:
        """Encoder spec -> vectors, for encoders over this export (one forward pass serves them all)."""
        pooled = self.encode(texts, [e.pooling for e in encoders], batch_size)
        return {encoder.spec: pooled[encoder.pooling] for encoder in encoders}


def _pool(mode: str, tokens: np.ndarray, mask: np.ndarray) -> np.ndarray:
    if mode == "cls":
        return tokens[:, 0]
    if mode == "max":
        return np.where(mask > 0, tokens, -np.inf).max(axis=1)
    return (tokens * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)


class OnnxPoolingEncoder:
    """A built-in encoder's query side over its ONNX export: same spec, fingerprint and vectors."""

    precision = "fp32"

    def __init__(self, spec: str, backbone: OnnxBackbone, pooling: str) -> None:
        self.spec = spec
        self.backbone = backbone
        self.pooling = pooling
        self.dimension = backbone.dimension
        self.fingerprint = backbone.fingerprint

    def encode(self, texts: Sequence[str], kind: TextKind = "query", batch_size: int = 32) -> np.ndarray:
        return self.backbone.encode(texts, [self.pooling], batch_size)[self.pooling]
