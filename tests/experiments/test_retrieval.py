from __future__ import annotations

from pathlib import Path

import pytest
from fixed_retrievers import FixedRetriever, good_and_bad, judged_corpus

from searchkit.corpus import load_corpus
from searchkit.errors import SearchkitError
from searchkit.evaluation.correction import benjamini_hochberg, holm
from searchkit.experiments import diff, label_for, run_experiment
from searchkit.index import Index
from searchkit.retrieval import HybridRetriever, open_retrievers


def test_runs_scores_and_marks_significant_rows() -> None:
    corpus = judged_corpus()
    good, bad = good_and_bad(corpus)
    report = run_experiment(corpus, [bad, good], metrics=("ndcg@10", "recall@100"))

    assert report.names == ["bad", "good"]
    assert set(report.runs["good"]) == set(corpus.queries)
    assert report.evaluations["good"].mean["ndcg@10"] == pytest.approx(1.0)
    assert report.evaluations["bad"].mean["ndcg@10"] == pytest.approx(1 / 40)
    rows = report.table_rows()
    assert [(r.label, r.name) for r in rows] == [("a", "bad"), ("b", "good")]
    assert rows[1].beats == {"ndcg@10": ["a"], "recall@100": []}  # both find everything within 100
    assert rows[0].beats == {"ndcg@10": [], "recall@100": []}
    assert rows[1].values["ndcg@10"] == report.evaluations["good"].mean["ndcg@10"]
    assert report.better("ndcg@10", "good", "bad") and not report.better("ndcg@10", "bad", "good")
    test = report.comparisons["ndcg@10"][("bad", "good")]
    assert test.p_value <= 0.01 and test.significant


def test_settings_describe_the_experiment() -> None:
    corpus = judged_corpus(5)
    report = run_experiment(corpus, list(good_and_bad(corpus)), max_p=0.05, random_seed=7)
    settings = report.settings
    assert settings["corpus"] == {"name": "fake", "path": "fake", "split": "test", "documents": 10, "evaluated_queries": 5}
    assert settings["text"] == 'title + " " + text'
    assert settings["significance"]["random_seed"] == 7 and settings["significance"]["max_p"] == 0.05
    assert report.retrievers["good"] == {"kind": "fixed", "queries": 5}  # what the retriever's describe() says
    assert set(report.timings) == {"good", "bad"}


def test_depth_reaches_the_largest_cutoff() -> None:
    corpus = judged_corpus(3)
    good, _ = good_and_bad(corpus)
    report = run_experiment(corpus, [good], metrics=("ndcg@10", "recall@250"), depth=50)
    assert good.depths == [250] and report.settings["depth"] == 250
    assert report.comparisons == {"ndcg@10": {}, "recall@250": {}}


def test_drop_self_hits_removes_the_query_id_from_runs() -> None:
    corpus = judged_corpus(2)
    corpus.documents["q0"] = corpus.documents["d0x"]
    retriever = FixedRetriever("r", {"query 0": ["q0", "d0"], "query 1": ["d1"]})
    kept = run_experiment(corpus, [retriever])
    dropped = run_experiment(corpus, [retriever], drop_self_hits=True)
    assert list(kept.runs["r"]["q0"]) == ["q0", "d0"]
    assert list(dropped.runs["r"]["q0"]) == ["d0"]
    assert dropped.evaluations["r"].mean["mrr@10"] == 1.0 > kept.evaluations["r"].mean["mrr@10"]


def test_only_judged_queries_with_a_relevant_document_are_asked() -> None:
    corpus = judged_corpus(3)
    corpus.queries["unjudged"] = "nobody judged this"
    corpus.qrels["q2"] = {"d2": 0}
    retriever = FixedRetriever("r", {})
    report = run_experiment(corpus, [retriever])
    assert sorted(report.queries) == ["q0", "q1"]


def test_a_corpus_without_judgments_is_a_clear_error() -> None:
    corpus = judged_corpus(3)
    corpus.qrels = {}
    with pytest.raises(SearchkitError, match="no relevance judgments"):
        run_experiment(corpus, [FixedRetriever("r", {})])


def test_retriever_names_must_be_unique_and_present() -> None:
    corpus = judged_corpus(3)
    with pytest.raises(SearchkitError, match="unique"):
        run_experiment(corpus, [FixedRetriever("r", {}), FixedRetriever("r", {})])
    with pytest.raises(SearchkitError, match="nothing to compare"):
        run_experiment(corpus, [])


def test_diff_lists_wins_then_losses_with_the_relevant_documents() -> None:
    corpus = judged_corpus(4)
    a = FixedRetriever("a", {"query 0": ["d0"], "query 1": ["d1x", "d1"], "query 2": ["d2x"], "query 3": ["d3"]})
    b = FixedRetriever("b", {"query 0": ["d0"], "query 1": ["d1"], "query 2": ["d2x", "d0x", "d2"], "query 3": []})
    report = run_experiment(corpus, [a, b])
    diffs = diff(report, "a", "b")

    assert [(d.query_id, d.winner) for d in diffs] == [("q3", "a"), ("q2", "b"), ("q1", "b")]  # largest first
    q2 = diffs[1]
    assert q2.query == "query 2" and q2.relevant == {"d2": 2}
    assert q2.ranks_a == {} and q2.ranks_b == {"d2": 3}
    assert q2.score_a == 0.0 < q2.score_b
    assert diffs[2].ranks_a == {"d1": 2} and diffs[2].ranks_b == {"d1": 1}
    assert [d.query_id for d in diff(report, "b", "a", "recall@10")] == ["q2", "q3"]


