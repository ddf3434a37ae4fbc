"""Third-party encoder kinds from the `searchkit.encoders` entry-point group, via a distribution on disk."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import hashing_plugin
import numpy as np
import pytest

from searchkit.corpus import load_corpus
from searchkit.encoders import available_kinds, load_encoder
from searchkit.errors import EncoderSpecError
from searchkit.index import Index
from searchkit.indexing import index_corpus
from searchkit.retrieval import DenseRetriever

ENTRY_POINTS = """\
[searchkit.encoders]
hashing = hashing_plugin:make
broken = hashing_plugin:make_broken
cls = hashing_plugin:make
"""


@pytest.fixture()
def plugin_site(tmp_path: Path) -> Path:
    """A folder holding the installed distribution `searchkit-hashing`: module plus .dist-info metadata."""
    site = tmp_path / "site"
    info = site / "searchkit_hashing-0.1.dist-info"
    info.mkdir(parents=True)
    shutil.copy(hashing_plugin.__file__, site / "hashing_plugin.py")
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: searchkit-hashing\nVersion: 0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(ENTRY_POINTS, encoding="utf-8")
    return site


@pytest.fixture()
def plugin_installed(plugin_site: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.syspath_prepend(str(plugin_site))
    # the copy in the site must be the module that loads, not the test-dir one already imported
    monkeypatch.delitem(sys.modules, "hashing_plugin")
    return plugin_site


def test_encoders_command_lists_the_plugin(plugin_site: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(plugin_site), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run(
        [sys.executable, "-m", "searchkit", "encoders"], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.startswith("  ")}
    assert "third-party encoder from searchkit-hashing" in lines["hashing"]
    assert "[searchkit-hashing]" in lines["broken"]
    assert lines["cls"].endswith("[searchkit]")  # a plugin cannot replace a built-in kind


def test_load_plugin_encoder(plugin_installed: Path) -> None:
    kinds = available_kinds()
    assert kinds["hashing"].provider == "searchkit-hashing"
    assert kinds["hashing"].target == "hashing_plugin:make"
    assert kinds["cls"].provider == "searchkit"

    encoder = load_encoder("hashing:x")
    assert type(encoder).__module__ == "hashing_plugin"
    assert Path(sys.modules["hashing_plugin"].__file__).parent == plugin_installed
    assert (encoder.spec, encoder.dimension) == ("hashing:x", 64)
    vectors = encoder.encode(["the guitar", "the guitar", "stock market"])
    assert vectors.dtype == np.float32 and vectors.shape == (3, 64)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(vectors[0], vectors[1])
    assert vectors[0] @ vectors[2] < 0.99


def test_factory_must_return_an_encoder(plugin_installed: Path) -> None:
    with pytest.raises(EncoderSpecError, match="'broken' factory did not return an Encoder"):
        load_encoder("broken:x")


def test_plugin_encoder_indexes_and_searches(plugin_installed: Path, tiny_corpus: Path, tmp_path: Path) -> None:
    encoder = load_encoder("hashing:x")
    corpus = load_corpus(tiny_corpus)
    with Index.open("tiny", home=tmp_path / "indexes", create=True) as index:
        report = index_corpus(corpus, [encoder], index)
        assert report.encoded == {"hashing:x": 7}
        assert index.manifest.encoders["hashing:x"].dimension == 64
        text = corpus.documents["violin"].content  # a hashed word can cancel out: "violin" alone ties five documents at 0
        hits = DenseRetriever(index, encoder).search(text, k=3)
    assert hits[0].doc_id == "violin"
    query, document = encoder.encode([text, corpus.documents["violin"].content])
    assert hits[0].score == pytest.approx(float(query @ document), abs=1e-5)
