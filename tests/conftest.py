"""Session fixtures: the packaged MiniLM encoders, small corpora on disk, a built demo index."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# Query exports (searchkit.encoders.onnx) live in the user's cache: the tests get their own, made once per session.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="searchkit-tests-cache-")
atexit.register(shutil.rmtree, os.environ["XDG_CACHE_HOME"], ignore_errors=True)

REPO = Path(__file__).resolve().parents[1]
DEMO_CORPUS = REPO / "corpora" / "demo"
SHARED_DATASETS = REPO.parent / "shared" / "datasets"
MINILM_SPECS = "cls:minilm,mean:minilm,sbert:minilm"


# $QDRANT_URL names the server of test_server.py's opt-in test. searchkit reads it (and $SEARCHKIT_QDRANT_URL)
# as its default server, so every test runs without both: embedded unless it names a server.
QDRANT_URL = os.environ.get("QDRANT_URL")


@pytest.fixture(autouse=True)
def no_server_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("QDRANT_URL", "SEARCHKIT_QDRANT_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def shared_datasets() -> Path:
    if not SHARED_DATASETS.is_dir():
        pytest.skip("../shared/datasets is not present")
    return SHARED_DATASETS


@pytest.fixture(scope="session")
def minilm_encoders():
    """cls:, mean: and sbert: over the packaged all-MiniLM-L6-v2, sharing one loaded model."""
    from searchkit.encoders import load_encoders

    return load_encoders(MINILM_SPECS)


@pytest.fixture(scope="session")
def minilm_query_export(minilm_encoders) -> Path:
    """The packaged MiniLM exported for torch-free queries, in the tests' cache."""
    from searchkit.encoders.onnx import export_for_queries

    folder = export_for_queries(minilm_encoders[0].backbone)
    assert folder is not None
    return folder


def write_beir(folder: Path, docs: list[dict], queries: list[dict], qrels: list[tuple[str, str, int]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "corpus.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    (folder / "queries.jsonl").write_text("".join(json.dumps(q) + "\n" for q in queries), encoding="utf-8")
    (folder / "qrels").mkdir(exist_ok=True)
    lines = ["query-id\tcorpus-id\tscore"] + [f"{q}\t{d}\t{s}" for q, d, s in qrels]
    (folder / "qrels" / "test.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


TINY_DOCS = [
    {"_id": "guitar", "title": "Guitar", "text": "The guitar is a string instrument played by plucking or strumming."},
    {"_id": "violin", "title": "Violin", "text": "A violin is a bowed string instrument with four strings."},
    {"_id": "stocks", "title": "Stock market", "text": "Shares of listed companies are bought and sold on the stock exchange."},
    {"_id": "bonds", "title": "Bonds", "text": "A bond is a loan to a government or company that pays interest."},
    {"_id": "bread", "title": "Sourdough", "text": "Over-proofed dough loses its structure and deflates in the oven."},
    {"_id": "tomato", "title": "Tomatoes", "text": "Tomato plants need full sun, deep watering and support stakes."},
    {"_id": "error", "title": "Printer fault E-4471", "text": "Error E-4471 means the fuser unit has overheated."},
    {"_id": "empty", "title": "", "text": "   "},
]
TINY_QUERIES = [
    {"_id": "q1", "text": "musical instrument with strings"},
    {"_id": "q2", "text": "investing in company shares"},
    {"_id": "q3", "text": "what does E-4471 mean"},
]
TINY_QRELS = [("q1", "guitar", 2), ("q1", "violin", 1), ("q2", "stocks", 2), ("q3", "error", 2)]


@pytest.fixture()
def tiny_corpus(tmp_path: Path) -> Path:
    """A BEIR folder of 7 documents (+1 empty), 3 queries and graded judgments."""
    return write_beir(tmp_path / "tiny", TINY_DOCS, TINY_QUERIES, TINY_QRELS)


@pytest.fixture(scope="session")
def run_searchkit():
    """Run the `searchkit` command in a fresh interpreter: run(*args, env=..., cwd=...) -> CompletedProcess."""

    def run(*args: object, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 300):
        return subprocess.run(
            [sys.executable, "-m", "searchkit", *map(str, args)],
            capture_output=True,
            text=True,
            cwd=cwd,
            env={**os.environ, **(env or {})},
            timeout=timeout,
        )

    return run


def assert_clean_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    """A failed command that printed `fragments` on stderr and no traceback."""
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


@pytest.fixture()
def store_kind() -> str:
    """The embedded store new indexes get; a test module overrides it (params) to check another kind."""
    import searchkit.store

    return searchkit.store.DEFAULT_KIND


@pytest.fixture()
def tiny_index_home(tmp_path: Path, tiny_corpus: Path, minilm_encoders, store_kind: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home folder holding the closed embedded index "tiny": the tiny corpus under the three MiniLM encoders."""
    from searchkit.corpus import load_corpus
    from searchkit.index import Index
    from searchkit.indexing import index_corpus

    monkeypatch.setattr("searchkit.store.DEFAULT_KIND", store_kind)
    home = tmp_path / "indexes"
    with Index.open("tiny", home=home, create=True) as index:
        index_corpus(load_corpus(tiny_corpus), minilm_encoders, index)
    return home


def index_snapshot(index) -> dict[str, tuple[dict, dict[str, list[float]]]]:
    """point id -> (payload, named vectors), for every point of an open index (edge shard or qdrant-client)."""
    points: dict[str, tuple[dict, dict[str, list[float]]]] = {}
    offset = None
    while True:
        if hasattr(index.store, "shard"):
            from qdrant_edge import ScrollRequest

            request = ScrollRequest(offset=offset, limit=256, with_payload=True, with_vector=True)
            records, offset = index.store.shard.scroll(request)
        else:
            client, collection = index.store.client, index.store.collection
            records, offset = client.scroll(collection, limit=256, offset=offset, with_payload=True, with_vectors=True)
        points.update({str(r.id): (r.payload, r.vector) for r in records})
        if offset is None:
            return points


NOBODY = 65534


@pytest.fixture()
def open_folder() -> Iterator[Path]:
    """A folder any user may enter (tmp_path's parents are private to root), so a test can read as `nobody`."""
    folder = Path(tempfile.mkdtemp(prefix="searchkit-"))
    folder.chmod(0o755)
    yield folder
    for path in [folder, *folder.rglob("*")]:
        if not path.is_symlink():
            path.chmod(0o755)
    shutil.rmtree(folder)


@contextmanager
def unprivileged() -> Iterator[None]:
    """Run the block as `nobody` when the tests run as root (root reads every file whatever its mode)."""
    if os.geteuid() != 0:
        yield
        return
    os.seteuid(NOBODY)
    try:
        yield
    finally:
        os.seteuid(0)
