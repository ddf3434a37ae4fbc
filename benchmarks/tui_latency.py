"""TUI latency: from Enter in the query box to every column drawn, models loaded.

Drives the real app headless with Textual's pilot over an existing index's own queries.

    python benchmarks/tui_latency.py INDEX [--home DIR] [--queries 20]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
from pathlib import Path

import torch
from textual.widgets import Input

from searchkit.index import Index
from searchkit.tui.app import SearchkitApp
from searchkit.tui.session import Options


async def measure(options: Options, queries: list[str]) -> list[float]:
    app = SearchkitApp(options)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = app.search_screen
        while screen.session is None:
            await pilot.pause(0.1)
        box = screen.query_one("#query", Input)
        latencies = []
        for query in queries:
            box.focus()
            with box.prevent(Input.Changed):  # no search while typing: Enter alone
                box.value = query
            screen.last_latency = None
            await pilot.press("enter")
            while screen.last_latency is None:
                await pilot.pause(0.01)
            latencies.append(screen.last_latency)
        return latencies


def enter_latencies(index_name: str, home: Path | None, count: int = 20) -> list[float]:
    """Seconds from Enter to every column drawn, for the index's first `count` queries (after 2 warm-ups).

    Torch runs on one thread meanwhile, as `searchkit tui` runs it (restored afterwards).
    """
    with Index.open(index_name, home=home) as index:
        queries = list(index.corpus().queries.values())[: count + 2]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as `searchkit tui` runs
    try:
        return asyncio.run(measure(Options(index_name, home=home), queries))[2:]  # 2 warm-ups
    finally:
        torch.set_num_threads(threads)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("index")
    parser.add_argument("--home", type=Path)
    parser.add_argument("--queries", type=int, default=20)
    args = parser.parse_args()
    ms = sorted(1000 * t for t in enter_latencies(args.index, args.home, args.queries))
    print(f"{len(ms)} queries: p50 {statistics.median(ms):.0f} ms, p90 {ms[int(0.9 * (len(ms) - 1))]:.0f} ms, "
          f"min {ms[0]:.0f} ms, max {ms[-1]:.0f} ms")


if __name__ == "__main__":
    main()
