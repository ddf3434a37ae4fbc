"""docker-compose.yml: a pinned single node with a health check and the API key, and a 3-node cluster profile."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from searchkit.store import ServerSettings

yaml = pytest.importorskip("yaml")

COMPOSE = Path(__file__).resolve().parents[1] / "docker-compose.yml"
NODES = ["qdrant-node-1", "qdrant-node-2", "qdrant-node-3"]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def test_images_are_pinned(compose: dict) -> None:
    images = {name: service["image"] for name, service in compose["services"].items()}
    assert set(images) == {"qdrant", *NODES}
    for image in images.values():
        assert re.fullmatch(r"qdrant/qdrant:v\d+\.\d+\.\d+", image), image  # never latest or a bare tag
    assert len(set(images.values())) == 1  # one version across nodes


def test_single_node(compose: dict) -> None:
    qdrant = compose["services"]["qdrant"]
    assert "profiles" not in qdrant  # `docker compose up` starts it
    assert qdrant["ports"] == ["6333:6333", "6334:6334"]
    assert qdrant["volumes"] == ["qdrant-storage:/qdrant/storage"]
    assert qdrant["environment"]["QDRANT__SERVICE__API_KEY"] == "${SEARCHKIT_QDRANT_API_KEY:-}"


def test_every_node_has_a_readiness_check(compose: dict) -> None:
    for name, service in compose["services"].items():
        check = service["healthcheck"]
        assert check["test"][:3] == ["CMD", "bash", "-c"] and "/readyz" in check["test"][3], name
        assert "127.0.0.1/6333" in check["test"][3] and check["retries"] >= 3


def test_cluster_profile_has_three_bootstrapped_nodes(compose: dict) -> None:
    services = compose["services"]
    ports, volumes = set(), set()
    for number, name in enumerate(NODES, start=1):
        node = services[name]
        assert node["profiles"] == ["cluster"]
        env = node["environment"]
        assert env["QDRANT__CLUSTER__ENABLED"] == "true" and env["QDRANT__CLUSTER__P2P__PORT"] == "6335"
        assert env["QDRANT__SERVICE__API_KEY"] == "${SEARCHKIT_QDRANT_API_KEY:-}"
        assert f"--uri http://{name}:6335" in node["command"]
        if number == 1:
            assert "--bootstrap" not in node["command"]
        else:
            assert "--bootstrap http://qdrant-node-1:6335" in node["command"]
            assert node["depends_on"] == {"qdrant-node-1": {"condition": "service_healthy"}}
        (port,) = node["ports"]
        assert port.endswith(":6333")
        ports.add(port.split(":")[0])
        (volume,) = node["volumes"]
        assert volume == f"{name}:/qdrant/storage"
        volumes.add(volume.split(":")[0])
    assert len(ports) == 3 and "6333" not in ports  # beside the single node, not on its port
    assert volumes <= set(compose["volumes"]) and len(volumes) == 3


def test_the_comment_gives_settings_searchkit_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    text = COMPOSE.read_text(encoding="utf-8")
    exports = dict(re.findall(r"(SEARCHKIT_QDRANT_(?:SHARDS|REPLICATION))=(\d+)", text))
    assert exports["SEARCHKIT_QDRANT_REPLICATION"] == "2"
    settings = ServerSettings.from_env(exports)
    assert (settings.shard_number, settings.replication_factor) == (int(exports["SEARCHKIT_QDRANT_SHARDS"]), 2)
    assert "SEARCHKIT_QDRANT_URL=http://localhost:6433" in text  # node 1's REST port
