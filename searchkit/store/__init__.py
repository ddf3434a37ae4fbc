"""Vector storage in Qdrant (embedded by default, or a server)."""

from __future__ import annotations

from searchkit.store.qdrant import PointState, QdrantStore, connect, content_hash, point_id

__all__ = ["PointState", "QdrantStore", "connect", "content_hash", "point_id"]
