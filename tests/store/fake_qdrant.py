"""A Qdrant server faked at the HTTP level (respx) that keeps what it is sent: collections, their points, payload indexes.

Only the REST calls searchkit's QdrantStore makes are answered (queries: by each test), and only as far as searchkit reads
them; `failures` queues status codes (or exceptions) for the next upserts, applied before failing
when `apply_failed` is set (a write that landed but whose answer was lost).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import respx

URL = "http://qdrant.test:6333"
OK = {"status": "ok", "time": 0.0}
_NAME = r"/collections/(?P<name>[^/]+)"


class FakeQdrant:
    def __init__(self, mock: respx.MockRouter) -> None:
        self.mock = mock
        self.collections: dict[str, dict[str, Any]] = {}
        self.failures: list[int | Exception] = []
        self.apply_failed = False
        mock.get("/").respond(json={"title": "qdrant", "version": "1.17.0"})
        mock.get(path__regex=_NAME + "/exists$").mock(side_effect=self._exists)
        mock.put(path__regex=_NAME + "$").mock(side_effect=self._create)
        mock.get(path__regex=_NAME + "$").mock(side_effect=self._info)
        mock.patch(path__regex=_NAME + "$").mock(side_effect=self._update)
        mock.delete(path__regex=_NAME + "$").mock(side_effect=self._drop)
        mock.put(path__regex=_NAME + "/index$").mock(side_effect=self._index)
        mock.put(path__regex=_NAME + "/points$").mock(side_effect=self._upsert)
        mock.put(path__regex=_NAME + "/vectors/(?P<vector>[^/]+)$").mock(side_effect=self._add_vector)
        mock.delete(path__regex=_NAME + "/vectors/(?P<vector>[^/]+)$").mock(side_effect=self._drop_vector)
        mock.put(path__regex=_NAME + "/points/vectors$").mock(side_effect=self._update_vectors)
        mock.post(path__regex=_NAME + "/points/scroll$").mock(side_effect=self._scroll)
        mock.post(path__regex=_NAME + "/points/count$").mock(side_effect=self._count)

    def calls(self, method: str, suffix: str = "") -> list[dict[str, Any]]:
        """Bodies of the requests sent with `method` to a path ending in `suffix`."""
        return [
            json.loads(c.request.content or b"null")
            for c in self.mock.calls
            if c.request.method == method and c.request.url.path.endswith(suffix)
        ]

    def _exists(self, request: httpx.Request, name: str) -> httpx.Response:
        return httpx.Response(200, json={"result": {"exists": name in self.collections}, **OK})

    def _create(self, request: httpx.Request, name: str) -> httpx.Response:
        self.collections[name] = {"config": json.loads(request.content), "points": {}, "indexes": {}}
        return httpx.Response(200, json={"result": True, **OK})

    def _drop(self, request: httpx.Request, name: str) -> httpx.Response:
        return httpx.Response(200, json={"result": self.collections.pop(name, None) is not None, **OK})

    def _update(self, request: httpx.Request, name: str) -> httpx.Response:
        metadata = json.loads(request.content).get("metadata") or {}
        self.collections[name]["config"].setdefault("metadata", {}).update(metadata)
        return httpx.Response(200, json={"result": True, **OK})

    def _info(self, request: httpx.Request, name: str) -> httpx.Response:
        if name not in self.collections:
            return httpx.Response(404, json={"status": {"error": f"Collection `{name}` doesn't exist!"}, "time": 0.0})
        config = self.collections[name]["config"]
        info = {
            "status": "green", "optimizer_status": "ok", "segments_count": 1, "payload_schema": {},
            "config": {
                "params": {"vectors": config.get("vectors") or {}, "sparse_vectors": config.get("sparse_vectors") or {}},
                "hnsw_config": {"m": 16, "ef_construct": 100, "full_scan_threshold": 10000},
                "optimizer_config": {"deleted_threshold": 0.2, "vacuum_min_vector_number": 1000, "default_segment_number": 0, "flush_interval_sec": 5},
                "wal_config": {"wal_capacity_mb": 32, "wal_segments_ahead": 0},
                "metadata": config.get("metadata") or {},
            },
        }  # fmt: skip
        return httpx.Response(200, json={"result": info, **OK})

    def _index(self, request: httpx.Request, name: str) -> httpx.Response:
        body = json.loads(request.content)
        self.collections[name]["indexes"][body["field_name"]] = body["field_schema"]
        return httpx.Response(200, json={"result": {"operation_id": 1, "status": "completed"}, **OK})

    def _add_vector(self, request: httpx.Request, name: str, vector: str) -> httpx.Response:
        body = json.loads(request.content)
        config = self.collections[name]["config"]
        kind = "sparse" if "sparse" in body else "dense"
        config.setdefault("sparse_vectors" if kind == "sparse" else "vectors", {})[vector] = body[kind]
        return httpx.Response(200, json={"result": {"operation_id": 1, "status": "completed"}, **OK})

    def _drop_vector(self, request: httpx.Request, name: str, vector: str) -> httpx.Response:
        config = self.collections[name]["config"]
        for kind in ("vectors", "sparse_vectors"):
            (config.get(kind) or {}).pop(vector, None)
        for point in self.collections[name]["points"].values():
            point["vector"].pop(vector, None)
        return httpx.Response(200, json={"result": {"operation_id": 1, "status": "completed"}, **OK})

    def _update_vectors(self, request: httpx.Request, name: str) -> httpx.Response:
        for update in json.loads(request.content)["points"]:
            self.collections[name]["points"][update["id"]]["vector"].update(update["vector"])
        return httpx.Response(200, json={"result": {"operation_id": 1, "status": "completed"}, **OK})

    def _upsert(self, request: httpx.Request, name: str) -> httpx.Response:
        failure = self.failures.pop(0) if self.failures else None
        if isinstance(failure, Exception):
            raise failure
        if failure is None or self.apply_failed:
            for point in json.loads(request.content)["points"]:
                self.collections[name]["points"][point["id"]] = point
        if failure is not None:
            return httpx.Response(failure, json={"status": {"error": "Service Unavailable"}, "time": 0.0})
        return httpx.Response(200, json={"result": {"operation_id": 1, "status": "completed"}, **OK})

    def _scroll(self, request: httpx.Request, name: str) -> httpx.Response:
        body = json.loads(request.content)
        ids = sorted(self.collections[name]["points"])
        start = ids.index(body["offset"]) if body.get("offset") else 0
        page = ids[start : start + body.get("limit", 10)]
        following = ids[start + len(page)] if start + len(page) < len(ids) else None
        points = [self._record(self.collections[name]["points"][pid], body) for pid in page]
        return httpx.Response(200, json={"result": {"points": points, "next_page_offset": following}, **OK})

    def _count(self, request: httpx.Request, name: str) -> httpx.Response:
        # searchkit counts documents: points without a window number
        count = sum(not p["payload"].get("window") for p in self.collections[name]["points"].values())
        return httpx.Response(200, json={"result": {"count": count}, **OK})

    @staticmethod
    def _record(point: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        record = {"id": point["id"], "payload": point["payload"] if body.get("with_payload") else None}
        if body.get("with_vector"):
            record["vector"] = point["vector"]
        return record
