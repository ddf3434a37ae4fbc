"""Options and helpers shared by commands."""

from __future__ import annotations

import argparse
import logging
import math
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from searchkit.display import printable
from searchkit.encoders import Encoder
from searchkit.errors import SearchkitError
from searchkit.evaluation.correction import CORRECTIONS
from searchkit.index import (
    HOME_VARIABLE,
    URL_FALLBACK,
    URL_VARIABLE,
    Index,
    cache_folder,
    default_url,
)
from searchkit.retrieval.lexical import BM25Settings

if TYPE_CHECKING:
    from searchkit.corpus import Corpus
    from searchkit.encoders.cache import EmbeddingCache
    from searchkit.indexing import IndexReport, ProgressCallback
    from searchkit.retrieval import Retriever

DEFAULT_ENCODERS = "cls:minilm,mean:minilm,sbert:minilm"
VERBOSITY = 0  # -1 with -q/--quiet, 1 with -v/--verbose: set by `verbosity` while a command runs


def add_verbosity_options(parser: argparse.ArgumentParser, *, default: object = False) -> None:
    """-q/--quiet and -v/--verbose (a subcommand's copies default to argparse.SUPPRESS, keeping the main parser's)."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "-q", "--quiet", action="store_true", default=default,
        help="no progress bars or informational messages (errors and warnings stay)",
    )  # fmt: skip
    group.add_argument("-v", "--verbose", action="store_true", default=default, help="also show the libraries' log lines")


@contextmanager
def verbosity(level: int) -> Iterator[None]:
    """Set VERBOSITY for one command; verbose, the libraries' INFO log lines go to stderr."""
    global VERBOSITY
    VERBOSITY = level
    root, handler, previous = logging.getLogger(), None, logging.getLogger().level
    if level > 0:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(name)s: %(levelname)s: %(message)s"))
        root.addHandler(handler)
        root.setLevel(logging.INFO)
    try:
        yield
    finally:
        VERBOSITY = 0
        if handler is not None:
            root.removeHandler(handler)
            root.setLevel(previous)


def info(message: str) -> None:
    """An informational line on stderr, unless -q."""
    if VERBOSITY >= 0:
        print(message, file=sys.stderr)


def note(message: str) -> None:
    """`info` as "searchkit: MESSAGE", on a line of its own below any progress bar."""
    from tqdm import tqdm

    if VERBOSITY >= 0:
        tqdm.write(f"searchkit: {message}", file=sys.stderr)


def show_progress() -> bool:
    """Progress bars draw on a terminal only, and not with -q."""
    return VERBOSITY >= 0 and sys.stderr.isatty()


def positive_int(text: str) -> int:
    """An argparse type: a whole number >= 1."""
    return _checked(int, text, lambda n: n >= 1, "a whole number of at least 1")


def non_negative_int(text: str) -> int:
    """An argparse type: a whole number >= 0."""
    return _checked(int, text, lambda n: n >= 0, "a whole number of at least 0")


def finite_float(text: str) -> float:
    """An argparse type: a finite number (not nan or inf)."""
    return _checked(float, text, math.isfinite, "a finite number")


def _checked(kind: type, text: str, valid, wanted: str):
    try:
        value = kind(text)
    except ValueError:
        value = None
    if value is None or not valid(value):
        raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}")
    return value


def add_correction_option(parser: argparse.ArgumentParser, measure: str) -> None:
    parser.add_argument(
        "--correction", choices=list(CORRECTIONS), default="none",
        help=f"adjust the p-values of the pairwise tests on each {measure} for multiple comparisons: holm "
        "(Holm, family-wise error rate) or bh (Benjamini-Hochberg, false discovery rate) (default: none)",
    )  # fmt: skip


def add_index_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--home", type=Path, help=f"folder of embedded indexes (default: ${HOME_VARIABLE} or ./indexes)")
    parser.add_argument(
        "--qdrant-url",
        help=f"use a Qdrant server (default: ${URL_VARIABLE}, else ${URL_FALLBACK}); API key from $SEARCHKIT_QDRANT_API_KEY",
    )


@contextmanager
def embedding_cache(args: argparse.Namespace) -> Iterator[EmbeddingCache | None]:
    """The home's embedding cache, or None with --no-cache."""
    if not args.use_cache:
        yield None
        return
    from searchkit.encoders.cache import EmbeddingCache

    with EmbeddingCache(cache_folder(args.home)) as cache:
        yield cache


