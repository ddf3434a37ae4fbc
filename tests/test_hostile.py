"""Hostile input through the real `searchkit` command: one clear line, a non-zero exit, no traceback, nothing indexed lost."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import (
    TINY_DOCS,
    TINY_QRELS,
    TINY_QUERIES,
    assert_clean_error,
    unprivileged,
    write_beir,
)

from searchkit.cli import main
from searchkit.errors import SearchkitError
from searchkit.evaluation import read_trec_run
from searchkit.index import Index
from searchkit.judgments import Judgments


def one_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, text
    return lines[0]


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture()
def bm25_home(tmp_path: Path, tiny_corpus: Path) -> Path:
    """A home holding index "tiny" with no encoder (BM25 only: no model loads)."""
    home = tmp_path / "indexes"
    assert main(["index", str(tiny_corpus), "--encoders", "", "--home", str(home)]) == 0
    return home


# arguments, option named in the message
BAD_ARGUMENTS = {
    "-k 0": (["search", "tiny", "q", "-k", "0"], "argument -k: expected a whole number of at least 1, got '0'"),
    "-k negative": (["search", "tiny", "q", "-k", "-5"], "argument -k"),
    "-k in the TUI": (["tui", "tiny", "-k", "0"], "argument -k"),
    "--depth 0": (["eval", "corpus", "--depth", "0"], "argument --depth"),
    "--batch-size 0": (["index", "corpus", "--batch-size", "0"], "argument --batch-size"),
    "--rrf-k -60": (["search", "tiny", "q", "--rrf-k", "-60"], "argument --rrf-k: expected a whole number of at least 0"),
    "--bm25-k1 nan": (["search", "tiny", "q", "--bm25-k1", "nan"], "argument --bm25-k1: expected a finite number, got 'nan'"),
    "--bm25-b inf": (["eval", "corpus", "--bm25-b", "inf"], "argument --bm25-b"),
    "--max-p text": (["eval", "corpus", "--max-p", "often"], "argument --max-p"),
    "--diff-limit -1": (["eval", "corpus", "--diff-limit", "-1"], "argument --diff-limit"),
}


@pytest.mark.parametrize("case", BAD_ARGUMENTS, ids=list(BAD_ARGUMENTS))
def test_bad_arguments_are_one_line(case: str, capsys: pytest.CaptureFixture[str]) -> None:
    argv, message = BAD_ARGUMENTS[case]
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    line = one_line(capsys.readouterr().err)
    assert message in line and line.endswith("--help)")


def test_bad_rrf_weights(bm25_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "tiny", "q", "--bm25", "--hybrid", "--rrf-weights", "1,nan", "--home", str(bm25_home)]) == 1
    assert "--rrf-weights takes two numbers >= 0" in one_line(capsys.readouterr().err)


@pytest.mark.parametrize("name", ["..", ".", "/", "a:b"])
def test_index_names_that_would_leave_the_home(tmp_path: Path, tiny_corpus: Path, capsys, name: str) -> None:
    home = tmp_path / "box" / "indexes"
    assert main(["index", str(tiny_corpus), "--name", name, "--home", str(home)]) == 1  # default encoders: none loads
    line = one_line(capsys.readouterr().err)
    assert f"{name!r} cannot name an index" in line and "choose one with --name" in line
    assert not (tmp_path / "box").exists()
    assert main(["search", name, "query", "--bm25", "--home", str(home)]) == 1
    assert f"{name!r} cannot name an index" in one_line(capsys.readouterr().err)


def test_bad_index_name_stops_before_models_load(tmp_path: Path, tiny_corpus: Path, run_searchkit) -> None:
    result = run_searchkit("index", tiny_corpus, "--name", "..", "--home", tmp_path / "indexes")
    assert_clean_error(result, "'..' cannot name an index")
    assert "encoding" not in result.stderr and not (tmp_path / "indexes").exists()
    result = run_searchkit("tui", "a:b", "--home", tmp_path / "indexes", timeout=60)  # (`tui ..` opens the parent folder as a corpus)
    assert_clean_error(result, "'a:b' cannot name an index")


def test_home_that_is_a_file(tmp_path: Path, tiny_corpus: Path, run_searchkit) -> None:
    home = tmp_path / "home-file"
    home.write_text("not a folder")
    for argv in (["index", tiny_corpus], ["search", "tiny", "q", "--bm25"], ["tui", "tiny"], ["tui"]):
        result = run_searchkit(*argv, env={"SEARCHKIT_HOME": str(home)}, timeout=60)
        assert_clean_error(result, f"index home {home} is not a folder", "$SEARCHKIT_HOME")
        assert one_line(result.stderr).startswith("searchkit: error:")
    assert home.read_text() == "not a folder"


def test_home_inside_a_file(tmp_path: Path, tiny_corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "file").write_text("x")
    assert main(["index", str(tiny_corpus), "--encoders", "", "--home", str(tmp_path / "file" / "sub")]) == 1
    assert f"cannot be created: {tmp_path / 'file'} is a file" in one_line(capsys.readouterr().err)


def test_home_that_cannot_be_written(open_folder: Path, tiny_corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = open_folder / "read-only"
    home.mkdir(mode=0o555)
    corpus = shutil.copytree(tiny_corpus, open_folder / "tiny")
    # as root first, so every module is imported (the interpreter's own files may be closed to `nobody`)
    assert main(["index", str(corpus), "--encoders", "", "--home", str(open_folder / "writable")]) == 0
    capsys.readouterr()
    with unprivileged():
        status = main(["index", str(corpus), "--encoders", "", "--home", str(home)])
    assert status == 1
    line = one_line(capsys.readouterr().err)  # no progress bar: stderr is not a terminal
    assert f"cannot create the index folder {home / 'tiny' / 'edge'}: Permission denied" in line
    assert not any(home.iterdir())


def damage_manifest_truncated(folder: Path) -> list[Path]:
    manifest = folder / "edge" / "tiny.manifest.json"
    manifest.write_bytes(manifest.read_bytes()[:100])
    return [manifest]


def damage_manifest_emptied(folder: Path) -> list[Path]:
    (folder / "edge" / "tiny.manifest.json").write_bytes(b"")
    return [folder / "edge" / "tiny.manifest.json"]


def damage_shard_config(folder: Path) -> list[Path]:
    (folder / "edge" / "tiny" / "edge_config.json").write_bytes(b"\x13" * 64)
    return [folder / "edge" / "tiny" / "edge_config.json"]


def damage_segment(folder: Path) -> list[Path]:
    parts = list((folder / "edge" / "tiny" / "segments").glob("*/segment.json"))
    for part in parts:
        part.write_bytes(b"\x13" * 64)
    return parts


def damage_manifest(folder: Path) -> list[Path]:
    manifest = folder / "edge" / "tiny.manifest.json"
    data = json.loads(manifest.read_text())
    data["encoders"] = {"cls:minilm": {"unknown": 1}}
    manifest.write_text(json.dumps(data))
    return [manifest]


def damage_manifest_type(folder: Path) -> list[Path]:
    (folder / "edge" / "tiny.manifest.json").write_text(json.dumps("a string"))
    return [folder / "edge" / "tiny.manifest.json"]


DAMAGE = {
    "manifest truncated": (damage_manifest_truncated, "the manifest of index 'tiny' is damaged (JSONDecodeError"),
    "manifest emptied": (damage_manifest_emptied, "the manifest of index 'tiny' is damaged (JSONDecodeError"),
    "shard config": (damage_shard_config, "is damaged and cannot be read (Exception"),
    "segment": (damage_segment, "is damaged and cannot be read (Exception"),
    "manifest fields": (damage_manifest, "the manifest of index 'tiny'"),
    "manifest type": (damage_manifest_type, "the manifest of index 'tiny'"),
}


@pytest.mark.parametrize("case", DAMAGE, ids=list(DAMAGE))
def test_damaged_index(bm25_home: Path, tiny_corpus: Path, capsys: pytest.CaptureFixture[str], case: str) -> None:
    damage, message = DAMAGE[case]
    folder = bm25_home / "tiny"
    shutil.rmtree(folder / "bm25", ignore_errors=True)
    damaged = [path.relative_to(folder / "edge").as_posix() for path in damage(folder)]
    before = folder_bytes(folder / "edge")
    segments = sorted(p.name for p in (folder / "edge" / "tiny" / "segments").iterdir())
    capsys.readouterr()
    assert main(["search", "tiny", "guitar", "--bm25", "--home", str(bm25_home)]) == 1
    line = one_line(capsys.readouterr().err)
    assert line.startswith("searchkit: error:") and message in line
    assert main(["eval", str(tiny_corpus), "--encoders", "", "--bm25", "--home", str(bm25_home)]) == 1
    assert message in capsys.readouterr().err
    # Nothing rebuilt or overwritten: the damaged files and the manifest are as they were, every segment is
    # still there (opening a shard lets edge rewrite its own config and fold its journals, so other bytes move).
    after = folder_bytes(folder / "edge")
    for name in {*damaged, "tiny.manifest.json"}:
        assert after[name] == before[name], name
    assert sorted(p.name for p in (folder / "edge" / "tiny" / "segments").iterdir()) == segments


ODD_IDS = ["ünïcødé", '"quoted"', "it's", "#1", "100%", "a,b", "日本語", "🙂", "x" * 200]


def test_odd_ids_survive_eval_out_and_judgments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Ids a corpus accepts make it into run files, judgments and back."""
    docs = [dict(d, _id=odd) for d, odd in zip(TINY_DOCS, ODD_IDS)]
    renamed = {d["_id"]: odd for d, odd in zip(TINY_DOCS, ODD_IDS)}
    queries = [dict(q, _id=f"q{odd}") for q, odd in zip(TINY_QUERIES, ODD_IDS)]
    query_ids = {q["_id"]: f"q{odd}" for q, odd in zip(TINY_QUERIES, ODD_IDS)}
    qrels = [(query_ids[q], renamed[d], grade) for q, d, grade in TINY_QRELS]
    corpus = write_beir(tmp_path / "odd", docs, queries, qrels)
    home, out = tmp_path / "indexes", tmp_path / "out"

    judgments = Judgments.load(home / "odd" / "judgments.tsv")
    judgments.mark(query_ids["q1"], ODD_IDS[4], relevant=True)
    judgments.mark("user-typed", ODD_IDS[5], relevant=True, query_text="a typed query")
    assert Judgments.load(judgments.path).user == judgments.user

    argv = ["eval", str(corpus), "--encoders", "", "--bm25", "--judgments", "--out", str(out), "--home", str(home)]
    assert main(argv) == 0
    run = read_trec_run(out / "runs" / "bm25.trec")
    assert set(run) == set(query_ids.values()) | {"user-typed"}
    assert {doc for scores in run.values() for doc in scores} <= set(ODD_IDS)
    assert json.loads((out / "report.json").read_text())["per_query"]["bm25"]["ndcg@10"].keys() == run.keys()
    capsys.readouterr()


