"""Vector storage behind one interface (`VectorStore`): Qdrant embedded in the index folder, or a server.

Embedded storage is qdrant-edge (`edge/`) for new indexes. Folders made by qdrant-client's local
mode (`qdrant/`) keep pickles, which run code when read: they open only when asked for by kind,
and `convert_local_index` turns one into edge storage without unpickling anything but points.
"""

from __future__ import annotations

from pathlib import Path

from searchkit.errors import StoreError
from searchkit.store.base import (
    DocumentPoint,
    FusingStore,
    PointState,
    SparseRow,
    VectorRows,
    VectorStore,
    WindowPoint,
)
from searchkit.store.capacity import build_seconds, outgrown
from searchkit.store.connection import check_server, connect, redact
from searchkit.store.convert import BACKUP_FOLDER, MIGRATE_COMMAND, convert_local_index
from searchkit.store.edge import EDGE_FOLDER, EdgeStore
from searchkit.store.migrate import copy_to_embedded, copy_to_server
from searchkit.store.points import point_id
from searchkit.store.qdrant import EMBEDDED_FOLDER, QdrantStore
from searchkit.store.settings import ServerSettings

STORE_KINDS = ("edge", "local")  # qdrant-edge; qdrant-client's local mode (pickles)
DEFAULT_KIND = "edge"

__all__ = [
    "BACKUP_FOLDER",
    "DEFAULT_KIND",
    "DocumentPoint",
    "EdgeStore",
    "FusingStore",
    "PointState",
    "QdrantStore",
    "VectorRows",
    "VectorStore",
    "STORE_KINDS",
    "ServerSettings",
    "SparseRow",
    "WindowPoint",
    "build_seconds",
    "check_server",
    "convert_local_index",
    "copy_to_embedded",
    "copy_to_server",
    "embedded_kind",
    "holds_embedded_store",
    "open_store",
    "outgrown",
    "point_id",
    "redact",
]


def open_store(
    folder: Path, collection: str, url: str | None = None, kind: str | None = None, settings: ServerSettings | None = None
) -> VectorStore:
    """The store of the index kept in `folder`: on the server at `url` when given, else embedded in `folder`.

    An existing folder keeps its kind; `kind` (default `DEFAULT_KIND`) chooses for a new one. A
    local-mode folder opens only when "local" is asked for, which trusts its pickles. `settings`
    (default: `ServerSettings.from_env()`) apply to a server only.
    """
    if url:
        settings = settings or ServerSettings.from_env()  # a bad variable fails before connecting
        return QdrantStore(connect(folder / EMBEDDED_FOLDER, url), collection, url, settings)
    wanted = kind or DEFAULT_KIND
    if wanted not in STORE_KINDS:
        raise StoreError(f"unknown store kind {wanted!r}; choose one of {', '.join(STORE_KINDS)}")
    found = embedded_kind(folder)
    if found == "local" and wanted != "local":
        raise StoreError(
            f"the index at {folder} uses the old embedded storage (qdrant-client local mode), whose pickles can run "
            f"code when read; convert it once with `{MIGRATE_COMMAND} {folder}`"
        )
    if (found or wanted) == "local":
        return QdrantStore(connect(folder / EMBEDDED_FOLDER), collection)
    return EdgeStore(folder / EDGE_FOLDER, collection)


def embedded_kind(folder: Path) -> str | None:
    """The kind of embedded storage in an index folder ("edge" or "local"), None if it holds none.

    Known by the files searchkit writes (an edge manifest, local mode's meta.json), not by a folder
    name alone: any folder may happen to hold a folder called `edge`."""
    try:
        if any((folder / EDGE_FOLDER).glob("*.manifest.json")):
            return "edge"
        if (folder / EMBEDDED_FOLDER / "meta.json").is_file():
            return "local"
    except OSError:  # an unreadable folder holds no index we can open
        return None
    return None


def holds_embedded_store(folder: Path) -> bool:
    """Whether `folder` is an index folder with embedded storage."""
    return embedded_kind(folder) is not None
