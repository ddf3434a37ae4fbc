"""MaxP search over window points: searchkit's over-fetch-and-fold against Qdrant's grouping by doc_id.

    python benchmarks/window_search.py INDEX --home DIR [-k 100] [--repeats 5]

For every dense encoder of an index built with `--long-docs maxp`, answers the corpus's queries
both ways (same query vectors), checks they return the same documents with the same scores, and
prints the median time of each over `--repeats` runs, measured in the same process, interleaved.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

from searchkit.encoders import load_encoders
from searchkit.index import Index


def grouped(index: Index, vector: str, rows: np.ndarray, k: int) -> list[list[tuple[str, float]]]:
    """Qdrant's own grouping: the best point per doc_id (the store's client, used here for the comparison only)."""
    store = index.store
    results = []
    for row in rows:
        answer = store.client.query_points_groups(
            store.collection, query=row.tolist(), using=vector, group_by="doc_id", limit=k, group_size=1
        )
        results.append([(str(group.id), group.hits[0].score) for group in answer.groups])
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("index")
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("-k", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with Index.open(args.index, home=args.home) as index:
        corpus = index.corpus()
        queries = list(corpus.queries.values())
        records = {spec: r for spec, r in index.manifest.encoders.items() if r.long_docs == "maxp"}
        for encoder in load_encoders(list(records)):
            vector = records[encoder.spec].vector
            rows = encoder.encode(queries, "query")
            fold_times, group_times = [], []
            for _ in range(args.repeats):
                started = time.perf_counter()
                folded = index.store.search(vector, rows, args.k)
                fold_times.append(time.perf_counter() - started)
                started = time.perf_counter()
                groups = grouped(index, vector, rows, args.k)
                group_times.append(time.perf_counter() - started)
            same = all(
                [h.doc_id for h in hits] == [d for d, _ in group] and np.allclose([h.score for h in hits], [s for _, s in group], atol=1e-6)
                for hits, group in zip(folded, groups)
            )
            fold, group = statistics.median(fold_times), statistics.median(group_times)
            print(
                f"{encoder.spec}: {len(queries)} queries, top {args.k}: fold {fold * 1000:.0f} ms, "
                f"group_by {group * 1000:.0f} ms (group_by / fold = {group / fold:.2f}); same documents and scores: {same}"
            )


if __name__ == "__main__":
    main()
