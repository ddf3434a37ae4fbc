"""Retrievers with fixed, known rankings and a judged corpus: exact inputs for experiment, report and fusion tests."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from searchkit.corpus import Corpus, Document
from searchkit.types import Hit


class FixedRetriever:
    """Answers each query text with a fixed ranking of doc ids (scores 1/rank)."""

    def __init__(self, name: str, rankings: dict[str, list[str]]) -> None:
        self.name = name
        self.rankings = rankings
        self.depths: list[int] = []

    def search(self, query: str, k: int = 10) -> list[Hit]:
        return self.search_many([query], k)[0]

    def search_many(self, queries: Sequence[str], k: int = 10) -> list[list[Hit]]:
        self.depths.append(k)
        return [[Hit(d, 1 / rank) for rank, d in enumerate(self.rankings.get(q, [])[:k], start=1)] for q in queries]

    def describe(self) -> dict[str, Any]:
        return {"kind": "fixed", "queries": len(self.rankings)}


def judged_corpus(queries: int = 40) -> Corpus:
    """Query q<i> ("query i") has one relevant document, d<i> (grade 2); d<i>x are distractors."""
    documents = {f"d{i}": Document(f"d{i}", f"Title {i}", f"text {i}") for i in range(queries)}
    documents |= {f"d{i}x": Document(f"d{i}x", f"Other {i}", f"noise {i}") for i in range(queries)}
    return Corpus(
        name="fake",
        path=Path("fake"),
        documents=documents,
        queries={f"q{i}": f"query {i}" for i in range(queries)},
        qrels={f"q{i}": {f"d{i}": 2, f"d{i}x": 0} for i in range(queries)},
    )


def good_and_bad(corpus: Corpus) -> tuple[FixedRetriever, FixedRetriever]:
    """"good" ranks the relevant document first for every query; "bad" ranks it 20th for all but q0."""
    good, bad = {}, {}
    for qid, text in corpus.queries.items():
        i = qid[1:]
        filler = [f"d{j}x" for j in range(len(corpus.queries)) if str(j) != i][:19]
        good[text] = [f"d{i}", *filler]
        bad[text] = [f"d{i}", *filler] if i == "0" else [*filler, f"d{i}"]
    return FixedRetriever("good", good), FixedRetriever("bad", bad)
