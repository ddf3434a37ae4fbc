"""When an embedded index outgrows one machine, from the growth `benchmarks/scale.py` measures (README "How cost grows").

An optimized edge shard keeps, per stored vector, an int8 copy and its HNSW links in memory (float32
vectors stay on disk, read only to rescore). Building the graphs (`optimize`) holds far more: about
5.5 KB per 384-dim vector (1,400 MB peak indexing 50k documents x 3 vectors, 580 MB without the build),
and takes this machine's cores for a time that grows with the points. A Qdrant server or cluster
spreads all of it over machines (`searchkit migrate`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

LINK_BYTES = 64  # HNSW m 32, compressed links per vector (55 B measured at 100k documents)
POINT_BYTES = 160  # id tracker and payload indexes per point
BUILD_BYTES_PER_DIMENSION = 14.5  # optimize's peak per vector dimension: float32 copies and the graph being built
BUILD_CORE_SECONDS = 0.0008  # HNSW m 32 / ef_construct 200 per 384-dim vector: 300k vectors in ~115 s on 2 cores
MEMORY_SHARE = 0.5  # of this machine's memory, leaving the rest to the encoders, BM25 and the OS
BUILD_HOURS = 1.0  # an index whose HNSW build takes longer is rebuilt too slowly here


def resident_bytes(points: int, dimensions: Sequence[int]) -> int:
    """Memory an optimized embedded index of `points` points with one vector per dimension in `dimensions` keeps."""
    return points * (POINT_BYTES + sum(dimension + LINK_BYTES for dimension in dimensions))


def build_bytes(points: int, dimensions: Sequence[int]) -> int:
    """Memory building the HNSW graphs of such an index takes at its peak."""
    return int(points * sum(BUILD_BYTES_PER_DIMENSION * dimension for dimension in dimensions))


def build_seconds(points: int, dimensions: Sequence[int], cores: int) -> float:
    return points * sum(BUILD_CORE_SECONDS * dimension / 384 for dimension in dimensions) / max(cores, 1)


def outgrown(points: int, dimensions: Sequence[int], *, memory: int | None = None, cores: int | None = None) -> list[str]:
    """Why this machine (`memory` bytes, `cores`; default: its own) no longer suits an embedded index of
    `points` points with vectors of `dimensions`; empty while it does."""
    memory = memory or os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    cores = cores or os.cpu_count() or 1
    reasons = []
    building = build_bytes(points, dimensions)
    if building > MEMORY_SHARE * memory:
        reasons.append(f"building its HNSW graphs needs about {building / 2**30:.1f} GiB of this machine's {memory / 2**30:.0f} GiB")
    resident = resident_bytes(points, dimensions)
    if resident > MEMORY_SHARE * memory:
        reasons.append(f"its HNSW graphs and int8 vectors take about {resident / 2**30:.1f} GiB of this machine's {memory / 2**30:.0f} GiB")
    build = build_seconds(points, dimensions, cores)
    if build > BUILD_HOURS * 3600:
        reasons.append(f"building its HNSW graphs takes about {build / 3600:.1f} h on {cores} cores")
    return reasons
