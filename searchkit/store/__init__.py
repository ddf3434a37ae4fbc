"""Vector storage behind one interface (`VectorStore`): Qdrant, embedded by default, or a server."""

from __future__ import annotations

from pathlib import Path

from searchkit.store.base import (
    DocumentPoint,
    PointState,
    VectorRows,
    VectorStore,
    WindowPoint,
)
from searchkit.store.connection import check_server, connect
from searchkit.store.qdrant import EMBEDDED_FOLDER, QdrantStore, point_id

__all__ = [
    "DocumentPoint",
    "PointState",
    "QdrantStore",
    "VectorRows",
    "VectorStore",
    "WindowPoint",
    "check_server",
    "holds_embedded_store",
    "open_store",
    "point_id",
]


def open_store(folder: Path, collection: str, url: str | None = None) -> VectorStore:
    """The store of the index kept in `folder`: on the server at `url` when given, else embedded in `folder`."""
    return QdrantStore(connect(folder / EMBEDDED_FOLDER, url), collection, url)


def holds_embedded_store(folder: Path) -> bool:
    """Whether `folder` is an index folder with embedded storage."""
    return (folder / EMBEDDED_FOLDER).is_dir()
