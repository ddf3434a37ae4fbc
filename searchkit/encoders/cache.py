"""A content-addressed embedding cache shared by every index under one home.

An entry is one vector, keyed by what made it (the encoder kind, the model's fingerprint, which
includes its precision, and the encoder's maximum length) and the SHA-256 of the text encoded, so
re-indexing a corpus under another name, or a corpus that shares documents or windows with one
already indexed, encodes only what is new. Vectors are stored as raw float32 bytes in SQLite: no
pickles. When the cache grows past its limit, the entries used longest ago go first.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from searchkit.encoders.base import Encoder, encode_all, shared_backbone
from searchkit.errors import SearchkitError
from searchkit.types import TextKind

CACHE_FILE = "embeddings.sqlite3"  # in `<home>/cache`
DEFAULT_LIMIT = 2 * 1024**3  # bytes of vectors
EVICT_TO = 0.9  # eviction stops at this share of the limit
_SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (
    model TEXT NOT NULL, text TEXT NOT NULL, vector BLOB NOT NULL, used REAL NOT NULL, PRIMARY KEY (model, text)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS vectors_used ON vectors (used);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def model_key(encoder: Encoder) -> str:
    """What made an encoder's vectors: its kind, model fingerprint (precision included) and maximum length."""
    kind = encoder.spec.partition(":")[0]
    return f"{kind}|{encoder.fingerprint}|{getattr(encoder, 'max_tokens', '')}"


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class CacheStats:
    path: Path
    entries: int
    bytes: int  # of vectors
    limit: int
    models: dict[str, int]  # model key -> entries


class EmbeddingCache:
    """Vectors by (model key, text hash), in one SQLite file; use as a context manager or `close()`."""

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / CACHE_FILE
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
            self._db.executescript(_SCHEMA)
            self._db.execute("PRAGMA journal_mode=WAL")
        except (OSError, sqlite3.Error) as error:
            raise SearchkitError(
                f"embedding cache {self.path} cannot be opened ({error}); delete it, or index with --no-cache"
            ) from None
        self.hits = self.misses = 0

    @property
    def limit(self) -> int:
        row = self._db.execute("SELECT value FROM settings WHERE key = 'limit'").fetchone()
        return int(row[0]) if row else DEFAULT_LIMIT

    def set_limit(self, limit: int) -> None:
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO settings VALUES ('limit', ?)", (str(int(limit)),))
        self._evict()

    def get(self, model: str, texts: Sequence[str], dimension: int) -> list[np.ndarray | None]:
        """The cached vector of each text, or None; marks the found ones as used now."""
        keys = [text_key(t) for t in texts]
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(keys), 500):  # SQLite's bound-parameter limit
            chunk = keys[start : start + 500]
            rows = self._db.execute(
                f"SELECT text, vector FROM vectors WHERE model = ? AND text IN ({','.join('?' * len(chunk))})",
                (model, *chunk),
            ).fetchall()
            found.update((key, np.frombuffer(blob, dtype=np.float32)) for key, blob in rows if len(blob) == 4 * dimension)
        if found:
            with self._db:
                self._db.executemany(
                    "UPDATE vectors SET used = ? WHERE model = ? AND text = ?", [(time.time(), model, k) for k in found]
                )
        self.hits += len([k for k in keys if k in found])
        self.misses += len([k for k in keys if k not in found])
        return [found.get(key) for key in keys]

    def put(self, model: str, texts: Sequence[str], vectors: np.ndarray) -> None:
        now = time.time()
        rows = [(model, text_key(t), np.asarray(v, dtype=np.float32).tobytes(), now) for t, v in zip(texts, vectors)]
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?)", rows)
        self._evict()

    def stats(self) -> CacheStats:
        entries, size = self._db.execute("SELECT COUNT(*), COALESCE(SUM(LENGTH(vector)), 0) FROM vectors").fetchone()
        models = dict(self._db.execute("SELECT model, COUNT(*) FROM vectors GROUP BY model ORDER BY model").fetchall())
        return CacheStats(self.path, entries, size, self.limit, models)

    def clear(self) -> int:
        """Remove every entry; returns how many there were."""
        with self._db:
            removed = self._db.execute("DELETE FROM vectors").rowcount
        self._db.execute("VACUUM")
        return removed

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> EmbeddingCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _evict(self) -> None:
        limit = self.limit
        (size,) = self._db.execute("SELECT COALESCE(SUM(LENGTH(vector)), 0) FROM vectors").fetchone()
        if size <= limit:
            return
        with self._db:
            for model, text, length in self._db.execute("SELECT model, text, LENGTH(vector) FROM vectors ORDER BY used").fetchall():
                if size <= EVICT_TO * limit:
                    break
                self._db.execute("DELETE FROM vectors WHERE model = ? AND text = ?", (model, text))
                size -= length


def encode_cached(
    encoders: Sequence[Encoder],
    texts: Sequence[str],
    kind: TextKind = "document",
    batch_size: int = 32,
    cache: EmbeddingCache | None = None,
) -> dict[str, np.ndarray]:
    """`encode_all`, encoding only the documents `cache` lacks (and caching them); queries are not cached."""
    if cache is None or kind != "document" or not texts:
        return encode_all(encoders, texts, kind, batch_size)
    results: dict[str, np.ndarray] = {}
    missing: dict[int, tuple[list[Encoder], set[int]]] = {}  # per model computed with: its encoders, rows they lack
    for encoder in {encoder.spec: encoder for encoder in encoders}.values():
        cached = cache.get(model_key(encoder), texts, encoder.dimension)
        results[encoder.spec] = np.zeros((len(texts), encoder.dimension), dtype=np.float32)
        for row, vector in enumerate(cached):
            if vector is not None:
                results[encoder.spec][row] = vector
        lacking = {row for row, vector in enumerate(cached) if vector is None}
        if lacking:
            group, rows = missing.setdefault(id(shared_backbone(encoder) or encoder), ([], set()))
            group.append(encoder)
            rows |= lacking
    for group, rows in missing.values():  # one forward pass per backbone, over every row one of its encoders lacks
        ordered = sorted(rows)
        wanted = [texts[row] for row in ordered]
        encoded = encode_all(group, wanted, kind, batch_size)
        for encoder in group:
            results[encoder.spec][ordered] = encoded[encoder.spec]
            cache.put(model_key(encoder), wanted, encoded[encoder.spec])
    return results
