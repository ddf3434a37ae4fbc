"""Reading and writing runs in TREC format (``qid Q0 docid rank score tag``), and writing qrels (``qid 0 docid grade``)."""

from __future__ import annotations

import os
from pathlib import Path

from searchkit.ranking import rank_scores
from searchkit.types import Qrels, Run


def _check_token(kind: str, value: str) -> None:
    if not value or any(char.isspace() for char in value):
        raise ValueError(f"{kind} {value!r} must be non-empty and contain no whitespace")


def write_trec_run(run: Run, path: str | os.PathLike[str], *, tag: str = "searchkit") -> None:
    """Write ``run`` to ``path``, each query's docs ranked 1..n by score (ties: doc id descending)."""
    _check_token("tag", tag)
    lines = []
    for qid, scores in run.items():
        _check_token("query id", qid)
        for rank, (doc_id, score) in enumerate(rank_scores(scores), start=1):
            _check_token("doc id", doc_id)
            lines.append(f"{qid} Q0 {doc_id} {rank} {float(score)!r} {tag}\n")
    Path(path).write_text("".join(lines), encoding="utf-8")


def write_trec_qrels(qrels: Qrels, path: str | os.PathLike[str]) -> None:
    """Write ``qrels`` to ``path`` as trec_eval reads them: ``qid 0 docid grade``, a line per judgment."""
    lines = []
    for qid, judged in qrels.items():
        _check_token("query id", qid)
        for doc_id, grade in judged.items():
            _check_token("doc id", doc_id)
            lines.append(f"{qid} 0 {doc_id} {int(grade)}\n")
    Path(path).write_text("".join(lines), encoding="utf-8")


def read_trec_run(path: str | os.PathLike[str]) -> Run:
    """Read a TREC run file into query id -> doc id -> score (the rank column is ignored)."""
    run: Run = {}
    with Path(path).open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) != 6:
                raise ValueError(f"{path}:{number}: expected 'qid Q0 docid rank score tag', got {line!r}")
            qid, _, doc_id, _, score, _ = fields
            scores = run.setdefault(qid, {})
            if doc_id in scores:
                raise ValueError(f"{path}:{number}: document {doc_id!r} listed twice for query {qid!r}")
            try:
                scores[doc_id] = float(score)
            except ValueError:
                raise ValueError(f"{path}:{number}: score {score!r} is not a number") from None
    return run
