"""Every retriever over the judged queries: `searchkit eval`'s table, recall@k curves, per-query scores."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, ProgressBar, Static
from textual.worker import get_current_worker
from textual_plotext import PlotextPlot

from searchkit.display import printable
from searchkit.errors import SearchkitError
from searchkit.experiments import (
    ExperimentReport,
    format_cell,
    metric_label,
    significance_note,
    write_report,
)
from searchkit.tui.session import CURVE_MAX_K, Cancelled, Evaluation, Session
from searchkit.tui.text import natural_key


class EvalScreen(Screen[str | None]):
    """Dismisses with the text of a query to open side by side, or None.

    The evaluation runs in a thread; Esc goes back at once and cancels it (after the chunk of queries
    being answered). A finished one is kept by the session and shown at once next time."""

    BINDINGS = [
        Binding("escape", "dismiss_screen", "Back (cancels)"),
        Binding("x", "export", "Export report"),
    ]

    def __init__(self, session: Session, hidden: set[str], *, export: bool = False) -> None:
        super().__init__()
        self.session = session
        self.hidden = set(hidden)
        self.export_when_done = export
        self.report: ExperimentReport | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text("evaluating every retriever over the judged queries…", style="yellow"), id="eval-status")
        yield ProgressBar(id="eval-progress", show_eta=False)
        yield DataTable(id="eval-table", cursor_type="row", zebra_stripes=True)
        with Horizontal(id="eval-bottom"):
            with Vertical(id="eval-per-query"):
                yield Static(Text("per query, largest disagreement first (Enter: open it side by side)", style="dim"), id="eval-per-query-title")
                yield DataTable(id="eval-queries", cursor_type="row", zebra_stripes=True)
            yield PlotextPlot(id="eval-curve")
        yield Footer()

    def on_mount(self) -> None:
        cached = self.session.cached_evaluation(self.hidden)
        if cached is not None:
            self._done(cached)
        else:
            self.evaluate()

    @work(thread=True, exclusive=True, group="eval")
    def evaluate(self) -> None:
        worker = get_current_worker()

        def show(callback: Callable[..., None], *args: object) -> None:
            """`callback(*args)` on the app's thread, unless leaving the screen cancelled the worker."""
            if not worker.is_cancelled:
                self.app.call_from_thread(lambda: None if worker.is_cancelled else callback(*args))

        try:
            evaluation = self.session.evaluate(self.hidden, partial(show, self._progress), lambda: worker.is_cancelled)
        except Cancelled:
            return
        except SearchkitError as error:
            show(self._failed, str(error))
            return
        except Exception as error:  # a bug, or the index closed under it: say so, never crash
            show(self._failed, f"unexpected {type(error).__name__}: {error}")
            return
        show(self._done, evaluation)

    def _progress(self, done: int, total: int) -> None:
        self.query_one(ProgressBar).update(total=total, progress=done)
        self._status(f"evaluating: {done} of {total} judged queries answered (Esc: back, cancels)", "yellow")

    def _failed(self, message: str) -> None:
        self.query_one(ProgressBar).display = False
        self._status(message, "bold red")

    def _done(self, evaluation: Evaluation) -> None:
        self.query_one(ProgressBar).display = False
        self.report = evaluation.report
        self._show(evaluation.report, evaluation.curves)
        if self.export_when_done:
            self.action_export()

    def _status(self, text: str, style: str = "") -> None:
        self.query_one("#eval-status", Static).update(Text(printable(text, lines=True), style=style))

    def _show(self, report: ExperimentReport, curves: dict[str, list[float]]) -> None:
        table = self.query_one("#eval-table", DataTable)
        table.clear(columns=True)
        table.add_columns("", "retriever", *(metric_label(m) for m in report.metrics), "queries/s")
        for row in report.table_rows():
            cells = [format_cell(row.values[m], row.beats[m]) for m in report.metrics]
            table.add_row(row.label, Text(row.name), *cells, f"{row.queries_per_second:,.0f}", key=row.name)
        users = len(self.session.judgments.user)
        mine = f"Includes your judgments on {users} {'query' if users == 1 else 'queries'}. " if users else ""
        self._status(mine + significance_note(report))
        self._plot(curves)
        self._per_query(report)

    def _plot(self, curves: dict[str, list[float]]) -> None:
        plot = self.query_one(PlotextPlot)
        plt = plot.plt
        plt.clear_figure()
        plt.title("mean recall@k")
        # k on a log axis, computed here: plotext's own log scale fails now and then while rendering
        log_ks = [math.log10(k) for k in range(1, CURVE_MAX_K + 1)]
        for name, curve in curves.items():
            plt.plot(log_ks, curve, label=name, marker="braille")
        ticks = [k for k in (1, 3, 10, 30, 100) if k <= CURVE_MAX_K]
        plt.xticks([math.log10(k) for k in ticks], [str(k) for k in ticks])
        plt.xlabel("k")
        plt.ylim(0, 1)
        plot.refresh()

    def _per_query(self, report: ExperimentReport) -> None:
        table = self.query_one("#eval-queries", DataTable)
        table.clear(columns=True)
        metric = report.metrics[0]  # the primary metric, as `searchkit eval --diff` uses
        title = f"per query: {metric_label(metric)}, largest disagreement first (Enter: open it side by side)"
        self.query_one("#eval-per-query-title", Static).update(Text(title, style="dim"))
        table.add_columns("query", "text", *report.names)
        per_query = {name: report.evaluations[name].per_query[metric] for name in report.names}

        def spread(qid: str) -> float:
            values = [per_query[name][qid] for name in report.names]
            return max(values) - min(values)

        for qid in sorted(report.queries, key=lambda q: (-spread(q), natural_key(q))):
            text = printable(report.queries[qid])
            table.add_row(Text(printable(qid)), Text(text if len(text) <= 40 else text[:39] + "…"), *(f"{per_query[n][qid]:.2f}" for n in report.names), key=qid)

    @on(DataTable.RowSelected, "#eval-queries")
    def _open_query(self, event: DataTable.RowSelected) -> None:
        if self.report is not None and event.row_key.value is not None:
            self.dismiss(self.report.queries[event.row_key.value])

    def action_dismiss_screen(self) -> None:
        self.dismiss(None)  # the screen's removal cancels its evaluation

    def action_export(self) -> None:
        if self.report is None:
            self.export_when_done = True
            self.notify("the report is exported when the evaluation is done")
            return
        folder = self.session.index.folder / "report"
        write_report(self.report, folder)
        self.notify(f"report written to {folder} (report.md, report.json, runs/)", timeout=8)

