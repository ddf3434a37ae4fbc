from __future__ import annotations

from pathlib import Path

import pytest

from searchkit.evaluation import read_trec_run, write_trec_qrels, write_trec_run


def test_writes_ranked_lines(tmp_path: Path) -> None:
    path = tmp_path / "run.txt"
    write_trec_run({"q1": {"a": 0.5, "b": 0.9, "c": 0.5}, "q2": {"x": 1.0}}, path, tag="bm25")
    assert path.read_text().splitlines() == [
        "q1 Q0 b 1 0.9 bm25",
        "q1 Q0 c 2 0.5 bm25",
        "q1 Q0 a 3 0.5 bm25",
        "q2 Q0 x 1 1.0 bm25",
    ]


def test_writes_qrels_lines(tmp_path: Path) -> None:
    path = tmp_path / "qrels.txt"
    write_trec_qrels({"q1": {"d1": 2, "d2": 0}, "q2": {"d3": 1}}, path)
    assert path.read_text().splitlines() == ["q1 0 d1 2", "q1 0 d2 0", "q2 0 d3 1"]
    with pytest.raises(ValueError, match="doc id 'a b'"):
        write_trec_qrels({"q1": {"a b": 1}}, path)


def test_round_trip_is_exact(tmp_path: Path) -> None:
    run = {"q1": {"d1": 0.1 + 0.2, "d2": -3.5e-12, "d3": 12345.678901234567}, "q2": {"d1": 0.0}}
    path = tmp_path / "run.txt"
    write_trec_run(run, path)
    assert read_trec_run(path) == run


def test_reads_file_written_by_others(tmp_path: Path) -> None:
    path = tmp_path / "run.txt"
    path.write_text("1 Q0 doc7 1 12.5 other\n\n1  Q0\tdoc3 2 11 other\n2 Q0 doc7 1 3e-1 other\n")
    assert read_trec_run(path) == {"1": {"doc7": 12.5, "doc3": 11.0}, "2": {"doc7": 0.3}}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("q1 Q0 d1 1 0.5\n", "expected"),
        ("q1 Q0 d1 1 high tag\n", "not a number"),
        ("q1 Q0 d1 1 0.5 t\nq1 Q0 d1 2 0.4 t\n", "twice"),
    ],
)
def test_malformed_files_raise(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "run.txt"
    path.write_text(content)
    with pytest.raises(ValueError, match=message):
        read_trec_run(path)


@pytest.mark.parametrize(
    ("run", "tag"),
    [({"q 1": {"d": 1.0}}, "t"), ({"q": {"d\t1": 1.0}}, "t"), ({"q": {"d": 1.0}}, "my tag")],
)
def test_whitespace_in_ids_or_tag_raises(tmp_path: Path, run: dict, tag: str) -> None:
    with pytest.raises(ValueError, match="whitespace"):
        write_trec_run(run, tmp_path / "run.txt", tag=tag)


def test_pytrec_eval_reads_the_same_ranking(tmp_path: Path) -> None:
    pytrec_eval = pytest.importorskip("pytrec_eval")
    run = {"q": {"a": 1.0, "b": 1.0, "c": 2.0}}
    path = tmp_path / "run.txt"
    write_trec_run(run, path)
    parsed = pytrec_eval.parse_run(path.open())
    qrels = {"q": {"a": 1}}
    measure = {"recip_rank"}
    assert pytrec_eval.RelevanceEvaluator(qrels, measure).evaluate(parsed) == (
        pytrec_eval.RelevanceEvaluator(qrels, measure).evaluate(run)
    )


def odd_ids(count: int, seed: int) -> list[str]:
    """Ids a corpus accepts, drawn from all of Unicode, plus hand-picked awkward ones."""
    import random

    from searchkit.corpus.ids import id_problem

    chosen = ["a,b", '"quoted"', "it's", "#1", "100%", "%20", "Q0", "-1", "ünïcødé", "日本語", "🙂‍🙂", "a\u200bb", "x" * 512]
    rng = random.Random(seed)
    while len(chosen) < count:
        candidate = "".join(chr(rng.randrange(0x21, 0x30000)) for _ in range(rng.randrange(1, 12)))
        if id_problem(candidate) is None and candidate not in chosen:
            chosen.append(candidate)
    return chosen


def test_every_accepted_id_round_trips(tmp_path: Path) -> None:
    ids = odd_ids(300, seed=7)
    run = {qid: {doc: float(i) for i, doc in enumerate(ids[n : n + 5])} for n, qid in enumerate(ids)}
    path = tmp_path / "run.txt"
    write_trec_run(run, path)
    assert read_trec_run(path) == run
