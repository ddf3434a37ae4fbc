"""A user's judgments: marked, cleared and undone, each change saved at once and read back from the files."""

from __future__ import annotations

from pathlib import Path

from searchkit.judgments import Judgments, user_query_id

CORPUS_QRELS = {"q1": {"guitar": 2, "violin": 1}}


def reloaded(judgments: Judgments) -> Judgments:
    return Judgments.load(judgments.path, CORPUS_QRELS)


def test_relevant_keeps_the_corpus_grade(tmp_path: Path) -> None:
    judgments = Judgments.load(tmp_path / "judgments.tsv", CORPUS_QRELS)
    assert judgments.mark("q1", "guitar", True) == 2  # the corpus's 2 stays 2
    assert judgments.mark("q1", "bonds", True) == 1  # no grade yet: 1
    assert judgments.mark("q1", "guitar", False) == 0
    assert judgments.mark("q1", "guitar", True) == 1  # judged not relevant by the user, so no positive grade to keep
    assert reloaded(judgments).grades("q1") == {"guitar": 1, "violin": 1, "bonds": 1}


def test_undo_restores_no_judgment_and_forgets_the_typed_query(tmp_path: Path) -> None:
    judgments = Judgments.load(tmp_path / "judgments.tsv", CORPUS_QRELS)
    typed = user_query_id("printer error code")
    judgments.mark(typed, "error", True, "printer error code")
    assert reloaded(judgments).queries == {typed: "printer error code"}
    assert reloaded(judgments).user == {typed: {"error": 1}}

    change = judgments.undo()
    assert change is not None and (change.query_id, change.doc_id) == (typed, "error")
    saved = reloaded(judgments)
    assert saved.user == {} and saved.queries == {}
    assert saved.qrels == CORPUS_QRELS
    assert judgments.undo() is None  # nothing left to undo


def test_undo_goes_back_one_change_at_a_time(tmp_path: Path) -> None:
    judgments = Judgments.load(tmp_path / "judgments.tsv", CORPUS_QRELS)
    judgments.mark("q1", "bonds", True)
    first = (judgments.path.read_text(encoding="utf-8"), dict(judgments.user["q1"]))
    judgments.mark("q1", "bonds", False)
    judgments.mark("q1", "guitar", False)
    assert reloaded(judgments).user == {"q1": {"bonds": 0, "guitar": 0}}
    judgments.undo()
    assert reloaded(judgments).user == {"q1": {"bonds": 0}}
    judgments.undo()
    assert (judgments.path.read_text(encoding="utf-8"), reloaded(judgments).user["q1"]) == first


def test_clear_brings_back_the_corpus_grade_and_can_be_undone(tmp_path: Path) -> None:
    judgments = Judgments.load(tmp_path / "judgments.tsv", CORPUS_QRELS)
    judgments.mark("q1", "guitar", False)
    judgments.mark("q1", "bonds", True)
    assert judgments.clear("q1", "guitar") == 2  # the corpus's grade is in effect again
    assert reloaded(judgments).user == {"q1": {"bonds": 1}}
    assert reloaded(judgments).grades("q1")["guitar"] == 2
    assert judgments.clear("q1", "bonds") is None  # no corpus grade: not judged at all
    assert "bonds" not in reloaded(judgments).grades("q1")
    assert reloaded(judgments).user == {}

    judgments.undo()  # the clear of bonds
    judgments.undo()  # the clear of guitar
    assert reloaded(judgments).user == {"q1": {"guitar": 0, "bonds": 1}}


def test_clearing_nothing_changes_nothing(tmp_path: Path) -> None:
    judgments = Judgments.load(tmp_path / "judgments.tsv", CORPUS_QRELS)
    judgments.mark("q1", "bonds", True)
    assert judgments.clear("q1", "violin") == 1  # only the corpus judged it
    judgments.undo()  # so this undoes the mark
    assert reloaded(judgments).user == {}


def test_a_typed_query_leaves_with_its_last_judgment(tmp_path: Path) -> None:
    judgments = Judgments.load(tmp_path / "judgments.tsv")
    typed = user_query_id("stock exchange")
    judgments.mark(typed, "stocks", True, "stock exchange")
    judgments.mark(typed, "bonds", False, "stock exchange")
    judgments.clear(typed, "stocks")
    assert reloaded(judgments).queries == {typed: "stock exchange"}  # still judged: bonds
    judgments.clear(typed, "bonds")
    assert reloaded(judgments).queries == {}
    judgments.undo()
    assert reloaded(judgments).queries == {typed: "stock exchange"}
    assert reloaded(judgments).user == {typed: {"bonds": 0}}


def test_a_query_is_judged_by_the_corpus_or_by_the_user(tmp_path: Path) -> None:
    judgments = Judgments.load(tmp_path / "judgments.tsv", CORPUS_QRELS)
    typed = user_query_id("printer error code")
    assert judgments.judged("q1") and not judgments.judged(typed)
    judgments.mark(typed, "error", False, "printer error code")
    assert judgments.judged(typed)
    assert all(judgments.judged(qid) for qid in judgments.qrels)