def add_cache_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--no-cache", dest="use_cache", action="store_false",
        help="encode every text, neither reading nor filling the home's embedding cache (see `searchkit cache`)",
    )  # fmt: skip


def add_encoder_options(parser: argparse.ArgumentParser, default: str | None) -> None:
    shown = default or "every encoder the index holds"
    parser.add_argument("--encoders", default=default, help=f"comma-separated specs KIND:MODEL, '' for none (default: {shown})")
    parser.add_argument("--allow-pickle", action="store_true", help="allow loading pickle (*.bin) weights you trust")
    parser.add_argument(
        "--precision", choices=["auto", "fp32", "bf16"], default="auto",
        help="number format of the built-in encoders: bf16 runs 2x+ faster where the CPU or GPU has bf16 units "
        "(auto: bf16 there, else fp32; searching an index: as it was indexed)",
    )  # fmt: skip


def add_long_docs_options(parser: argparse.ArgumentParser, *, indexing: bool, both: bool = False) -> None:
    """--long-docs (and, when the command indexes, --stride and --allow-removal)."""
    choices = ["maxp", "first", *(["both"] if both else [])]
    default = "maxp" if indexing else None
    parser.add_argument(
        "--long-docs", choices=choices, default=default,
        help="a document longer than an encoder reads scores by its best window (maxp) or by its start alone, "
        "as plain truncation does (first)" + ("; both: a row for each" if both else "")
        + (f" (default: {default})" if default else " (default: as indexed)"),
    )  # fmt: skip
    if indexing:
        parser.add_argument(
            "--stride", type=positive_int, metavar="PIECES",
            help="word pieces from one window's start to the next (default: 3/4 of the model's maximum length, 192 for 256)",
        )  # fmt: skip
        parser.add_argument(
            "--window-title", choices=["first", "every"], default="first",
            help="read the title with the first window only, or prepend it to every window (default: first)",
        )  # fmt: skip
        parser.add_argument(
            "--allow-removal", action="store_true",
            help="let this run remove more than half of the indexed documents (those the corpus no longer holds)",
        )  # fmt: skip


def long_docs_modes(args: argparse.Namespace) -> tuple[str, ...]:
    """The --long-docs settings to search with: () for as indexed."""
    if args.long_docs is None:
        return ()
    return ("maxp", "first") if args.long_docs == "both" else (args.long_docs,)


def add_retriever_options(parser: argparse.ArgumentParser) -> None:
    """--bm25, --hybrid and their settings; read back with `open_retrievers_from_args`."""
    group = parser.add_argument_group("BM25 and hybrid retrieval")
    group.add_argument("--bm25", action="store_true", help="add the BM25 baseline (rank_bm25 BM25Okapi scores)")
    group.add_argument(
        "--hybrid", nargs="?", const=True, default=False, metavar="SPEC",
        help="add reciprocal-rank fusion of BM25 and a dense encoder (default: the sbert one, else the last)",
    )  # fmt: skip
    group.add_argument(
        "--whiten", action="store_true",
        help="add each dense encoder through BERT-whitening fitted on the indexed documents (SPEC+whiten): "
        "the fix for anisotropic vectors such as a raw [CLS]",
    )  # fmt: skip
    group.add_argument("--rrf-k", type=non_negative_int, default=60, help="RRF constant k (default: 60)")
    group.add_argument("--rrf-weights", metavar="W_BM25,W_DENSE", help="RRF weights (default: 1,1)")
    defaults = BM25Settings()
    stemmer, stopwords = defaults.stemmer or "none", defaults.stopwords or "none"
    group.add_argument("--bm25-k1", type=finite_float, default=defaults.k1, help=f"BM25 k1 (default: {defaults.k1:g})")
    group.add_argument("--bm25-b", type=finite_float, default=defaults.b, help=f"BM25 b (default: {defaults.b:g})")
    group.add_argument(
        "--bm25-stemmer", default=stemmer, metavar="LANGUAGE",
        help=f"Snowball stemmer (PyStemmer) such as english or porter, or none (default: {stemmer})",
    )  # fmt: skip
    group.add_argument(
        "--bm25-stopwords", choices=["none", "english"], default=stopwords, help=f"stop words to drop (default: {stopwords})"
    )


def bm25_settings(args: argparse.Namespace) -> BM25Settings:
    try:
        return BM25Settings(
            k1=args.bm25_k1,
            b=args.bm25_b,
            stemmer=None if args.bm25_stemmer == "none" else args.bm25_stemmer,
            stopwords=None if args.bm25_stopwords == "none" else args.bm25_stopwords,
        )
    except ValueError as error:
        raise SearchkitError(f"BM25 settings: {error}") from None


