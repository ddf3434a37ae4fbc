"""Fixtures shared by the evaluation tests: a synthetic qrels/run pair and a pytrec_eval parity check."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from searchkit.evaluation import evaluate
from searchkit.types import Qrels, Run

CUTOFFS = (1, 3, 5, 10, 100)

# searchkit metric name -> pytrec_eval measure
TREC_MEASURES = {
    "ndcg": "ndcg_cut",
    "recall": "recall",
    "precision": "P",
    "map": "map_cut",
    "mrr": "recip_rank",
}

ParityCheck = Callable[[Qrels, Run, str], None]


@pytest.fixture(scope="session")
def synthetic_case() -> tuple[Qrels, Run]:
    """Several hundred queries with graded qrels (1-3 plus judged 0s), heavy score ties,
    short and long rankings, judged queries without relevant docs, judged queries missing
    from the run and run queries missing from the qrels."""
    rng = np.random.default_rng(20240611)
    pool = [f"d{i}" for i in range(3000)]  # ids of varying length so string order matters
    qrels: Qrels = {}
    run: Run = {}
    for i in range(400):
        qid = f"q{i}"
        judged = rng.choice(pool, size=int(rng.integers(1, 30)), replace=False)
        if rng.random() < 0.1:
            qrels[qid] = {str(doc): 0 for doc in judged}  # no relevant document
        else:
            qrels[qid] = {str(doc): int(rng.choice([0, 1, 2, 3], p=[0.3, 0.4, 0.2, 0.1])) for doc in judged}
            qrels[qid][str(judged[0])] = int(rng.integers(1, 4))
        if rng.random() < 0.05:
            continue  # judged query absent from the run
        length = int(rng.integers(1, 8) if rng.random() < 0.2 else rng.integers(8, 150))
        docs = {str(doc) for doc in judged if rng.random() < 0.6}
        docs.update(str(doc) for doc in rng.choice(pool, size=length, replace=False))
        if rng.random() < 0.7:
            run[qid] = {doc: float(rng.integers(0, 20)) / 10 for doc in docs}  # many ties
        else:
            run[qid] = {doc: float(rng.normal()) for doc in docs}
    for i in range(400, 420):
        run[f"q{i}"] = {str(doc): float(rng.random()) for doc in rng.choice(pool, size=20, replace=False)}
    return qrels, run


@pytest.fixture
def check_parity() -> ParityCheck:
    """Assert that ``evaluate`` matches pytrec_eval to 1e-6 for one metric at every cutoff.

    Compared on the queries judged relevant somewhere and present in the run (pytrec_eval
    skips judged queries missing from the run). pytrec_eval's ``recip_rank`` has no cutoff,
    so MRR@k is checked against it as: recip_rank if the first relevant rank is <= k, else 0.
    """
    pytrec_eval = pytest.importorskip("pytrec_eval")

    def check(qrels: Qrels, run: Run, metric: str) -> None:
        measure = TREC_MEASURES[metric]
        spec = measure if measure == "recip_rank" else f"{measure}.{','.join(map(str, CUTOFFS))}"
        reference = pytrec_eval.RelevanceEvaluator(qrels, {spec}).evaluate(run)
        ours = evaluate(qrels, run, [f"{metric}@{k}" for k in CUTOFFS])
        expected_queries = {q for q, judged in qrels.items() if q in run and max(judged.values()) >= 1}
        for k in CUTOFFS:
            per_query = ours.per_query[f"{metric}@{k}"]
            assert expected_queries <= per_query.keys()
            for qid in expected_queries:
                if measure == "recip_rank":
                    rr = reference[qid]["recip_rank"]
                    want = rr if rr > 0 and round(1 / rr) <= k else 0.0
                else:
                    want = reference[qid][f"{measure}_{k}"]
                assert per_query[qid] == pytest.approx(want, abs=1e-6), (metric, k, qid)

    return check
