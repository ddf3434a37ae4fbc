from __future__ import annotations

import json
from pathlib import Path

import pytest
from fixed_retrievers import FixedRetriever, good_and_bad, judged_corpus

from searchkit.evaluation import read_trec_run
from searchkit.experiments import (
    ExperimentReport,
    format_cell,
    markdown_table,
    metric_label,
    plot_recall_curves,
    recall_curves,
    report_to_dict,
    run_experiment,
    write_report,
)
from searchkit.experiments.report import slug

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def report() -> ExperimentReport:
    corpus = judged_corpus()
    good, bad = good_and_bad(corpus)
    odd = FixedRetriever("rrf(bad,good)", {text: [f"d{qid[1:]}x"] for qid, text in corpus.queries.items()})
    return run_experiment(corpus, [bad, good, odd], metrics=("ndcg@10", "recall@100", "mrr@10"))


def test_cells_labels_and_file_names() -> None:
    assert slug("rrf(bm25,sbert:minilm)") == "rrf_bm25_sbert_minilm"
    assert metric_label("ndcg@10") == "nDCG@10" and metric_label("recall@100") == "Recall@100"
    assert format_cell(0.64512, []) == "0.645"
    assert format_cell(0.64512, ["a", "c"]) == "0.645ᵃᶜ"
    assert format_cell(0.64512, ["a", "c"], "markdown") == "0.645<sup>a,c</sup>"
    assert format_cell(0.64512, ["a", "c"], "plain") == "0.645 [a,c]"


def test_json_report_holds_settings_versions_metrics_and_per_query_values(report: ExperimentReport) -> None:
    data = json.loads(json.dumps(report_to_dict(report)))
    assert {"settings", "retrievers", "versions", "table", "metrics", "comparisons", "per_query"} <= set(data)
    assert data["versions"]["numpy"] and data["versions"]["searchkit"]
    assert data["settings"]["significance"]["max_p"] == 0.01
    assert data["metrics"]["good"]["ndcg@10"] == pytest.approx(1.0)
    assert data["per_query"]["bad"]["ndcg@10"]["q0"] == pytest.approx(1.0)
    assert len(data["per_query"]["good"]["mrr@10"]) == 40
    assert len(data["comparisons"]) == 3 * 3  # three pairs on each of three metrics
    assert [row["label"] for row in data["table"]] == ["a", "b", "c"]
    assert data["table"][1]["beats"]["ndcg@10"] == ["a", "c"]


def test_markdown_table_marks_significant_rows_and_states_the_test(report: ExperimentReport) -> None:
    text = markdown_table(report)
    assert "| a | `bad` |" in text and "| b | `good` | 1.000<sup>a,c</sup> |" in text
    assert "| --- | --- |" not in text and "nDCG@10 | Recall@100 | MRR@10" in text
    assert "randomization test" in text and "10,000 resamples" in text and "seed 42" in text and "p <= 0.01" in text
    assert 'title + " " + text' in text


def test_write_report_writes_run_files_json_and_markdown(report: ExperimentReport, tmp_path: Path) -> None:
    written = write_report(report, tmp_path / "out")
    names = sorted(p.relative_to(tmp_path / "out").as_posix() for p in written)
    assert names == ["qrels.txt", "report.json", "report.md", "runs/bad.trec", "runs/good.trec", "runs/rrf_bad_good.trec"]
    for name, run in report.runs.items():
        assert read_trec_run(tmp_path / "out" / "runs" / f"{slug(name)}.trec") == run
    data = json.loads((tmp_path / "out" / "report.json").read_text())
    assert data["run_files"]["rrf(bad,good)"] == "runs/rrf_bad_good.trec" and data["qrels_file"] == "qrels.txt"
    tag = (tmp_path / "out" / "runs" / "rrf_bad_good.trec").read_text().split()[5]
    assert tag == "rrf_bad_good"


def test_trec_eval_scores_the_written_folder_as_the_report_does(report: ExperimentReport, tmp_path: Path) -> None:
    pytrec_eval = pytest.importorskip("pytrec_eval")
    write_report(report, tmp_path)
    with (tmp_path / "qrels.txt").open() as qrels_file:
        qrels = pytrec_eval.parse_qrel(qrels_file)
    assert qrels == report.qrels
    evaluator = pytrec_eval.RelevanceEvaluator(qrels, {"ndcg_cut.10", "recall.100"})
    for name, evaluation in report.evaluations.items():
        with (tmp_path / "runs" / f"{slug(name)}.trec").open() as run_file:
            scores = evaluator.evaluate(pytrec_eval.parse_run(run_file))
        for measure, metric in (("ndcg_cut_10", "ndcg@10"), ("recall_100", "recall@100")):
            assert {qid: s[measure] for qid, s in scores.items()} == pytest.approx(evaluation.per_query[metric]), (name, metric)


def test_recall_curves_agree_with_the_table(report: ExperimentReport) -> None:
    curves = recall_curves(report, max_k=100)
    assert len(curves["bad"]) == 100
    assert curves["good"] == [1.0] * 100
    assert curves["bad"][0] == pytest.approx(1 / 40) and curves["bad"][19] == 1.0
    assert curves["bad"][99] == report.evaluations["bad"].mean["recall@100"]
    assert all(x <= y for x, y in zip(curves["bad"], curves["bad"][1:]))


def test_plot_writes_a_png(report: ExperimentReport, tmp_path: Path) -> None:
    path = plot_recall_curves(report, tmp_path / "plots" / "recall.png")
    assert path.read_bytes().startswith(PNG_MAGIC)
