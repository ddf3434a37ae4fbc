"""Indexing throughput: cls+mean+sbert MiniLM together vs SentenceTransformer.encode alone.

Both run on the same documents in one process, interleaved slice by slice so that any change in
machine load hits both alike. Reports docs/s of each and their ratio.

    python benchmarks/index_throughput.py [--dataset scifact] [--limit N] [--slices 4]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from searchkit.corpus import Corpus, load_corpus
from searchkit.encoders import load_encoders
from searchkit.index import Index
from searchkit.indexing import index_corpus

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default="scifact")
    parser.add_argument("--limit", type=int, default=None, help="first N documents only")
    parser.add_argument("--slices", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()

    corpus = load_corpus(SHARED / args.dataset)
    docs = list(corpus.documents.values())[: args.limit]
    encoders = load_encoders("cls:minilm,mean:minilm,sbert:minilm")
    model = encoders[0].backbone.model  # the same SentenceTransformer the sbert: encoder runs
    model.encode(["warm up"])

    st_seconds = index_seconds = 0.0
    step = -(-len(docs) // args.slices)
    with tempfile.TemporaryDirectory() as home:
        for number, start in enumerate(range(0, len(docs), step)):
            part = docs[start : start + step]
            texts = [d.content for d in part]
            began = time.perf_counter()
            model.encode(texts, batch_size=args.batch_size)
            st_seconds += time.perf_counter() - began

            sliced = Corpus(f"{corpus.name}-{number}", corpus.path, {d.id: d for d in part})
            with Index.open(sliced.name, home=Path(home), create=True) as index:
                began = time.perf_counter()
                index_corpus(sliced, encoders, index, batch_size=args.batch_size)
                index_seconds += time.perf_counter() - began
            print(f"slice {number}: {len(part)} docs, ST.encode {st_seconds:.1f} s, index {index_seconds:.1f} s so far", flush=True)

    st_rate, index_rate = len(docs) / st_seconds, len(docs) / index_seconds
    print(f"{args.dataset}: {len(docs)} documents, max_seq_length {model.max_seq_length}, batch {args.batch_size}")
    print(f"SentenceTransformer.encode (sbert only):        {st_rate:6.1f} docs/s")
    print(f"searchkit index cls+mean+sbert (+ Qdrant writes): {index_rate:6.1f} docs/s")
    print(f"ratio: {index_rate / st_rate:.3f}")


if __name__ == "__main__":
    main()
