"""Copying an index between embedded (edge) storage and a Qdrant server, without re-encoding anything.

Every point goes as it is stored: its id, its named vectors and its payload, window points included;
the manifest goes with the collection. The index folder's other files stay where they are. The copy
refuses to overwrite: the target collection (or the folder's embedded storage) must not exist yet.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from searchkit.errors import StoreError
from searchkit.store.connection import connect
from searchkit.store.edge import EDGE_FOLDER, EdgeStore
from searchkit.store.qdrant import EMBEDDED_FOLDER, QdrantStore
from searchkit.store.settings import ServerSettings

Record = tuple[str, dict[str, Any], dict[str, Any]]  # point id, named vectors, payload
_BATCH = 256


def copy_to_server(folder: Path, collection: str, url: str, settings: ServerSettings | None = None) -> int:
    """Copy the edge storage in `folder` to a new collection on the server at `url`; points copied."""
    if not (folder / EDGE_FOLDER / collection).is_dir():
        raise StoreError(f"{folder} holds no embedded (edge) index {collection!r} to copy")
    source = EdgeStore(folder / EDGE_FOLDER, collection)
    try:
        target = QdrantStore(connect(folder / EMBEDDED_FOLDER, url), collection, url, settings or ServerSettings.from_env())
        try:
            if target.exists():
                raise StoreError(
                    f"Qdrant at {target.location} already holds a collection {collection!r}; delete it there first, "
                    "or copy the index under another name"
                )
            target.create(_edge_vector_sizes(source), source.manifest())
            try:
                copied = _copy(_edge_records(source), target.upsert_records)
                _check_counts(source.count(), target.count(), f"collection {collection!r} on {target.location}")
            except BaseException:
                _drop_quietly(target)
                raise
        finally:
            target.close()
    finally:
        source.close()
    return copied


def copy_to_embedded(folder: Path, collection: str, url: str) -> int:
    """Copy collection `collection` on the server at `url` into new edge storage in `folder`; points copied."""
    if (folder / EDGE_FOLDER).is_dir() or (folder / EMBEDDED_FOLDER).is_dir():
        raise StoreError(f"{folder} already holds embedded storage; move it away first (nothing was copied)")
    source = QdrantStore(connect(folder / EMBEDDED_FOLDER, url), collection, url, ServerSettings.from_env())
    try:
        if not source.exists():
            raise StoreError(f"Qdrant at {source.location} holds no collection {collection!r}")
        sizes, manifest = source.vector_sizes(), source.manifest()
        target = EdgeStore(folder / EDGE_FOLDER, collection)
        try:
            target.create(sizes, manifest)
            copied = _copy(source.records(), target.upsert_records)
            _check_counts(source.count(), target.count(), str(folder / EDGE_FOLDER))
        except BaseException:
            target.close()
            shutil.rmtree(folder / EDGE_FOLDER, ignore_errors=True)
            raise
        target.close()
    finally:
        source.close()
    return copied


def _copy(records: Iterator[Record], write: Any) -> int:
    batch: list[Record] = []
    copied = 0
    for record in records:
        batch.append(record)
        if len(batch) == _BATCH:
            write(batch)
            copied, batch = copied + len(batch), []
    if batch:
        write(batch)
    return copied + len(batch)


def _check_counts(source: int, target: int, where: str) -> None:
    if source != target:
        raise StoreError(f"the copy in {where} holds {target:,} documents, the original {source:,}; nothing was kept")


def _drop_quietly(store: QdrantStore) -> None:
    try:
        store.client.delete_collection(store.collection)
    except StoreError:
        pass  # the original error says more


def _edge_records(store: EdgeStore) -> Iterator[Record]:
    from qdrant_edge import ScrollRequest

    offset = None
    while True:
        request = ScrollRequest(offset=offset, limit=_BATCH, filter=None, with_payload=True, with_vector=True)
        with store._errors():
            records, offset = store.shard.scroll(request)
        for record in records:
            yield str(record.id), dict(record.vector or {}), dict(record.payload or {})
        if offset is None:
            return


def _edge_vector_sizes(store: EdgeStore) -> dict[str, int]:
    # As `EdgeStore.vector_names` reads it: the shard's configuration, vectors added later included.
    path = store.root / store.collection / "edge_config.json"
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
        return {name: int(params["size"]) for name, params in (config.get("vectors") or {}).items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise StoreError(f"cannot read the vector sizes in {path}: {error}") from None
