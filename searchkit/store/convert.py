"""Converting an index made by qdrant-client's local mode into edge storage, without trusting its pickles.

Local mode keeps the collection's settings in `qdrant/meta.json` and each point as a pickled
`PointStruct` in `qdrant/collection/<name>/storage.sqlite`. Unpickling runs whatever a file names,
so the points are read by an unpickler that knows one class, `PointStruct`, and builds an inert
record in its place: any other class, function or opcode that calls one fails the conversion.
"""

from __future__ import annotations

import io
import json
import pickle
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from searchkit.errors import IndexDamagedError, StoreError
from searchkit.store.edge import EDGE_FOLDER, EdgeStore
from searchkit.store.points import MANIFEST_KEY

LOCAL_FOLDER = "qdrant"  # local mode's storage inside an index's folder
BACKUP_FOLDER = "qdrant.local-mode-backup"  # where it goes once converted
MIGRATE_COMMAND = "searchkit migrate"
_BATCH = 256


class _StoredPoint:
    """What a pickled `PointStruct` becomes: its fields, nothing run."""

    fields: dict[str, Any]

    def __setstate__(self, state: Any) -> None:
        self.fields = state.get("__dict__", {}) if isinstance(state, dict) else {}


class _PointUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("qdrant_client.http.models.models", "PointStruct"):
            return _StoredPoint
        raise pickle.UnpicklingError(f"refused to load {module}.{name}: a stored point names only PointStruct")


def convert_local_index(folder: Path) -> int:
    """Convert the local-mode storage of the index in `folder` to edge storage; the number of points copied.

    The old storage is kept as `qdrant.local-mode-backup/` (delete it once the index works), so
    the folder opens as an edge index from then on.
    """
    local = folder / LOCAL_FOLDER
    if (folder / EDGE_FOLDER).exists():
        raise StoreError(f"{folder} already holds edge storage ({EDGE_FOLDER}/); nothing to convert")
    if not local.is_dir():
        raise StoreError(f"{folder} holds no local-mode storage ({LOCAL_FOLDER}/) to convert")
    collections = _collections(local)
    store_folder = folder / EDGE_FOLDER
    copied = 0
    try:
        for name, config in collections.items():
            store = EdgeStore(store_folder, name)
            try:
                vectors = {v: int(params["size"]) for v, params in (config.get("vectors") or {}).items()}
                store.create(vectors, dict((config.get("metadata") or {}).get(MANIFEST_KEY) or {}))
                copied += _copy_points(local / "collection" / name / "storage.sqlite", store, set(vectors))
            finally:
                store.close()
    except BaseException:
        shutil.rmtree(store_folder, ignore_errors=True)
        raise
    local.rename(folder / BACKUP_FOLDER)
    return copied


def _collections(local: Path) -> dict[str, dict[str, Any]]:
    try:
        meta = json.loads((local / "meta.json").read_text(encoding="utf-8"))
        collections = meta["collections"]
        if not isinstance(collections, dict) or not all(isinstance(c, dict) for c in collections.values()):
            raise TypeError("collections is not a mapping of settings")
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise _damaged(local / "meta.json", error) from None
    for name, config in collections.items():
        for vector, params in (config.get("vectors") or {}).items():
            if not isinstance(params, dict) or params.get("distance") != "Cosine":
                raise _damaged(local / "meta.json", ValueError(f"vector {vector!r} of {name!r} is not a cosine vector"))
    return collections


def _copy_points(storage: Path, store: EdgeStore, names: set[str]) -> int:
    batch: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    copied = 0
    for pid, vectors, payload in _stored_points(storage):
        batch.append((pid, {n: v for n, v in vectors.items() if n in names and v is not None}, payload))
        if len(batch) == _BATCH:
            store.upsert_records(batch)
            copied, batch = copied + len(batch), []
    store.upsert_records(batch)
    return copied + len(batch)


def _stored_points(storage: Path) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(id, named vectors, payload) of each stored point; the latest row of a point written more than once."""
    if not storage.is_file():
        return
    seen: set[str] = set()
    try:
        connection = sqlite3.connect(f"file:{storage}?mode=ro", uri=True)
        try:
            rows = connection.execute("SELECT point FROM points ORDER BY rowid DESC").fetchall()
        finally:
            connection.close()
        for (blob,) in rows:
            point = _PointUnpickler(io.BytesIO(blob)).load()
            if not isinstance(point, _StoredPoint):
                raise pickle.UnpicklingError("a row that is not a PointStruct")
            fields = point.fields
            pid, vectors, payload = str(fields["id"]), fields.get("vector"), fields.get("payload") or {}
            if not isinstance(vectors, dict) or not isinstance(payload, dict):
                raise TypeError(f"point {pid} has no named vectors or no payload")
            if pid not in seen:
                seen.add(pid)
                yield pid, vectors, payload
    except (sqlite3.Error, pickle.UnpicklingError, EOFError, KeyError, TypeError, ValueError, IndexError) as error:
        raise _damaged(storage, error) from None


def _damaged(path: Path, error: Exception) -> IndexDamagedError:
    return IndexDamagedError(
        f"cannot convert {path}: {type(error).__name__}: {error}; nothing was changed (build the index again "
        "with `searchkit index` if it cannot be restored)"
    )

