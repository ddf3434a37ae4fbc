"""When an embedded index outgrows one machine: the estimates and the warning `searchkit index` prints."""

from __future__ import annotations

from pathlib import Path

import pytest

from searchkit.cli import main
from searchkit.store.capacity import (
    build_bytes,
    build_seconds,
    outgrown,
    resident_bytes,
)

GIB = 2**30
MINILM_THREE = [384, 384, 384]


def test_one_machine_holds_a_hundred_thousand_documents() -> None:
    assert outgrown(100_000, MINILM_THREE, memory=24 * GIB, cores=2) == []


def test_memory_and_build_time_grow_with_the_points() -> None:
    assert resident_bytes(2_000_000, MINILM_THREE) == 2 * resident_bytes(1_000_000, MINILM_THREE)
    assert build_bytes(2_000_000, MINILM_THREE) == 2 * build_bytes(1_000_000, MINILM_THREE)
    assert build_seconds(1_000_000, MINILM_THREE, cores=4) == pytest.approx(build_seconds(1_000_000, MINILM_THREE, cores=2) / 2)
    assert outgrown(800_000, MINILM_THREE, memory=24 * GIB, cores=2) == [
        "building its HNSW graphs needs about 12.4 GiB of this machine's 24 GiB"
    ]  # the build's memory comes first on a machine like this one
    built, held = outgrown(10_000_000, MINILM_THREE, memory=8 * GIB, cores=64)
    assert "needs about 155.6 GiB" in built and "its HNSW graphs and int8 vectors take about 14.0 GiB of this machine's 8 GiB" in held
    (slow,) = outgrown(5_000_000, MINILM_THREE, memory=1024 * GIB, cores=2)
    assert slow == "building its HNSW graphs takes about 1.7 h on 2 cores"


def test_index_says_when_to_move_to_a_server(tiny_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setattr("searchkit.store.capacity.MEMORY_SHARE", 1e-9)  # this machine, as if it were a very small one
    assert main(["index", str(tiny_corpus), "--encoders", "", "--home", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert "searchkit: warning: index 'tiny' has outgrown one machine: its HNSW graphs and int8 vectors take about 0.0 GiB" in err
    assert "searchkit migrate tiny --qdrant-url URL" in err
