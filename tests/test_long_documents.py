"""Long documents seen whole: window points, MaxP search, window settings, and the index bound to its corpus."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import assert_clean_error, index_snapshot

from searchkit.corpus import load_corpus
from searchkit.errors import IndexMismatchError, SearchkitError
from searchkit.index import Index, vector_name
from searchkit.indexing import index_corpus
from searchkit.retrieval import DenseRetriever, open_retrievers

FILLER = "the committee met on tuesday and discussed the budget for roads schools and parks in detail"
NEEDLE = "a rare blue axolotl swam through the flooded cathedral crypt"


def long_text(needle_at: int, repeats: int = 60) -> str:
    """About `repeats` x 16 words of filler with the needle after sentence `needle_at`."""
    sentences = [FILLER] * repeats
    sentences.insert(needle_at, NEEDLE)
    return ". ".join(sentences) + "."


def write_corpus(path: Path, docs: list[dict]) -> Path:
    path.write_text("".join(json.dumps(doc) + "\n" for doc in docs), encoding="utf-8")
    return path


DOCS = [
    {"id": "long", "title": "Council minutes", "text": long_text(needle_at=45)},
    {"id": "pets", "title": "Pets", "text": "Dogs and cats are common pets; some people keep lizards and fish."},
    {"id": "bread", "title": "Sourdough", "text": "Over-proofed dough loses its structure and deflates in the oven."},
    {"id": "stocks", "title": "Stock market", "text": "Shares of listed companies are traded on the stock exchange."},
]


@pytest.fixture()
def corpus_path(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "minutes.jsonl", DOCS)


def test_a_passage_deep_in_a_long_document_is_found_by_its_window(tmp_path: Path, corpus_path: Path, minilm_encoders) -> None:
    corpus = load_corpus(corpus_path)
    mean = minilm_encoders[1]
    with Index.open("minutes", home=tmp_path, create=True) as index:
        report = index_corpus(corpus, [mean], index)
        (spans,) = mean.windows([corpus.documents["long"].content], stride=192)
        assert report.windows == {"mean:minilm": len(spans) - 1} and len(spans) >= 4
        assert report.long_documents == {"mean:minilm": 1}
        assert len(index_snapshot(index)) == 4 + len(spans) - 1  # a point per document, and per further window
        record = index.manifest.encoders["mean:minilm"]
        assert (record.long_docs, record.long_documents, record.windowed) == ("maxp", 1, 4)

        maxp, first = (DenseRetriever(index, mean, long_docs=mode) for mode in ("maxp", "first"))
        assert (maxp.name, first.name) == ("mean:minilm", "mean:minilm@first")
        query = "blue axolotl in a flooded crypt"
        best = maxp.search(query, k=4)
        assert best[0].doc_id == "long"
        start, end = best[0].span
        assert "blue axolotl swam through the flooded cathedral crypt" in corpus.documents["long"].content[start:end]  # the passage that matched
        # its score is the best window's cosine, computed here directly
        texts = [corpus.documents["long"].content[s:e] for s, e in spans]
        cosines = mean.encode(texts) @ mean.encode([query], "query")[0]
        assert best[0].score == pytest.approx(float(cosines.max()), abs=1e-5)
        truncated = {hit.doc_id: hit for hit in first.search(query, k=4)}
        assert truncated["long"].score == pytest.approx(float(cosines[0]), abs=1e-5)  # the start alone
        assert truncated["long"].score < best[0].score
        assert [hit.doc_id for hit in maxp.search("pets such as dogs and cats", k=4)].count("long") == 1  # documents, not windows


def test_changing_the_stride_reencodes_only_windows(tmp_path: Path, corpus_path: Path, minilm_encoders) -> None:
    corpus = load_corpus(corpus_path)
    with Index.open("minutes", home=tmp_path, create=True) as index:
        index_corpus(corpus, minilm_encoders, index)
        before = index_snapshot(index)
        report = index_corpus(corpus, minilm_encoders, index, stride=100)
        assert report.encoded == {e.spec: 1 for e in minilm_encoders}  # only the long document
        assert set(report.windows.values()) == {len(minilm_encoders[0].windows([corpus.documents["long"].content], 100)[0]) - 1}
        after = index_snapshot(index)
        for pid, (payload, vectors) in after.items():
            if "window" not in payload:  # documents' own vectors were kept (Qdrant renormalises them on write)
                for name, vector in vectors.items():
                    np.testing.assert_allclose(vector, before[pid][1][name], atol=1e-6)
        assert sum("window" in payload for payload, _ in after.values()) == report.windows["cls:minilm"]
        assert index_corpus(corpus, minilm_encoders, index, stride=100).encoded == {}


def test_truncation_first_then_windows_added_later(tmp_path: Path, corpus_path: Path, minilm_encoders) -> None:
    corpus = load_corpus(corpus_path)
    sbert = minilm_encoders[2]
    with Index.open("minutes", home=tmp_path, create=True) as index:
        first = index_corpus(corpus, [sbert], index, long_docs="first")
        assert first.windows == {} and len(index_snapshot(index)) == 4
        assert DenseRetriever(index, sbert).name == "sbert:minilm"  # searched as indexed: truncated
        with pytest.raises(IndexMismatchError, match="--long-docs maxp"):
            DenseRetriever(index, sbert, long_docs="maxp")
        upgrade = index_corpus(corpus, [sbert], index)
        assert upgrade.encoded == {"sbert:minilm": 1} and upgrade.windows["sbert:minilm"] >= 3
        assert DenseRetriever(index, sbert).search("blue axolotl in a flooded crypt", 1)[0].doc_id == "long"


def test_a_long_document_that_changes_or_goes_takes_its_windows_along(tmp_path: Path, corpus_path: Path, minilm_encoders) -> None:
    with Index.open("minutes", home=tmp_path, create=True) as index:
        index_corpus(load_corpus(corpus_path), minilm_encoders[:1], index)
        assert len(index_snapshot(index)) > 4
        shorter = [dict(DOCS[0], text="Minutes: the meeting was cancelled."), *DOCS[1:]]
        index_corpus(load_corpus(write_corpus(corpus_path, shorter)), minilm_encoders[:1], index)
        assert len(index_snapshot(index)) == 4  # its windows went with the old text
        index_corpus(load_corpus(write_corpus(corpus_path, DOCS)), minilm_encoders[:1], index)
        index_corpus(load_corpus(write_corpus(corpus_path, DOCS[1:])), minilm_encoders[:1], index)
        assert sorted(payload["doc_id"] for payload, _ in index_snapshot(index).values()) == ["bread", "pets", "stocks"]


def test_eval_and_search_show_both_settings(tmp_path: Path, corpus_path: Path, run_searchkit) -> None:
    home = tmp_path / "indexes"
    indexed = run_searchkit("index", corpus_path, "--encoders", "mean:minilm", "--home", home)
    assert indexed.returncode == 0, indexed.stderr
    assert "longer than one window of the encoder: mean:minilm 1" in indexed.stdout
    found = run_searchkit("search", "minutes", "blue axolotl in a flooded crypt", "-k", "2", "--json", "--home", home)
    assert found.returncode == 0, found.stderr
    (hit, _) = json.loads(found.stdout)["results"]["mean:minilm"]
    assert hit["id"] == "long"
    both = open_retrievers_names(home)
    assert both == ["mean:minilm", "mean:minilm@first"]


def open_retrievers_names(home: Path) -> list[str]:
    with Index.open("minutes", home=home) as index:
        return [r.name for r in open_retrievers(index, long_docs=("maxp", "first"))]


def test_another_corpus_under_the_same_name_is_refused(tmp_path: Path, corpus_path: Path, run_searchkit) -> None:
    home = tmp_path / "indexes"
    assert run_searchkit("index", corpus_path, "--encoders", "", "--home", home).returncode == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    other = write_corpus(elsewhere / "minutes.jsonl", DOCS[1:])
    result = run_searchkit("index", other, "--encoders", "", "--home", home)
    assert_clean_error(result, str(corpus_path), str(other), "--name", "delete")
    with Index.open("minutes", home=home) as index:
        assert index.store.count() == 4  # nothing removed
    assert run_searchkit("index", other, "--encoders", "", "--home", home, "--name", "other").returncode == 0


def test_a_run_that_would_remove_most_documents_stops(tmp_path: Path, corpus_path: Path, minilm_encoders) -> None:
    with Index.open("minutes", home=tmp_path, create=True) as index:
        index_corpus(load_corpus(corpus_path), minilm_encoders[:1], index)
        cut_short = load_corpus(write_corpus(corpus_path, DOCS[:1]))
        with pytest.raises(SearchkitError, match=r"remove 3 of the 4 documents.*--allow-removal"):
            index_corpus(cut_short, minilm_encoders[:1], index)
        assert index.store.count() == 4
        assert index_corpus(load_corpus(write_corpus(corpus_path, DOCS[:3])), minilm_encoders[:1], index).removed == 1
        assert index_corpus(cut_short, minilm_encoders[:1], index, allow_removal=True).removed == 2
        assert index.store.count() == 1


def test_an_empty_corpus_file_does_not_empty_the_index(tmp_path: Path, corpus_path: Path, run_searchkit) -> None:
    home = tmp_path / "indexes"
    assert run_searchkit("index", corpus_path, "--encoders", "", "--home", home).returncode == 0
    corpus_path.write_text("", encoding="utf-8")
    result = run_searchkit("index", corpus_path, "--encoders", "", "--home", home)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    with Index.open("minutes", home=home) as index:
        assert index.store.count() == 4


def test_vector_names_of_windows_match_the_document_point(tmp_path: Path, corpus_path: Path, minilm_encoders) -> None:
    with Index.open("minutes", home=tmp_path, create=True) as index:
        index_corpus(load_corpus(corpus_path), minilm_encoders, index)
        names = {vector_name(e.spec) for e in minilm_encoders}
        windows = [(payload, vectors) for payload, vectors in index_snapshot(index).values() if "window" in payload]
        assert windows and all(set(vectors) == names and set(payload["vectors"]) == names for payload, vectors in windows)
        assert all(np.isclose(np.linalg.norm(v), 1.0, atol=1e-5) for _, vectors in windows for v in vectors.values())


def test_the_title_can_go_with_every_window(tmp_path: Path, corpus_path: Path, minilm_encoders) -> None:
    corpus = load_corpus(corpus_path)
    cls = minilm_encoders[0]
    with Index.open("minutes", home=tmp_path, create=True) as index:
        index_corpus(corpus, [cls], index)
        plain = {p["window"]: v for p, v in index_snapshot(index).values() if "window" in p}
        report = index_corpus(corpus, [cls], index, window_title="every")
        assert report.encoded == {"cls:minilm": 1} and index.manifest.encoders["cls:minilm"].windows["title"] == "every"
        titled = {p["window"]: (p, v) for p, v in index_snapshot(index).values() if "window" in p}
        assert set(titled) == set(plain)  # the same windows, now read with the title in front
        payload, vectors = titled[1]
        start, end = payload["span"]
        expected = cls.encode([f"Council minutes {corpus.documents['long'].content[start:end]}"])[0]
        np.testing.assert_allclose(vectors[vector_name(cls.spec)], expected, atol=1e-5)


def test_an_encoder_added_later_shares_the_window_points(tmp_path: Path, corpus_path: Path, minilm_encoders) -> None:
    corpus = load_corpus(corpus_path)
    cls, mean = minilm_encoders[0], minilm_encoders[1]
    query = "blue axolotl in a flooded crypt"
    with Index.open("minutes", home=tmp_path, create=True) as index:
        index_corpus(corpus, [cls], index)
        before = DenseRetriever(index, cls).search(query, k=1)[0]
        report = index_corpus(corpus, [mean], index)  # same model, same windows: the points gain a vector
        assert report.encoded == {"mean:minilm": 4}
        windows = [(p, v) for p, v in index_snapshot(index).values() if "window" in p]
        names = {vector_name(cls.spec), vector_name(mean.spec)}
        assert windows and all(set(v) == names and set(p["vectors"]) == names for p, v in windows)
        after = DenseRetriever(index, cls).search(query, k=1)[0]
        assert (after.doc_id, after.span) == (before.doc_id, before.span)
        assert after.score == pytest.approx(before.score, abs=1e-6)  # cls kept its windows
