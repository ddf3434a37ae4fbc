"""Settings only a Qdrant server honours: HNSW graph, int8 quantization, sharding, and how points are written.

`open_store` takes a `ServerSettings`; without one, `ServerSettings.from_env()` reads the variables
below. Embedded storage ignores them all (edge keeps its own HNSW and int8 settings, in store/edge.py).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from searchkit.errors import StoreError

PREFIX = "SEARCHKIT_QDRANT_"
QUANTIZATION_CHOICES = ("off", "int8")


@dataclass(frozen=True, slots=True)
class ServerSettings:
    hnsw_m: int = 16  # graph links per node (Qdrant's default)
    ef_construct: int = 100  # candidates while building the graph (Qdrant's default)
    quantization: str = "off"  # "int8": scalar quantization kept in RAM, rescored with the full vectors
    quantile: float = 0.99  # the int8 range covers this share of values
    oversampling: float = 2.0  # with int8: candidates fetched per hit wanted, before rescoring
    shard_number: int | None = None  # None: the server's default (1 per node on a cluster)
    replication_factor: int | None = None  # None: the server's default (1)
    batch_size: int = 256  # points per upsert request
    attempts: int = 4  # tries per batch when the server is unreachable or answers 429/502/503/504
    backoff: float = 0.5  # seconds before the first retry, doubled for each next one

    def __post_init__(self) -> None:
        if self.quantization not in QUANTIZATION_CHOICES:
            raise StoreError(f"quantization must be one of {', '.join(QUANTIZATION_CHOICES)}, got {self.quantization!r}")
        for name in ("hnsw_m", "ef_construct", "batch_size", "attempts"):
            if getattr(self, name) < 1:
                raise StoreError(f"server setting {name} must be >= 1, got {getattr(self, name)}")
        for name in ("shard_number", "replication_factor"):
            if getattr(self, name) is not None and getattr(self, name) < 1:
                raise StoreError(f"server setting {name} must be >= 1, got {getattr(self, name)}")
        if not 0.5 <= self.quantile <= 1 or self.oversampling < 1 or self.backoff < 0:
            raise StoreError("server settings need 0.5 <= quantile <= 1, oversampling >= 1 and backoff >= 0")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ServerSettings:
        """Defaults, overridden by $SEARCHKIT_QDRANT_HNSW_M, _EF_CONSTRUCT, _QUANTIZATION (off|int8),
        _SHARDS, _REPLICATION, _BATCH and _ATTEMPTS."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for field, variable in _INT_VARIABLES.items():
            text = env.get(PREFIX + variable)
            if text:
                try:
                    values[field] = int(text)
                except ValueError:
                    raise StoreError(f"${PREFIX}{variable} must be a whole number, got {text!r}") from None
        quantization = env.get(PREFIX + "QUANTIZATION")
        if quantization:
            if quantization.lower() not in QUANTIZATION_CHOICES:
                raise StoreError(f"${PREFIX}QUANTIZATION must be one of {', '.join(QUANTIZATION_CHOICES)}, got {quantization!r}")
            values["quantization"] = quantization.lower()
        try:
            return cls(**values)  # type: ignore[arg-type]
        except StoreError as error:
            raise StoreError(f"{error} (from ${PREFIX}* variables)") from None


_INT_VARIABLES = {
    "hnsw_m": "HNSW_M",
    "ef_construct": "EF_CONSTRUCT",
    "shard_number": "SHARDS",
    "replication_factor": "REPLICATION",
    "batch_size": "BATCH",
    "attempts": "ATTEMPTS",
}
