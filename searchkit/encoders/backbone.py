"""Encoders over a transformer backbone, one per pooling kind of `POOLINGS`.

Encoders built on the same model share one `Backbone`, whose single forward pass yields the
token vectors and the SentenceTransformer output that every pooling reads (and every layer's
token vectors, once a pooling that reads them has been asked for).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Literal

import numpy as np

from searchkit.encoders.base import normalize
from searchkit.encoders.model_folders import ModelSource
from searchkit.encoders.poolings import POOLINGS
from searchkit.encoders.windows import Span, window_spans
from searchkit.errors import ModelNotAvailableError
from searchkit.types import TextKind


class Backbone:
    """One SentenceTransformer model loaded from a local folder (no remote code, no download)."""

    def __init__(self, source: ModelSource, *, allow_pickle: bool = False, precision: Literal["fp32", "bf16"] = "fp32") -> None:
        import torch
        from sentence_transformers import SentenceTransformer

        self.source = source
        self.precision = precision
        # bf16 vectors differ from float32 ones in the fourth decimal: they are another fingerprint
        self.fingerprint = source.fingerprint if precision == "fp32" else f"{source.fingerprint}-{precision}"
        try:
            self.model = SentenceTransformer(
                str(source.path),
                local_files_only=True,
                trust_remote_code=False,
                model_kwargs={"use_safetensors": not allow_pickle},
            )
        except (OSError, ValueError, KeyError, TypeError) as error:  # what transformers raises for a folder it cannot use
            reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise ModelNotAvailableError(
                f"model {source.name!r} ({source.path}) cannot be loaded: {reason}; check that the folder holds a "
                "complete model (config.json, tokenizer files, weights)"
            ) from None
        self.model.eval()
        if precision == "bf16":
            self.model.to(torch.bfloat16)
        self.token_dimension = int(self.model[0].get_embedding_dimension())
        self.sentence_dimension = int(self.model.get_embedding_dimension() or self.token_dimension)

    @property
    def pipeline_pooling(self) -> str | None:
        """The pooling mode the model's SentenceTransformer pipeline declares (its Pooling module), if any."""
        for module in self.model:
            mode = module.get_config_dict().get("pooling_mode") if hasattr(module, "get_config_dict") else None
            if mode:
                return str(mode)
        return None

    @property
    def max_tokens(self) -> int:
        """Word pieces of a text one forward pass reads (the model's maximum length less its special tokens)."""
        return int(self.model.max_seq_length) - self.model.tokenizer.num_special_tokens_to_add(pair=False)

    def windows(self, texts: Sequence[str], stride: int) -> list[list[Span]]:
        """Each text's windows of `max_tokens` pieces, starting every `stride` pieces (see `window_spans`)."""
        if not texts:
            return []
        pieces = self.model.tokenizer(
            list(texts), add_special_tokens=False, return_offsets_mapping=True, truncation=False, verbose=False
        )
        return [
            window_spans(pieces["offset_mapping"][i], pieces.word_ids(i), self.max_tokens, stride, len(text))
            for i, text in enumerate(texts)
        ]

    def cls_attention(self, text: str) -> list[tuple[int, int, float]]:
        """Per word piece of `text`'s first window: its character span and the attention the first token
        ([CLS]) pays it in the last layer, averaged over heads (special tokens have empty spans; weights sum to 1).

        The model runs with eager attention for this one pass (SDPA returns no weights): not thread-safe
        against encoding on the same backbone.
        """
        import torch

        model = self.model[0].auto_model
        pieces = self.model.tokenizer(text, return_tensors="pt", return_offsets_mapping=True, truncation=True, max_length=int(self.model.max_seq_length))
        offsets = pieces.pop("offset_mapping")[0].tolist()
        previous = model.config._attn_implementation
        model.set_attn_implementation("eager")
        try:
            with torch.inference_mode():
                attentions = model(**pieces.to(model.device), output_attentions=True).attentions
        finally:
            model.set_attn_implementation(previous)
        weights = attentions[-1][0].float().mean(dim=0)[0].cpu().tolist()
        return [(int(start), int(end), weight) for (start, end), weight in zip(offsets, weights, strict=True)]

    def dimension(self, pooling: str) -> int:
        return self.sentence_dimension if POOLINGS[pooling].pipeline else self.token_dimension

    def encode(
        self,
        texts: Sequence[str],
        poolings: Collection[str],
        kind: TextKind = "document",
        batch_size: int = 32,
    ) -> dict[str, np.ndarray]:
        """Unit vectors for each requested pooling, from one forward pass per batch.

        The pipeline's output uses the model's prompt for `kind` when it defines one; the other
        poolings never do, so a prompted model needs a second pass for them.
        """
        poolings = list(dict.fromkeys(poolings))  # each pooling once, however often it is asked for
        if any(POOLINGS[p].all_layers for p in poolings):
            self._return_all_layers()
        prompt = self.model.prompts.get(kind) or None
        passes: list[tuple[str | None, list[str]]] = []
        if prompt:
            prompted = [p for p in poolings if POOLINGS[p].pipeline]
            if prompted:
                passes.append((prompt, prompted))
            poolings = [p for p in poolings if p not in prompted]
        if poolings:
            passes.append((None, list(poolings)))
        results: dict[str, np.ndarray] = {}
        for pass_prompt, pass_poolings in passes:
            results.update(self._encode_pass(texts, pass_poolings, pass_prompt, batch_size))
        return results

    def _return_all_layers(self) -> None:
        """From now on every forward pass also yields `all_layer_embeddings` (the model's `hidden_states`).

        Off until a pooling needs it: the model then keeps each layer's output, which it computes anyway.
        """
        self.model[0].auto_model.config.output_hidden_states = True

    def encode_together(
        self, encoders: Sequence[PoolingEncoder], texts: Sequence[str], kind: TextKind = "document", batch_size: int = 32
    ) -> dict[str, np.ndarray]:
        """Encoder spec -> vectors, for encoders over this backbone (one forward pass serves them all)."""
        pooled = self.encode(texts, [e.pooling for e in encoders], kind, batch_size)
        return {encoder.spec: pooled[encoder.pooling] for encoder in encoders}

    def _encode_pass(
        self, texts: Sequence[str], poolings: list[str], prompt: str | None, batch_size: int
    ) -> dict[str, np.ndarray]:
        import torch
        from sentence_transformers.util import batch_to_device

        # Longest first, as SentenceTransformer.encode does: batches pad to similar lengths.
        order = np.argsort([-len(text) for text in texts], kind="stable")
        outputs: dict[str, list[np.ndarray]] = {pooling: [] for pooling in poolings}
        with torch.inference_mode():
            for start in range(0, len(texts), batch_size):
                batch = [texts[i] for i in order[start : start + batch_size]]
                features = batch_to_device(self.model.preprocess(batch, prompt=prompt), self.model.device)
                out = self.model(features)
                for pooling in poolings:
                    outputs[pooling].append(POOLINGS[pooling].pool(out).float().cpu().numpy())
        inverse = np.argsort(order)
        return {
            pooling: normalize(np.concatenate(chunks)[inverse] if chunks else np.zeros((0, self.dimension(pooling))))
            for pooling, chunks in outputs.items()
        }


class PoolingEncoder:
    """A built-in kind (`cls:`, `mean:`, `sbert:`, ...) over a (possibly shared) backbone."""

    def __init__(self, spec: str, backbone: Backbone, pooling: str) -> None:
        if pooling not in POOLINGS:
            raise ValueError(f"unknown pooling {pooling!r}; known: {', '.join(POOLINGS)}")
        self.spec = spec
        self.backbone = backbone
        self.pooling = pooling
        self.dimension = backbone.dimension(pooling)
        self.fingerprint = backbone.fingerprint
        self.precision = backbone.precision

    @property
    def max_tokens(self) -> int:
        return self.backbone.max_tokens

    def windows(self, texts: Sequence[str], stride: int) -> list[list[Span]]:
        return self.backbone.windows(texts, stride)

    def encode(self, texts: Sequence[str], kind: TextKind = "document", batch_size: int = 32) -> np.ndarray:
        return self.backbone.encode(texts, [self.pooling], kind, batch_size)[self.pooling]

    def __repr__(self) -> str:
        return f"PoolingEncoder({self.spec!r}, dimension={self.dimension})"

