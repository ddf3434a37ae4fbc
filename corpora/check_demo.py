"""Show how the retrievers differ on the demo corpus, per query category.

    python corpora/check_demo.py

Loads corpora/demo (which validates it), indexes it with cls:, mean: and sbert:minilm into a
temporary folder, and prints nDCG@10 and recall@10 per query category
(corpora/demo/query_categories.tsv) for BM25 and the three encoders.
"""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

from searchkit import Index, index_corpus, load_corpus, load_encoders
from searchkit.experiments import ExperimentReport, breakdown, run_experiment
from searchkit.retrieval import open_retrievers

DEMO = Path(__file__).resolve().parent / "demo"
METRICS = ("ndcg@10", "recall@10")


def categories(folder: Path = DEMO) -> dict[str, str]:
    with open(folder / "query_categories.tsv", encoding="utf-8", newline="") as handle:
        return {row["query-id"]: row["category"] for row in csv.DictReader(handle, delimiter="\t")}


def evaluate_demo(home: Path) -> ExperimentReport:
    corpus = load_corpus(DEMO)
    with Index.open("demo", home=home, create=True) as index:
        index_corpus(corpus, load_encoders("cls:minilm,mean:minilm,sbert:minilm"), index)
        return run_experiment(corpus, open_retrievers(index, bm25=True, corpus=corpus), metrics=METRICS)


def main() -> None:
    with tempfile.TemporaryDirectory() as home:
        report = evaluate_demo(Path(home))
    groups = categories()
    groups_all = {qid: "ALL" for qid in report.queries}
    tables = {metric: {**breakdown(report, groups, metric), **breakdown(report, groups_all, metric)} for metric in METRICS}
    print(f"{'category':<16}{'n':>3}  " + "".join(f"{name:>26}" for name in report.names))
    print(f"{'':<21}" + f"{'nDCG@10  R@10':>26}" * len(report.names))
    for group in tables[METRICS[0]]:
        n = sum(1 for qid in report.queries if group == "ALL" or groups.get(qid) == group)
        cells = "".join(f"{tables['ndcg@10'][group][name]:>20.3f}{tables['recall@10'][group][name]:>6.2f}" for name in report.names)
        print(f"{group:<16}{n:>3}  {cells}")


if __name__ == "__main__":
    main()
