"""The embedding cache: content-addressed, shared by a home's indexes, bounded, never unpickled."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest
from conftest import TINY_DOCS, TINY_QRELS, TINY_QUERIES, assert_clean_error, write_beir

from searchkit.corpus import load_corpus
from searchkit.encoders import encode_all
from searchkit.encoders.cache import (
    CACHE_FILE,
    EmbeddingCache,
    encode_cached,
    model_key,
)
from searchkit.errors import SearchkitError
from searchkit.index import Index, cache_folder
from searchkit.indexing import build_index

TEXTS = ["A guitar is a string instrument.", "Shares trade on the stock exchange.", "Tomatoes need sun."]


def test_vectors_come_back_as_stored_and_models_are_kept_apart(tmp_path: Path) -> None:
    vectors = np.random.default_rng(0).standard_normal((2, 4)).astype(np.float32)
    with EmbeddingCache(tmp_path) as cache:
        cache.put("mean|abc|254", TEXTS[:2], vectors)
        found = cache.get("mean|abc|254", TEXTS, 4)
        np.testing.assert_array_equal(found[0], vectors[0])
        np.testing.assert_array_equal(found[1], vectors[1])
        assert found[2] is None
        assert cache.get("cls|abc|254", TEXTS[:1], 4) == [None]  # another pooling of the same model
        assert cache.get("mean|abc|254", TEXTS[:1], 8) == [None]  # a vector of another size is not this model's
        assert (cache.hits, cache.misses) == (2, 3)


def test_encode_cached_encodes_only_what_is_missing(tmp_path: Path, minilm_encoders) -> None:
    cls, mean, _ = minilm_encoders
    with EmbeddingCache(tmp_path) as cache:
        first = encode_cached([cls, mean], TEXTS[:2], cache=cache)
        assert (cache.hits, cache.misses) == (0, 4)
        second = encode_cached([cls, mean], TEXTS, cache=cache)
        assert (cache.hits, cache.misses) == (4, 6)  # the two known texts hit for both; the third missed
        fresh = encode_all([cls, mean], TEXTS)
        for spec in (cls.spec, mean.spec):
            np.testing.assert_array_equal(second[spec][:2], first[spec])
            np.testing.assert_allclose(second[spec], fresh[spec], atol=1e-6)
        assert cache.stats().models == {model_key(cls): 3, model_key(mean): 3}


def test_the_limit_evicts_the_vectors_used_longest_ago(tmp_path: Path) -> None:
    with EmbeddingCache(tmp_path) as cache:
        for i, text in enumerate(TEXTS):
            cache.put("m", [text], np.full((1, 256), i, dtype=np.float32))  # 1 KiB each
        cache.get("m", TEXTS[:1], 256)  # the first is used again: now the third is the newest but one
        cache.set_limit(2560)  # evicts down to 90%: one of the three goes
        kept = cache.get("m", TEXTS, 256)
        assert kept[0] is not None and kept[1] is None and kept[2] is not None
        assert cache.stats().bytes == 2 * 1024


def test_a_second_index_of_the_same_documents_encodes_nothing(tmp_path: Path, tiny_corpus: Path) -> None:
    home = tmp_path / "home"
    corpus = load_corpus(tiny_corpus)
    first = build_index(corpus, "cls:minilm,mean:minilm", home=home)
    assert first.from_cache == 0
    second = build_index(corpus, "cls:minilm,mean:minilm", home=home, name="again")
    assert second.from_cache == 2 * len(corpus.documents)
    more = write_beir(tmp_path / "more", TINY_DOCS + [{"_id": "cello", "title": "Cello", "text": "A bowed string instrument."}], TINY_QUERIES, TINY_QRELS)
    third = build_index(load_corpus(more), "mean:minilm", home=home, name="more")
    assert third.from_cache == len(corpus.documents)  # only the new document was encoded
    with Index.open("tiny", home=home) as a, Index.open("again", home=home) as b:
        ids = sorted(corpus.documents)
        np.testing.assert_array_equal(
            [a.store.vectors(ids)[d]["mean-minilm"] for d in ids], [b.store.vectors(ids)[d]["mean-minilm"] for d in ids]
        )
    assert (cache_folder(home) / CACHE_FILE).is_file()
    assert Index.names(home) == ["again", "more", "tiny"]  # the cache folder is no index


def test_no_cache_neither_reads_nor_fills_it(tmp_path: Path, tiny_corpus: Path) -> None:
    home = tmp_path / "home"
    report = build_index(load_corpus(tiny_corpus), "mean:minilm", home=home, use_cache=False)
    assert report.from_cache == 0 and not cache_folder(home).exists()


def test_a_damaged_cache_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / CACHE_FILE).write_bytes(b"not a database" * 100)
    with pytest.raises(SearchkitError, match="--no-cache"):
        EmbeddingCache(tmp_path)


def test_vectors_are_raw_float32_bytes(tmp_path: Path) -> None:
    with EmbeddingCache(tmp_path) as cache:
        cache.put("m", TEXTS[:1], np.ones((1, 3), dtype=np.float32))
    (blob,) = sqlite3.connect(tmp_path / CACHE_FILE).execute("SELECT vector FROM vectors").fetchone()
    assert blob == np.ones(3, dtype=np.float32).tobytes()


def test_the_cache_command_shows_limits_and_clears(run_searchkit, tmp_path: Path, tiny_corpus: Path) -> None:
    home = tmp_path / "home"
    empty = run_searchkit("cache", "--home", home)
    assert empty.returncode == 0 and "no embedding cache yet" in empty.stdout
    build_index(load_corpus(tiny_corpus), "mean:minilm", home=home)
    shown = run_searchkit("cache", "--home", home, "--limit", "1GB")
    assert shown.returncode == 0, shown.stderr
    assert "7 vectors" in shown.stdout and "1,024.0 MiB limit" in shown.stdout and "mean of model" in shown.stdout
    cleared = run_searchkit("cache", "--home", home, "--clear")
    assert "removed 7 cached vectors" in cleared.stdout and "0 vectors" in cleared.stdout
    assert_clean_error(run_searchkit("cache", "--home", home, "--limit", "lots"), "not a size")
