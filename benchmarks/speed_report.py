"""Every speed figure of the README in one run, each beside its reference or target.

    python benchmarks/speed_report.py --out DIR [--quick]

Writes DIR/speed.md and DIR/speed.json. Everything is measured in this run, on this machine;
things compared are interleaved and repeated, and medians are reported, because the machine is
shared. Figures:

1. encoding docs/s: cls+mean+sbert MiniLM in one forward pass (what indexing runs) vs
   `SentenceTransformer.encode` float32, 256 SciFact documents, batch 32; the precision `auto`
   picks here (and bf16 vs fp32 where it is bf16);
2. the physical limit: MiniLM's FLOPs over the tokens encoded against this CPU's measured
   float32 (and bf16) matmul rate;
3. BM25 queries/s vs rank-bm25 (`bm25_speed.py`'s measurement);
4. dense query latency: `DenseRetriever.search` through the store vs exact numpy search over the
   same stored vectors, query encoding timed apart;
5. cold start of `searchkit search` and `searchkit --help` in fresh processes, with the import costs;
6. the embedding cache: indexing the same corpus a second time under another name;
7. TUI latency, Enter to every column drawn and a key to its echo (`tui_latency.py`), bm25 + the
   three MiniLM columns;
8. the headline: `searchkit eval` on SciFact from nothing (fresh home, --no-cache), first 256
   tokens and MaxP windows.

`--quick` indexes and evaluates the first 500 SciFact documents only (a BEIR subset written to
a temporary folder, with the test queries whose relevant documents it holds) and skips 7; figures
1 to 3 still read SciFact whole. Indexes live in a temporary folder, removed at the end.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SCIFACT = REPO.parent / "shared" / "datasets" / "scifact"
ENCODERS = "cls:minilm,mean:minilm,sbert:minilm"
QUERY = "a query"
QUICK_DOCS = 500
TARGETS = {"cold_search_s": 3.0, "tui_p50_ms": 50.0, "echo_ms": 30.0, "headline_s": 90.0}


# --- helpers -----------------------------------------------------------------------------------


def median(values: list[float]) -> float:
    return float(statistics.median(values))


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def wall(command: list[str], **kwargs: Any) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return seconds, done


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "searchkit", *args]


def write_subset(source: Path, target: Path, limit: int) -> dict[str, int]:
    """A BEIR folder with `source`'s first `limit` documents, and the test judgments and queries on them."""
    (target / "qrels").mkdir(parents=True)
    kept: set[str] = set()
    with gzip.open(source / "corpus.jsonl.gz", "rt", encoding="utf-8") as lines, open(target / "corpus.jsonl", "w", encoding="utf-8") as out:
        for line in lines:
            if not line.strip():
                continue
            kept.add(str(json.loads(line)["_id"]))
            out.write(line if line.endswith("\n") else line + "\n")
            if len(kept) == limit:
                break
    header, *rows = (source / "qrels" / "test.tsv").read_text(encoding="utf-8").splitlines()
    rows = [row for row in rows if row.split("\t")[1] in kept]
    (target / "qrels" / "test.tsv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    judged = {row.split("\t")[0] for row in rows}
    with open(source / "queries.jsonl", encoding="utf-8") as lines, open(target / "queries.jsonl", "w", encoding="utf-8") as out:
        for line in lines:
            if line.strip() and str(json.loads(line)["_id"]) in judged:
                out.write(line if line.endswith("\n") else line + "\n")
    return {"documents": len(kept), "queries": len(judged), "judgments": len(rows)}


# --- 1 and 2: encoding, and the physical limit -------------------------------------------------


def encoding_rates(texts: list[str], rounds: int, batch_size: int = 32) -> dict[str, Any]:
    """docs/s of searchkit's indexing encoders (one pass for cls, mean, sbert) and of SentenceTransformer.encode fp32.

    Rounds alternate which goes first; medians of the rounds. Where `auto` resolves to bf16, the
    encoders also run in fp32, interleaved, for bf16 vs fp32.
    """
    from searchkit.encoders import encode_all, load_encoders
    from searchkit.encoders.precision import resolve_precision

    auto = resolve_precision("auto")
    encoders = load_encoders(ENCODERS, precision="auto")
    fp32_encoders = encoders if auto == "fp32" else load_encoders(ENCODERS, precision="fp32")
    model = fp32_encoders[0].backbone.model  # a float32 SentenceTransformer of the same folder
    model.encode(["warm up"], batch_size=batch_size)
    encode_all(encoders, ["warm up"], "document", batch_size)

    runs: dict[str, Callable[[], object]] = {
        "searchkit": lambda: encode_all(encoders, texts, "document", batch_size),
        "sentence_transformers": lambda: model.encode(texts, batch_size=batch_size),
    }
    if auto != "fp32":
        runs["searchkit_fp32"] = lambda: encode_all(fp32_encoders, texts, "document", batch_size)
    seconds: dict[str, list[float]] = {name: [] for name in runs}
    names = list(runs)
    for number in range(rounds):
        for name in names if number % 2 == 0 else names[::-1]:
            started = time.perf_counter()
            runs[name]()
            seconds[name].append(time.perf_counter() - started)
        log(f"  encoding round {number + 1}/{rounds}: " + ", ".join(f"{n} {s[-1]:.1f} s" for n, s in seconds.items()))
    rates = {name: len(texts) / median(values) for name, values in seconds.items()}
    result: dict[str, Any] = {
        "documents": len(texts),
        "batch_size": batch_size,
        "rounds": rounds,
        "max_seq_length": int(model.max_seq_length),
        "precision_auto": auto,
        "seconds": seconds,
        "docs_per_s": rates,
        "ratio": rates["searchkit"] / rates["sentence_transformers"],
        "searchkit_seconds_median": median(seconds["searchkit"]),
    }
    if auto != "fp32":
        result["bf16_over_fp32"] = rates["searchkit"] / rates["searchkit_fp32"]
    result["model"] = model
    return result


def model_flops(model: Any, texts: list[str], batch_size: int) -> dict[str, Any]:
    """FLOPs to encode `texts`: per token 2 x (transformer-layer parameters) + 4 x seq x hidden x layers."""
    bert = model[0].auto_model
    config = bert.config
    layer_params = sum(p.numel() for name, p in bert.named_parameters() if ".layer." in name)
    hidden, layers = int(config.hidden_size), int(config.num_hidden_layers)
    lengths = np.array(
        [len(ids) for ids in model.tokenizer(texts, truncation=True, max_length=int(model.max_seq_length))["input_ids"]]
    )
    useful = float(np.sum(lengths * (2 * layer_params + 4 * lengths * hidden * layers)))
    ordered = np.sort(lengths)[::-1]  # batches as encoding forms them: longest first, padded to the batch's longest
    padded_lengths = np.concatenate([np.full(len(b), b[0]) for b in np.split(ordered, range(batch_size, len(ordered), batch_size))])
    padded = float(np.sum(padded_lengths * (2 * layer_params + 4 * padded_lengths * hidden * layers)))
    return {
        "formula": "per token: 2 x P_layers + 4 x seq x hidden x layers (seq: the text's own token count)",
        "layer_parameters": int(layer_params),
        "hidden": hidden,
        "layers": layers,
        "tokens": int(lengths.sum()),
        "padded_tokens": int(padded_lengths.sum()),
        "mean_tokens": float(lengths.mean()),
        "flops": useful,
        "padded_flops": padded,
    }


def matmul_rates(repeats_fp32: int, repeats_bf16: int) -> dict[str, Any]:
    """GFLOP/s of (8192x384) @ (384x1536) in float32 and bfloat16 (torch, its default threads); median of repeats."""
    import torch

    shape = (8192, 384, 1536)
    flops = 2.0 * shape[0] * shape[1] * shape[2]
    rates: dict[str, Any] = {"shape": "8192x384 @ 384x1536", "threads": torch.get_num_threads()}
    generator = torch.Generator().manual_seed(0)
    a32, b32 = torch.randn(shape[:2], generator=generator), torch.randn(shape[1:], generator=generator)
    for name, dtype, repeats in (("fp32", torch.float32, repeats_fp32), ("bf16", torch.bfloat16, repeats_bf16)):
        a, b = a32.to(dtype), b32.to(dtype)
        (a[:256] @ b).sum()  # warm up
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            a @ b
            times.append(time.perf_counter() - started)
        rates[f"{name}_gflops"] = flops / median(times) / 1e9
        rates[f"{name}_seconds"] = times
    return rates


# --- 3: BM25 -----------------------------------------------------------------------------------


def bm25_rates(corpus: Any, rounds: int) -> dict[str, Any]:
    from bm25_speed import queries_per_second
    from rank_bm25 import BM25Okapi

    from searchkit.retrieval.bm25 import BM25Index
    from searchkit.retrieval.tokenize import Tokenizer

    doc_ids, texts = list(corpus.documents), [d.content for d in corpus.documents.values()]
    query_texts = [corpus.queries[q] for q in corpus.qrels]
    tok = Tokenizer()
    index = BM25Index(doc_ids, texts, tokenizer=tok)
    okapi = BM25Okapi([tok(t) for t in texts])
    ours, theirs = [], []
    for _ in range(rounds):
        qps, qps_ref = queries_per_second(index, okapi, tok, query_texts)
        ours.append(qps)
        theirs.append(qps_ref)
    return {
        "documents": len(doc_ids),
        "queries": len(query_texts),
        "rounds": rounds,
        "searchkit_qps": median(ours),
        "rank_bm25_qps": median(theirs),
        "ratio": median(ours) / median(theirs),
        "all": {"searchkit": ours, "rank_bm25": theirs},
    }


# --- 4: dense query latency --------------------------------------------------------------------


def dense_latency(index_name: str, home: Path, queries: list[str], spec: str = "sbert:minilm", k: int = 10) -> dict[str, Any]:
    """Per query, interleaved: DenseRetriever.search; encoding alone; the store's search alone; exact numpy search."""
    from searchkit.encoders import load_encoders
    from searchkit.index import Index
    from searchkit.retrieval import DenseRetriever

    [encoder] = load_encoders(spec)
    with Index.open(index_name, home=home) as index:
        retriever = DenseRetriever(index, encoder)
        rows = index.store.export(retriever.record.vector)
        matrix, doc_ids = rows.matrix, rows.doc_ids

        def exact(vector: np.ndarray) -> list[str]:
            scores = matrix @ vector[0]
            top = np.argpartition(-scores, k)[:k] if len(scores) > k else np.arange(len(scores))
            return [doc_ids[i] for i in top[np.argsort(-scores[top], kind="stable")]]

        for query in queries[:5]:  # warm up
            exact(encoder.encode([query], "query"))
            retriever.search(query, k)
        times: dict[str, list[float]] = {"search": [], "encode": [], "store": [], "numpy": []}
        overlap = []
        for number, query in enumerate(queries):
            steps = ["search", "encode"] if number % 2 == 0 else ["encode", "search"]
            for step in steps:
                started = time.perf_counter()
                if step == "search":
                    retriever.search(query, k)
                else:
                    vector = encoder.encode([query], "query")
                times[step].append(time.perf_counter() - started)
            pair = ["store", "numpy"] if number % 2 == 0 else ["numpy", "store"]
            for step in pair:
                started = time.perf_counter()
                if step == "store":
                    hits = retriever.search_vectors(vector, k)[0]
                else:
                    exact_ids = exact(vector)
                times[step].append(time.perf_counter() - started)
            overlap.append(len({h.doc_id for h in hits} & set(exact_ids)) / max(1, len(exact_ids)))
    ms = {name: {"p50": 1000 * median(values), "p90": 1000 * percentile(values, 90)} for name, values in times.items()}
    return {
        "encoder": spec,
        "queries": len(queries),
        "stored_vectors": int(matrix.shape[0]),
        "k": k,
        "ms": ms,
        "store_over_numpy": ms["store"]["p50"] / ms["numpy"]["p50"],
        "recall_at_k_vs_exact": float(np.mean(overlap)),
    }


# --- 5: cold start -----------------------------------------------------------------------------

PHASES = r"""
import json, sys, time
from pathlib import Path
t0 = time.perf_counter()
import searchkit.cli  # noqa
t1 = time.perf_counter()
import onnxruntime, tokenizers  # noqa
t2 = time.perf_counter()
from searchkit.encoders import load_query_encoder
encoder = load_query_encoder("sbert:minilm", precision="fp32")
assert encoder is not None, "no query export"
t3 = time.perf_counter()
from searchkit.index import Index
from searchkit.retrieval import DenseRetriever
index = Index.open(sys.argv[1], home=Path(sys.argv[2]))
retriever = DenseRetriever(index, encoder)
t4 = time.perf_counter()
retriever.search(sys.argv[3], 10)
t5 = time.perf_counter()
index.close()
print(json.dumps({"import searchkit.cli": t1 - t0, "import onnxruntime + tokenizers": t2 - t1,
                  "load the query export": t3 - t2, "open the index": t4 - t3, "first query (encode + search)": t5 - t4}))
"""


def top_imports(stderr: str, count: int = 10) -> list[dict[str, Any]]:
    """The outermost imports of a `python -X importtime` run, by cumulative time."""
    found = []
    for line in stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( +)(\S+)$", line)
        if match and len(match.group(3)) == 1:  # nesting shows as more spaces
            found.append({"module": match.group(4), "cumulative_ms": int(match.group(2)) / 1000})
    found.sort(key=lambda item: -item["cumulative_ms"])
    return found[:count]


def cold_start(index_name: str, home: Path, repeats: int) -> dict[str, Any]:
    """`search` from the model's query export (what `searchkit index` leaves), and with torch (no export found)."""
    from searchkit.encoders import load_encoder
    from searchkit.encoders.onnx import export_for_queries

    started = time.perf_counter()
    exported = export_for_queries(load_encoder("sbert:minilm", precision="fp32").backbone)  # type: ignore[attr-defined]
    export_s = time.perf_counter() - started
    search = cli("search", index_name, QUERY, "--encoders", "sbert:minilm", "--home", str(home))
    help_ = cli("--help")
    bare = [sys.executable, "-c", "pass"]
    no_export = {**os.environ, "XDG_CACHE_HOME": str(home / "no-cache")}
    wall(search)  # warm up: the OS file cache (cold process, warm disk), and anything built on first use
    wall(search, env=no_export)
    runs: dict[str, list[float]] = {"search": [], "search_torch": [], "help": [], "python": []}
    for _ in range(repeats):
        runs["search"].append(wall(search)[0])
        runs["search_torch"].append(wall(search, env=no_export)[0])
        runs["help"].append(wall(help_)[0])
        runs["python"].append(wall(bare)[0])
    _, traced = wall([sys.executable, "-X", "importtime", *search[1:]])
    imports = top_imports(traced.stderr)
    all_imports = sum(item["cumulative_ms"] for item in top_imports(traced.stderr, 10_000)) / 1000
    _, phased = wall([sys.executable, "-c", PHASES, index_name, str(home), QUERY])
    phases = json.loads(phased.stdout.strip().splitlines()[-1])
    return {
        "command": shlex.join(["python", "-m", "searchkit", *search[3:]]).replace(str(home), "<home>"),
        "repeats": repeats,
        "seconds": runs,
        "search_s": median(runs["search"]),
        "search_torch_s": median(runs["search_torch"]),
        "query_export": {"folder": str(exported), "export_s": export_s},
        "help_s": median(runs["help"]),
        "python_s": median(runs["python"]),
        "imports_total_s_importtime": all_imports,
        "top_imports": imports,
        "phases_s": phases,
    }


# --- 6: embedding cache ------------------------------------------------------------------------


def index_twice(corpus: Any, home: Path) -> dict[str, Any]:
    """Index `corpus` into a fresh home (filling its embedding cache), then again under another name."""
    from searchkit.indexing import build_index

    first = build_index(corpus, ENCODERS, home=home, long_docs="first")
    log(f"  first index: {first.seconds:.1f} s, encoded {first.encoded}, from cache {first.from_cache}")
    second = build_index(corpus, ENCODERS, name=f"{corpus.name}-again", home=home, long_docs="first")
    log(f"  second index: {second.seconds:.1f} s, encoded {second.encoded}, from cache {second.from_cache}")

    def summary(report: Any) -> dict[str, Any]:
        vectors = sum(report.encoded.values()) + sum(report.windows.values())  # `encoded` counts cache hits too
        return {
            "seconds": report.seconds, "documents": report.documents, "vectors": vectors,
            "from_cache": report.from_cache, "computed": vectors - report.from_cache,
        }  # fmt: skip

    return {"first": summary(first), "second": summary(second), "speedup": first.seconds / second.seconds}


# --- 7: TUI ------------------------------------------------------------------------------------


def tui(index_name: str, home: Path, count: int = 20) -> dict[str, Any]:
    from tui_latency import echo_latencies, enter_latencies

    ms = sorted(1000 * t for t in enter_latencies(index_name, home, count))
    echo = sorted(1000 * t for t in echo_latencies(index_name, home))
    return {
        "queries": len(ms),
        "columns": "bm25 + " + ENCODERS.replace(",", ", "),
        "p50_ms": median(ms),
        "p90_ms": ms[int(0.9 * (len(ms) - 1))],
        "min_ms": ms[0],
        "max_ms": ms[-1],
        "echo_keys": len(echo),
        "echo_p50_ms": median(echo),
        "echo_p90_ms": echo[int(0.9 * (len(echo) - 1))],
    }


# --- 8: the headline ---------------------------------------------------------------------------


def headline(corpus_dir: Path, scratch: Path, shown: str) -> dict[str, Any]:
    """`searchkit eval` of `corpus_dir` (named `shown` in the report) from a fresh home, no cache: first, then maxp."""
    results = {}
    for mode in ("first", "maxp"):
        home, out = scratch / f"eval-home-{mode}", scratch / f"eval-out-{mode}"
        command = cli("eval", str(corpus_dir), "--encoders", ENCODERS, "--bm25", "--long-docs", mode,
                      "--home", str(home), "--no-cache", "--out", str(out))  # fmt: skip
        log(f"  searchkit eval --long-docs {mode} ...")
        seconds, _ = wall(command)
        report = json.loads((out / "report.json").read_text(encoding="utf-8"))
        ndcg = {name: metrics.get("ndcg@10") for name, metrics in report["metrics"].items()}
        results[mode] = {
            "command": shlex.join(["searchkit", *command[3:]])
            .replace(str(home), "<fresh tmp>")
            .replace(str(out), "<tmp>")
            .replace(str(corpus_dir), shown),
            "seconds": seconds,
            "ndcg@10": ndcg,
        }
        log(f"  --long-docs {mode}: {seconds:.1f} s")
    return results


# --- the report --------------------------------------------------------------------------------


def fmt(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}"


def verdict(value: float, target: float, quick: bool = False) -> str:
    if quick:
        return "no verdict: the target is for SciFact whole"
    return "met" if value <= target else "missed"


def render(data: dict[str, Any]) -> str:
    rows: list[tuple[str, str, str, str]] = []  # figure, measured, reference / target, ratio or verdict
    enc = data.get("encoding")
    if enc:
        rates = enc["docs_per_s"]
        rows.append((
            f"1. encoding, {enc['documents']} SciFact docs, batch {enc['batch_size']}: cls+mean+sbert MiniLM, one pass",
            f"{fmt(rates['searchkit'])} docs/s",
            f"SentenceTransformer.encode fp32 (sbert only): {fmt(rates['sentence_transformers'])} docs/s",
            f"ratio {enc['ratio']:.2f}",
        ))
        bf16 = f"bf16 / fp32 {enc['bf16_over_fp32']:.2f}" if "bf16_over_fp32" in enc else "no bf16 units: bf16 not measured"
        rows.append(("1b. precision `auto` picks here", enc["precision_auto"], "bf16 where the CPU/GPU has bf16 units", bf16))
    lim = data.get("limit")
    if lim:
        f, m = lim["flops"], lim["matmul"]
        rows.append((
            "2. encoding's compute rate (FLOPs of the tokens encoded / encoding time)",
            f"{fmt(lim['achieved_gflops'])} GFLOP/s",
            f"fp32 matmul {m['shape']}: {fmt(m['fp32_gflops'])} GFLOP/s; bf16: {fmt(m['bf16_gflops'], 2)} GFLOP/s",
            f"{lim['percent_of_fp32_peak']:.0f}% of fp32 peak ({lim['percent_of_fp32_peak_padded']:.0f}% counting padding)",
        ))
        del f
    bm = data.get("bm25")
    if bm:
        rows.append((
            f"3. BM25, SciFact ({bm['documents']:,} docs), one query per call, top 10",
            f"{fmt(bm['searchkit_qps'], 0)} queries/s",
            f"rank-bm25 BM25Okapi: {fmt(bm['rank_bm25_qps'])} queries/s",
            f"ratio {bm['ratio']:,.0f}",
        ))
    dl = data.get("dense")
    if dl:
        ms = dl["ms"]
        rows.append((
            f"4. dense query ({dl['encoder']}, {dl['queries']} queries, {dl['stored_vectors']:,} vectors, top {dl['k']}): "
            "`DenseRetriever.search` p50",
            f"{ms['search']['p50']:.1f} ms (each step's own p50: encode {ms['encode']['p50']:.1f}, store {ms['store']['p50']:.2f})",
            f"exact numpy search over the stored vectors: {ms['numpy']['p50']:.2f} ms (+ the same encoding)",
            f"store / numpy {dl['store_over_numpy']:.1f}; recall@{dl['k']} vs exact {dl['recall_at_k_vs_exact']:.3f}",
        ))
    cs = data.get("cold_start")
    if cs:
        rows.append((
            f"5. cold start, `{cs['command'].replace(' --home <home>', '')}` (median of {cs['repeats']})",
            f"{cs['search_s']:.2f} s (queries from the model's ONNX export, made once in {cs['query_export']['export_s']:.0f} s)",
            f"target <= {TARGETS['cold_search_s']:.0f} s on a quiet machine; with torch (no export): {cs['search_torch_s']:.2f} s",
            verdict(cs["search_s"], TARGETS["cold_search_s"]),
        ))
        rows.append(("5b. `searchkit --help` (median)", f"{cs['help_s']:.2f} s", f"`python -c pass`: {cs['python_s']:.2f} s", ""))
    ca = data.get("cache")
    if ca:
        first, second = ca["first"], ca["second"]
        rows.append((
            f"6. indexing {first['documents']:,} docs again under another name (same home, same encoders)",
            f"{second['seconds']:.1f} s: {second['from_cache']:,} vectors from the cache, {second['computed']:,} encoded",
            f"first indexing: {first['seconds']:.1f} s, {first['computed']:,} encoded, {first['from_cache']:,} from the cache",
            f"{ca['speedup']:.0f}x faster",
        ))
    tu = data.get("tui")
    if tu:
        rows.append((
            f"7. TUI, Enter to every column drawn ({tu['columns']}), {tu['queries']} queries",
            f"p50 {tu['p50_ms']:.0f} ms (p90 {tu['p90_ms']:.0f})",
            f"target p50 <= {TARGETS['tui_p50_ms']:.0f} ms",
            verdict(tu["p50_ms"], TARGETS["tui_p50_ms"]),
        ))
        if "echo_p50_ms" in tu:
            rows.append((
                f"7b. TUI, a key typed to its echo, {tu['echo_keys']} keys a key every 120 ms (searches as you type meanwhile)",
                f"p50 {tu['echo_p50_ms']:.1f} ms (p90 {tu['echo_p90_ms']:.1f})",
                f"target <= {TARGETS['echo_ms']:.0f} ms",
                verdict(tu["echo_p50_ms"], TARGETS["echo_ms"]),
            ))
    hl = data.get("headline")
    if hl:
        for mode, label in (("first", "first 256 tokens"), ("maxp", "MaxP windows")):
            if mode in hl:
                rows.append((
                    f"8{'a' if mode == 'first' else 'b'}. `searchkit eval` from nothing, {data['eval_corpus']}, {label}",
                    f"{hl[mode]['seconds']:.1f} s",
                    f"target <= {TARGETS['headline_s']:.0f} s" if mode == "first" else f"first: {hl['first']['seconds']:.1f} s",
                    verdict(hl[mode]["seconds"], TARGETS["headline_s"], data["quick"]) if mode == "first"
                    else f"maxp / first {hl['maxp']['seconds'] / hl['first']['seconds']:.2f}",
                ))

    out = [
        "# searchkit speed report",
        "",
        f"`python benchmarks/speed_report.py --out DIR{' --quick' if data['quick'] else ''}`, {data['started']}, "
        f"{data['machine']['cpu']} ({data['machine']['cores']} cores), torch {data['machine']['torch']}; "
        f"load average {data['load_average']['start']} at the start, {data['load_average']['end']} at the end.",
        "",
    ]
    if data["quick"]:
        out += [f"**--quick**: figures 4-6 and 8 on the first {QUICK_DOCS} SciFact documents "
                f"({data['subset']['queries']} test queries judged on them); figure 7 skipped.", ""]
    out += ["| figure | measured | reference / target | ratio / verdict |", "|---|---|---|---|"]
    out += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    out.append("")
    if lim:
        f = lim["flops"]
        out += [
            "## Notes",
            "",
            f"- FLOPs: per token 2 x P + 4 x seq x hidden x layers, P = {f['layer_parameters']:,} parameters in the "
            f"{f['layers']} transformer layers (embeddings excluded), hidden {f['hidden']}, seq the document's own "
            f"token count (at most {enc['max_seq_length']}). {f['tokens']:,} tokens ({f['mean_tokens']:.0f} per document; "
            f"{f['padded_tokens']:,} with batch padding): {f['flops'] / 1e12:.2f} TFLOP useful, "
            f"{f['padded_flops'] / 1e12:.2f} TFLOP computed, in {enc['searchkit_seconds_median']:.1f} s.",
        ]
    if cs:
        phases = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in cs["phases_s"].items())
        tops = ", ".join(f"{item['module']} {item['cumulative_ms'] / 1000:.2f} s" for item in cs["top_imports"][:8])
        out += [
            f"- Cold start, where the time goes (one fresh process timing its own phases): {phases}. "
            f"`python -X importtime` of the search: {cs['imports_total_s_importtime']:.2f} s of imports in all; "
            f"the largest: {tops}. The disk cache was warm (one untimed run first).",
        ]
    if hl:
        for mode in hl:
            scores = ", ".join(f"{name} {value:.3f}" for name, value in hl[mode]["ndcg@10"].items() if value is not None)
            out.append(f"- `{hl[mode]['command']}`: nDCG@10 {scores}.")
    out.append("")
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="folder for speed.md and speed.json")
    parser.add_argument("--quick", action="store_true", help=f"index and evaluate the first {QUICK_DOCS} documents; no TUI figure")
    args = parser.parse_args()
    if not SCIFACT.is_dir():
        sys.exit(f"SciFact not found at {SCIFACT}")
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import torch

    from searchkit.corpus import load_corpus

    args.out.mkdir(parents=True, exist_ok=True)
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), platform.processor())
    data: dict[str, Any] = {
        "quick": args.quick,
        "started": time.strftime("%Y-%m-%d %H:%M"),
        "machine": {"cpu": cpu, "cores": os.cpu_count(), "torch": torch.__version__, "torch_threads": torch.get_num_threads()},
        "load_average": {"start": load_average()},
        "targets": TARGETS,
    }
    rounds = 2 if args.quick else 3
    scifact = load_corpus(SCIFACT)
    with tempfile.TemporaryDirectory(prefix="speed-report-") as scratch_name:
        scratch = Path(scratch_name)
        os.environ["XDG_CACHE_HOME"] = str(scratch / "cache")  # the query export is made in this run, the user's cache untouched
        if args.quick:
            corpus_dir = scratch / f"scifact-first{QUICK_DOCS}"
            data["subset"] = write_subset(SCIFACT, corpus_dir, QUICK_DOCS)
            corpus = load_corpus(corpus_dir)
            data["eval_corpus"] = f"first {QUICK_DOCS} SciFact documents"
        else:
            corpus_dir, corpus = SCIFACT, scifact
            data["eval_corpus"] = f"SciFact ({len(scifact.documents):,} documents)"
        home = scratch / "home"

        log("1. encoding docs/s")
        texts = [d.content for d in list(scifact.documents.values())[:256]]
        enc = encoding_rates(texts, rounds)
        model = enc.pop("model")
        data["encoding"] = enc
        log("2. FLOPs and matmul rates")
        flops = model_flops(model, texts, enc["batch_size"])
        matmul = matmul_rates(repeats_fp32=7, repeats_bf16=1 if args.quick else 3)
        del model
        achieved = flops["flops"] / enc["searchkit_seconds_median"] / 1e9
        data["limit"] = {
            "flops": flops,
            "matmul": matmul,
            "achieved_gflops": achieved,
            "percent_of_fp32_peak": 100 * achieved / matmul["fp32_gflops"],
            "percent_of_fp32_peak_padded": 100 * flops["padded_flops"] / enc["searchkit_seconds_median"] / 1e9 / matmul["fp32_gflops"],
            "percent_of_bf16_peak": 100 * achieved / matmul["bf16_gflops"],
        }
        log("3. BM25 queries/s")
        data["bm25"] = bm25_rates(scifact, rounds)

        log(f"6. indexing {corpus.name} twice (the embedding cache)")
        data["cache"] = index_twice(corpus, home)
        log("4. dense query latency")
        test_queries = [scifact.queries[q] for q in scifact.qrels]
        data["dense"] = dense_latency(corpus.name, home, test_queries[:100] if args.quick else test_queries)
        log("5. cold start")
        data["cold_start"] = cold_start(corpus.name, home, repeats=3)
        if not args.quick:
            log("7. TUI latency")
            data["tui"] = tui(corpus.name, home)
        log("8. the headline A/B")
        shown = f"<first {QUICK_DOCS} of SciFact>" if args.quick else "../shared/datasets/scifact"
        data["headline"] = headline(corpus_dir, scratch, shown)

    data["load_average"]["end"] = load_average()
    (args.out / "speed.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    text = render(data)
    (args.out / "speed.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
