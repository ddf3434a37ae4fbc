"""TUI latency: from Enter in the query box to every column drawn, and from a key typed to its echo.

Drives the real app headless with Textual's pilot over an existing index's own queries, models
loaded. Echo: the time from a key sent to the first screen update that shows it, typing a query a key
every `gap` seconds (searches as you type run meanwhile, as they do for a user).

    python benchmarks/tui_latency.py INDEX [--home DIR] [--queries 20] [--gap 0.12]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import torch
from textual.pilot import Pilot
from textual.widgets import Input

from searchkit.index import Index
from searchkit.tui.app import SearchkitApp
from searchkit.tui.session import Options

_T = TypeVar("_T")


async def ready(app: SearchkitApp, pilot: Pilot) -> None:
    screen = app.search_screen
    while screen.session is None or screen.loading_models:
        await pilot.pause(0.1)


async def measure(options: Options, queries: list[str]) -> list[float]:
    app = SearchkitApp(options)
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(app, pilot)
        screen = app.search_screen
        box = screen.query_one("#query", Input)
        latencies = []
        for query in queries:
            box.focus()
            with box.prevent(Input.Changed):  # no search while typing: Enter alone
                box.value = query
            await pilot.pause(0.1)  # the typed query drawn, as it is when a user presses Enter
            screen.last_latency = None
            await pilot.press("enter")
            while screen.last_latency is None:
                await pilot.pause(0.01)
            latencies.append(screen.last_latency)
        return latencies


async def measure_echo(options: Options, text: str, gap: float) -> list[float]:
    app = SearchkitApp(options)
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(app, pilot)
        screen = app.search_screen
        box = screen.query_one("#query", Input)
        box.focus()
        await pilot.pause(0.5)
        drawn: list[tuple[float, str]] = []  # (when, the box's text) of each screen update
        update = screen._compositor_refresh

        def recorded() -> None:
            update()
            drawn.append((time.perf_counter(), box.value))

        screen._compositor_refresh = recorded  # type: ignore[method-assign]
        sent = []
        for key in text:
            sent.append(time.perf_counter())
            app.simulate_key(key)
            await asyncio.sleep(gap)
        await pilot.pause(0.5)
        return [next(t for t, value in drawn if t >= at and value.startswith(text[: i + 1])) - at for i, at in enumerate(sent)]


def single_threaded_torch(run: Callable[[], _T]) -> _T:
    """`run()` with torch on one thread, as `searchkit tui` runs it (restored afterwards)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return run()
    finally:
        torch.set_num_threads(threads)


def echo_latencies(index_name: str, home: Path | None, gap: float = 0.12) -> list[float]:
    """Seconds from each key to its echo, typing the index's first query (at most 60 keys) a key every `gap` s."""
    with Index.open(index_name, home=home) as index:
        text = next(iter(index.corpus().queries.values()))[:60]
    return single_threaded_torch(lambda: asyncio.run(measure_echo(Options(index_name, home=home), text, gap)))


def enter_latencies(index_name: str, home: Path | None, count: int = 20) -> list[float]:
    """Seconds from Enter to every column drawn, for the index's first `count` queries (after 2 warm-ups).

    Torch runs on one thread meanwhile, as `searchkit tui` runs it (restored afterwards).
    """
    with Index.open(index_name, home=home) as index:
        queries = list(index.corpus().queries.values())[: count + 2]
    return single_threaded_torch(lambda: asyncio.run(measure(Options(index_name, home=home), queries)))[2:]  # 2 warm-ups


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("index")
    parser.add_argument("--home", type=Path)
    parser.add_argument("--queries", type=int, default=20)
    parser.add_argument("--gap", type=float, default=0.12, help="seconds between keys typed (default: 0.12)")
    args = parser.parse_args()
    ms = sorted(1000 * t for t in enter_latencies(args.index, args.home, args.queries))
    print(f"Enter, {len(ms)} queries: p50 {statistics.median(ms):.0f} ms, p90 {ms[int(0.9 * (len(ms) - 1))]:.0f} ms, "
          f"min {ms[0]:.0f} ms, max {ms[-1]:.0f} ms")
    ms = sorted(1000 * t for t in echo_latencies(args.index, args.home, args.gap))
    print(f"echo, {len(ms)} keys: p50 {statistics.median(ms):.1f} ms, p90 {ms[int(0.9 * (len(ms) - 1))]:.1f} ms, max {ms[-1]:.1f} ms")


if __name__ == "__main__":
    main()
