"""Encoding documents with other backends than torch eager: torch.compile, onnxruntime (float32 and
dynamic int8) and OpenVINO (float32, when `pip install openvino` has installed it).

    python benchmarks/encoding_backends.py [--docs 256] [--rounds 3] [--ndcg]

The model is the packaged all-MiniLM-L6-v2, mean pooling (its own), max 256 word pieces, batch 32.
"torch fp32" runs searchkit's Backbone; "torch.compile" the same with its transformer compiled by
inductor (dynamic shapes; compiling is timed apart); "onnx fp32" the export `searchkit index` makes
for queries (`searchkit.encoders.onnx`); "onnx int8" that export with onnxruntime's dynamic int8
quantization (weights int8, activations quantized per batch); "openvino fp32" the same export
compiled by OpenVINO for the CPU. Rounds interleave the engines (medians); vectors are compared
with torch's by cosine. `--ndcg` also encodes the whole SciFact corpus and its test queries with
each and scores exact search by nDCG@10 (the adoption rule: a loss of at most 0.005).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

SCIFACT = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "scifact"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--ndcg", action="store_true")
    args = parser.parse_args()

    from onnxruntime.quantization import QuantType, quantize_dynamic

    from searchkit.corpus import load_corpus
    from searchkit.encoders import load_encoder
    from searchkit.encoders.onnx import OnnxBackbone, export_for_queries
    from searchkit.evaluation import evaluate

    backbone = load_encoder("mean:minilm", precision="fp32").backbone  # type: ignore[attr-defined]
    folder = export_for_queries(backbone)
    assert folder is not None, "MiniLM has no query export"
    with tempfile.TemporaryDirectory() as scratch:
        quantized = Path(scratch) / "int8"
        quantized.mkdir()
        for file in folder.iterdir():
            if file.name != "model.onnx":
                (quantized / file.name).write_bytes(file.read_bytes())
        quantize_dynamic(str(folder / "model.onnx"), str(quantized / "model.onnx"), weight_type=QuantType.QInt8)
        engines = {
            "torch fp32": lambda texts: backbone.encode(texts, ["mean"], "document")["mean"],
            "torch.compile": compiled(backbone),
            "onnx fp32": (lambda model: lambda texts: model.encode(texts, ["mean"])["mean"])(OnnxBackbone(folder, backbone.fingerprint)),
            "onnx int8": (lambda model: lambda texts: model.encode(texts, ["mean"])["mean"])(OnnxBackbone(quantized, "int8")),
        }
        if openvino := openvino_engine(folder):
            engines["openvino fp32"] = openvino
        else:
            print("openvino fp32: not measured (pip install openvino)")
        corpus = load_corpus(SCIFACT)
        documents = list(corpus.documents.values())
        texts = [d.content for d in documents[: args.docs]]
        started = time.perf_counter()
        engines["torch.compile"](texts[:32])
        print(f"torch.compile: compiling and a first batch took {time.perf_counter() - started:.1f} s")
        seconds: dict[str, list[float]] = {name: [] for name in engines}
        vectors: dict[str, np.ndarray] = {}
        for number in range(args.rounds):
            for name in list(engines) if number % 2 == 0 else list(engines)[::-1]:
                started = time.perf_counter()
                vectors[name] = engines[name](texts)
                seconds[name].append(time.perf_counter() - started)
        reference = vectors["torch fp32"]
        for name in engines:
            cosines = np.sum(vectors[name] * reference, axis=1)
            rate = len(texts) / statistics.median(seconds[name])
            print(f"{name}: {rate:.1f} docs/s ({rate * statistics.median(seconds['torch fp32']) / len(texts):.2f}x torch), "
                  f"cosine to torch min {cosines.min():.5f} mean {cosines.mean():.5f}")
        if args.ndcg:
            queries = {qid: corpus.queries[qid] for qid in corpus.qrels}
            for name, encode in engines.items():
                started = time.perf_counter()
                matrix = encode([d.content for d in documents])
                query_vectors = encode(list(queries.values()))
                scores = query_vectors @ matrix.T
                run = {}
                for row, qid in enumerate(queries):
                    top = np.argsort(-scores[row])[:100]
                    run[qid] = {documents[i].id: float(scores[row, i]) for i in top}
                ndcg = evaluate(corpus.qrels, run, ["ndcg@10"]).mean["ndcg@10"]
                print(f"{name}: SciFact nDCG@10 {ndcg:.4f} ({time.perf_counter() - started:.0f} s to encode and score)")


def compiled(backbone: Any) -> Callable[[list[str]], np.ndarray]:
    """The backbone's encoding with its transformer compiled by torch.compile (inductor, dynamic shapes)."""
    import torch

    transformer = backbone.model[0]
    eager, compiled_model = transformer.auto_model, torch.compile(transformer.auto_model, dynamic=True)

    def encode(texts: list[str]) -> np.ndarray:
        transformer.auto_model = compiled_model
        try:
            return backbone.encode(texts, ["mean"], "document")["mean"]
        finally:
            transformer.auto_model = eager

    return encode


def openvino_engine(folder: Path) -> Callable[[list[str]], np.ndarray] | None:
    """Mean pooling of the ONNX export run by OpenVINO on the CPU; None without openvino."""
    try:
        import openvino
    except ImportError:
        return None
    from searchkit.encoders.onnx import OnnxBackbone

    runner = OnnxBackbone(folder, "openvino")  # its tokenizer and pooling; OpenVINO runs the graph
    request = openvino.Core().compile_model(str(folder / "model.onnx"), "CPU").create_infer_request()

    class Session:
        def run(self, _: object, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
            return [next(iter(request.infer(feeds).values()))]

    runner.session = Session()  # type: ignore[assignment]
    return lambda texts: runner.encode(texts, ["mean"])["mean"]


if __name__ == "__main__":
    main()