def test_diff_names_unknown_retrievers_and_metrics() -> None:
    corpus = judged_corpus(2)
    report = run_experiment(corpus, [FixedRetriever("a", {}), FixedRetriever("b", {})])
    with pytest.raises(SearchkitError, match="no retriever 'c'.*a, b"):
        diff(report, "a", "c")
    with pytest.raises(SearchkitError, match="not computed"):
        diff(report, "a", "b", "ndcg@3")


def test_labels_continue_past_z() -> None:
    assert [label_for(i) for i in (0, 1, 25, 26, 27, 51, 52)] == ["a", "b", "z", "aa", "ab", "az", "ba"]


def test_a_hybrid_fuses_the_hits_its_parts_already_gave() -> None:
    corpus = judged_corpus(6)
    good, bad = good_and_bad(corpus)
    hybrid = HybridRetriever([good, bad], k=5, depth=20)
    report = run_experiment(corpus, [good, bad, hybrid], metrics=("ndcg@10",), depth=30)
    assert good.depths == [30] and bad.depths == [30]  # asked once each
    standalone = hybrid.search_many(list(report.queries.values()), 30)
    assert [list(report.runs[hybrid.name][qid]) for qid in report.queries] == [[h.doc_id for h in hits] for hits in standalone]
    assert report.timings[hybrid.name] >= report.timings["good"] + report.timings["bad"]

    alone = FixedRetriever("good", good.rankings)
    run_experiment(corpus, [HybridRetriever([alone, bad], depth=50)], metrics=("ndcg@10",))
    assert alone.depths == [100]  # parts not among the retrievers are asked by the hybrid


def test_dense_retrievers_on_one_model_answer_as_they_would_alone(tiny_index_home: Path, tiny_corpus: Path) -> None:
    corpus = load_corpus(tiny_corpus)
    with Index.open("tiny", home=tiny_index_home) as index:
        retrievers = open_retrievers(index, bm25=True, hybrid=True)
        report = run_experiment(corpus, retrievers, metrics=("ndcg@10",), depth=5)
        for retriever in retrievers:
            alone = retriever.search_many(list(report.queries.values()), report.settings["depth"])
            expected = [{h.doc_id: pytest.approx(h.score, abs=1e-6) for h in hits} for hits in alone]
            assert [report.runs[retriever.name][qid] for qid in report.queries] == expected, retriever.name
            assert report.timings[retriever.name] > 0
        assert report.retrievers["sbert:minilm"]["fingerprint"] == index.manifest.encoders["sbert:minilm"].fingerprint


def three_close_retrievers(corpus):
    """"first" ranks every relevant document first; "second" drops it to 20th on 6 queries, "third" on 6 more.

    Neighbours differ on 6 queries (p about 2/2^6 = 0.031), first and third on 12 (p about 0.0005).
    """
    def ranking(worse: int) -> FixedRetriever:
        rankings = {}
        for qid, text in corpus.queries.items():
            i = int(qid[1:])
            filler = [f"d{j}x" for j in range(len(corpus.queries)) if j != i][:19]
            rankings[text] = [*filler, f"d{i}"] if i < worse else [f"d{i}", *filler]
        return FixedRetriever(["first", "second", "third"][worse // 6], rankings)

    return [ranking(0), ranking(6), ranking(12)]


TESTS_ON_EACH_METRIC = "over the 3 pairwise tests on each metric"


@pytest.mark.parametrize(
    ("correction", "adjusted", "neighbours_differ", "words"),
    [
        ("none", None, True, "no correction"),
        ("holm", holm, False, f"Holm-adjusted p-values (family-wise error rate) {TESTS_ON_EACH_METRIC}"),
        ("bh", benjamini_hochberg, True, f"Benjamini-Hochberg-adjusted p-values (false discovery rate) {TESTS_ON_EACH_METRIC}"),
    ],
)
def test_a_correction_adjusts_each_metrics_p_values(correction: str, adjusted, neighbours_differ: bool, words: str) -> None:
    corpus = judged_corpus()
    report = run_experiment(corpus, three_close_retrievers(corpus), metrics=("ndcg@10",), max_p=0.05, correction=correction)
    tests = list(report.comparisons["ndcg@10"].values())
    raw = [t.p_value for t in tests]  # first-second, first-third, second-third
    assert 0.02 < raw[0] < 0.05 and raw[1] < 0.002 and 0.02 < raw[2] < 0.05
    assert [t.adjusted_p_value for t in tests] == (adjusted(raw) if adjusted else raw)
    assert report.better("ndcg@10", "first", "third")
    assert report.better("ndcg@10", "first", "second") is report.better("ndcg@10", "second", "third") is neighbours_differ
    assert (report.settings["significance"]["correction"], report.settings["significance"]["multiple_comparisons"]) == (correction, words)


def test_queries_are_answered_in_chunks_with_progress() -> None:
    corpus = judged_corpus(5)
    whole = run_experiment(corpus, list(good_and_bad(corpus)))
    calls: list[tuple[int, int]] = []
    chunked = run_experiment(corpus, list(good_and_bad(corpus)), progress=lambda done, total: calls.append((done, total)), chunk=2)
    assert calls == [(2, 5), (4, 5), (5, 5)]
    assert chunked.runs == whole.runs and list(chunked.runs["good"]) == list(corpus.queries)