def test_judgments_split_by_a_tab_name_their_line(bm25_home: Path, tiny_corpus: Path, capsys) -> None:
    """A judgments file an older searchkit wrote with a tab inside an id: the line is named, the file kept."""
    judgments = bm25_home / "tiny" / "judgments.tsv"
    judgments.write_text("query-id\tcorpus-id\tscore\nq1\tguitar\t1\nq1\tbad\tid\t1\n", encoding="utf-8")
    before = judgments.read_bytes()
    argv = ["eval", str(tiny_corpus), "--encoders", "", "--bm25", "--judgments", "--home", str(bm25_home)]
    assert main(argv) == 1
    assert f"{judgments}:3: expected 3 tab-separated fields" in capsys.readouterr().err
    assert judgments.read_bytes() == before


def test_id_with_whitespace_stops_before_indexing(tmp_path: Path, run_searchkit) -> None:
    corpus = write_beir(tmp_path / "spaced", TINY_DOCS + [{"_id": "two words", "text": "x"}], TINY_QUERIES, TINY_QRELS)
    result = run_searchkit("eval", corpus, "--bm25", "--out", tmp_path / "out", "--home", tmp_path / "indexes")
    assert_clean_error(result, f"{corpus / 'corpus.jsonl'}:9: document id 'two words' holds whitespace")
    assert not (tmp_path / "indexes").exists() and not (tmp_path / "out").exists()


