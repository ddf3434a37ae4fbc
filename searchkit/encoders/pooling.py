"""Encoders over a transformer backbone: raw [CLS], masked mean, and the SBERT pipeline.

Encoders built on the same model share one `Backbone`, whose single forward pass yields the
token vectors ([CLS] and mean pooling come from these) and the SentenceTransformer output.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Literal

import numpy as np

from searchkit.encoders.base import normalize
from searchkit.encoders.models import ModelSource
from searchkit.types import TextKind

Pooling = Literal["cls", "mean", "sbert"]


class Backbone:
    """One SentenceTransformer model loaded from a local folder (no remote code, no download)."""

    def __init__(self, source: ModelSource, *, allow_pickle: bool = False) -> None:
        from sentence_transformers import SentenceTransformer

        self.source = source
        self.model = SentenceTransformer(
            str(source.path),
            local_files_only=True,
            trust_remote_code=False,
            model_kwargs={"use_safetensors": not allow_pickle},
        )
        self.model.eval()
        self.token_dimension = int(self.model[0].get_embedding_dimension())
        self.sentence_dimension = int(self.model.get_embedding_dimension() or self.token_dimension)

    def dimension(self, pooling: Pooling) -> int:
        return self.sentence_dimension if pooling == "sbert" else self.token_dimension

    def encode(
        self,
        texts: Sequence[str],
        poolings: Collection[Pooling],
        kind: TextKind = "document",
        batch_size: int = 32,
    ) -> dict[Pooling, np.ndarray]:
        """Unit vectors for each requested pooling, from one forward pass per batch.

        The SBERT output uses the model's prompt for `kind` when it defines one; [CLS] and mean
        vectors never do, so a prompted model needs a second pass for them.
        """
        prompt = self.model.prompts.get(kind) or None
        passes: list[tuple[str | None, list[Pooling]]] = []
        if prompt and "sbert" in poolings:
            passes.append((prompt, ["sbert"]))
            poolings = [p for p in poolings if p != "sbert"]
        if poolings:
            passes.append((None, list(poolings)))
        results: dict[Pooling, np.ndarray] = {}
        for pass_prompt, pass_poolings in passes:
            results.update(self._encode_pass(texts, pass_poolings, pass_prompt, batch_size))
        return results

    def _encode_pass(
        self, texts: Sequence[str], poolings: list[Pooling], prompt: str | None, batch_size: int
    ) -> dict[Pooling, np.ndarray]:
        import torch
        from sentence_transformers.util import batch_to_device

        # Longest first, as SentenceTransformer.encode does: batches pad to similar lengths.
        order = np.argsort([-len(text) for text in texts], kind="stable")
        outputs: dict[Pooling, list[np.ndarray]] = {pooling: [] for pooling in poolings}
        with torch.inference_mode():
            for start in range(0, len(texts), batch_size):
                batch = [texts[i] for i in order[start : start + batch_size]]
                features = batch_to_device(self.model.preprocess(batch, prompt=prompt), self.model.device)
                out = self.model(features)
                tokens = out["token_embeddings"]
                for pooling in poolings:
                    if pooling == "cls":
                        pooled = tokens[:, 0]
                    elif pooling == "mean":
                        mask = out["attention_mask"].unsqueeze(-1).to(tokens.dtype)
                        pooled = (tokens * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
                    else:
                        pooled = out["sentence_embedding"]
                    outputs[pooling].append(pooled.float().cpu().numpy())
        inverse = np.argsort(order)
        dims = {pooling: self.dimension(pooling) for pooling in poolings}
        return {
            pooling: normalize(np.concatenate(chunks)[inverse] if chunks else np.zeros((0, dims[pooling])))
            for pooling, chunks in outputs.items()
        }


class PoolingEncoder:
    """`cls:`, `mean:` or `sbert:` over a (possibly shared) backbone."""

    def __init__(self, spec: str, backbone: Backbone, pooling: Pooling) -> None:
        self.spec = spec
        self.backbone = backbone
        self.pooling = pooling
        self.dimension = backbone.dimension(pooling)
        self.fingerprint = backbone.source.fingerprint

    def encode(self, texts: Sequence[str], kind: TextKind = "document", batch_size: int = 32) -> np.ndarray:
        return self.backbone.encode(texts, [self.pooling], kind, batch_size)[self.pooling]

    def __repr__(self) -> str:
        return f"PoolingEncoder({self.spec!r}, dimension={self.dimension})"