def rrf_weights(args: argparse.Namespace) -> list[float] | None:
    if args.rrf_weights is None:
        return None
    try:
        weights = [float(w) for w in args.rrf_weights.split(",")]
    except ValueError:
        weights = []
    if len(weights) != 2 or not all(math.isfinite(w) and w >= 0 for w in weights) or not any(weights):
        raise SearchkitError(
            f"--rrf-weights takes two numbers >= 0, not both 0, BM25's then the dense one's, e.g. 1,0.5; got {args.rrf_weights!r}"
        )
    return weights


def open_retrievers_from_args(
    args: argparse.Namespace,
    index: Index,
    encoders: str | Sequence[str] | None,
    corpus: Corpus | None = None,
    *,
    query_exports: bool = False,
) -> list[Retriever]:
    from searchkit.retrieval import open_retrievers

    if encoders is None or encoders or isinstance(args.hybrid, str):
        quiet_transformers()
    retrievers = open_retrievers(
        index,
        encoders,
        bm25=args.bm25,
        hybrid=args.hybrid,
        bm25_settings=bm25_settings(args),
        rrf_k=args.rrf_k,
        rrf_weights=rrf_weights(args),
        corpus=corpus,
        long_docs=long_docs_modes(args),
        allow_pickle=args.allow_pickle,
        whiten=args.whiten,
        precision=args.precision,
        query_exports=query_exports,
    )
    if not retrievers:
        raise SearchkitError("no retriever to run: name encoders with --encoders, or add --bm25 or --hybrid")
    for warning in index.coverage_warnings([r.name for r in retrievers]):
        print(f"searchkit: warning: {printable(warning)}", file=sys.stderr)
    return retrievers


def check_index_target(args: argparse.Namespace, name: str) -> None:
    """Fail before any model loads: an index name or home folder that cannot work, or a server that does not answer."""
    from searchkit.store import check_server

    collection, _ = Index.locate(name, args.home)
    url = args.qdrant_url or default_url()
    if url:
        check_server(url, collection)


def open_index(args: argparse.Namespace, name: str, *, create: bool = False) -> Index:
    return Index.open(name, home=args.home, url=args.qdrant_url, create=create)


def quiet_transformers() -> None:
    """Keep the libraries' loading bars and warnings off the terminal (with -v, their log lines show).

    Before transformers is imported (a second or more) this only sets the environment it reads then."""
    if "transformers" not in sys.modules:
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "info" if VERBOSITY > 0 else "error")
        if VERBOSITY <= 0:
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        return
    import transformers

    if VERBOSITY > 0:
        transformers.logging.set_verbosity_info()
        return
    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()


def load_encoders_quietly(specs: str | list[str], allow_pickle: bool = False, precision: str = "auto") -> list[Encoder]:
    from searchkit.encoders import load_encoders

    quiet_transformers()
    return load_encoders(specs, allow_pickle=allow_pickle, precision=precision)  # type: ignore[arg-type]


def describe_corpus(corpus: Corpus) -> str:
    return (
        f"corpus {corpus.name}: {len(corpus)} documents, {len(corpus.queries)} queries, "
        f"{len(corpus.qrels)} judged queries, {len(corpus.skipped_empty)} empty documents skipped"
    )


@contextmanager
def progress_bar(desc: str = "encoding", unit: str = "doc") -> Iterator[ProgressCallback]:
    """A progress callback `(done, total)` that draws a bar on stderr (see `show_progress`)."""
    from tqdm import tqdm

    with tqdm(unit=unit, desc=desc, dynamic_ncols=True, file=sys.stderr, disable=not show_progress()) as bar:

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        yield progress


def describe_index_report(report: IndexReport) -> str:
    encoded = ", ".join(
        f"{spec} {n}" + (f" (+{report.windows[spec]} windows)" if report.windows.get(spec) else "")
        for spec, n in report.encoded.items()
    ) or "nothing (up to date)"
    long = ", ".join(f"{spec} {n}" for spec, n in report.long_documents.items() if n)
    return (
        f"index {report.index}: {report.added} added, {report.changed} changed, {report.removed} removed; "
        f"encoded: {encoded}; {report.seconds:.1f} s ({report.docs_per_second:.1f} docs/s)"
        + (f"\n{report.from_cache:,} vectors came from the embedding cache" if report.from_cache else "")
        + (f"\ndocuments longer than one window of the encoder: {long}" if long else "")
    )