def test_eval_out_that_is_a_file(tmp_path: Path, tiny_corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "out").write_text("x")
    argv = ["eval", str(tiny_corpus), "--encoders", "", "--bm25", "--out", str(tmp_path / "out"), "--home", str(tmp_path / "i")]
    assert main(argv) == 1
    assert "is a file" in one_line(capsys.readouterr().err)
    assert not (tmp_path / "i").exists()  # refused before indexing


def test_eval_disk_full_keeps_the_table(tmp_path: Path, tiny_corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A run file that cannot be written (here: /dev/full, no space left) is reported after the table, and the plot is still drawn."""
    out, plot = tmp_path / "out", tmp_path / "recall.png"
    (out / "runs").mkdir(parents=True)
    (out / "runs" / "bm25.trec").symlink_to("/dev/full")
    argv = ["eval", str(tiny_corpus), "--encoders", "", "--bm25", "--out", str(out), "--plot", str(plot), "--home", str(tmp_path / "i")]
    assert main(argv) == 1
    printed = capsys.readouterr()
    assert "bm25" in printed.out and "nDCG@10" in printed.out
    error = [line for line in printed.err.splitlines() if line.startswith("searchkit: error:")]
    assert len(error) == 1 and "could not write the results to" in error[0] and "No space left on device" in error[0]
    assert plot.is_file()


def test_eval_plot_that_cannot_be_drawn_keeps_the_results(tmp_path: Path, tiny_corpus: Path, capsys) -> None:
    out, plot = tmp_path / "out", tmp_path / "a-file" / "recall.png"
    plot.parent.write_text("x")
    argv = ["eval", str(tiny_corpus), "--encoders", "", "--bm25", "--out", str(out), "--plot", str(plot),
            "--diff", "bm25", "nope", "--home", str(tmp_path / "i")]  # fmt: skip
    assert main(argv) == 1  # the --diff name is wrong too: found before the run
    assert "--diff: no retriever 'nope'" in capsys.readouterr().err
    argv = argv[: argv.index("--diff")] + argv[argv.index("--home") :]
    assert main(argv) == 1
    printed = capsys.readouterr()
    assert "nDCG@10" in printed.out
    assert f"could not write the plot {plot}: {plot.parent}: File exists" in printed.err
    assert read_trec_run(out / "runs" / "bm25.trec").keys() == {"q1", "q2", "q3"}


def test_a_folder_that_merely_holds_an_edge_folder_is_no_index(tmp_path: Path, tiny_corpus: Path) -> None:
    """`--name ..` from a folder whose parent happens to hold `edge/` must still be refused as a name."""
    (tmp_path / "edge").mkdir()
    (tmp_path / "qdrant").mkdir()
    assert not Index.is_index_folder(tmp_path)
    with pytest.raises(SearchkitError, match="cannot name an index"):
        Index.locate(str(tmp_path / "sub" / ".."), tmp_path / "home")
