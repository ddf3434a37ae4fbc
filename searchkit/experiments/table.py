"""The comparison table of a retrieval experiment: cells, labels, the Markdown table and the terminal table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from rich.table import Table

    from searchkit.experiments.retrieval import ExperimentReport

_METRIC_LABELS = {"ndcg": "nDCG", "recall": "Recall", "precision": "P", "mrr": "MRR", "map": "MAP"}
_SUPERSCRIPT = str.maketrans("abcdefghijklmnoprstuvwxyz", "ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻ")  # no superscript q


def metric_label(metric: str) -> str:
    """``ndcg@10`` -> ``nDCG@10``."""
    base, _, cutoff = metric.partition("@")
    return f"{_METRIC_LABELS.get(base, base)}@{cutoff}"


def format_cell(
    value: float, beats: list[str], style: Literal["unicode", "markdown", "plain"] = "unicode", decimals: int = 3
) -> str:
    """A value with the labels of the rows it significantly beats: ``0.645ᵃᵇ``, ``0.645<sup>a,b</sup>``, ``0.645 [a,b]``."""
    text = f"{value:.{decimals}f}"
    if not beats:
        return text
    if style == "unicode":
        return text + "".join(beats).translate(_SUPERSCRIPT)
    if style == "markdown":
        return f"{text}<sup>{','.join(beats)}</sup>"
    return f"{text} [{','.join(beats)}]"


def marks_note(test: dict[str, Any], measure: str, sample: str) -> str:
    """One sentence stating a significance test (report settings' "significance"), its settings and what a mark means."""
    return (
        f"A mark x means significantly better than row x on that {measure}: {test['test']}, "
        f"{test['resamples']:,} resamples, seed {test['random_seed']}, p <= {test['max_p']:g}, "
        f"{test['multiple_comparisons']}; {sample}."
    )


def significance_note(report: ExperimentReport) -> str:
    """The marks note of the retrieval table, and the text every retriever read."""
    note = marks_note(report.settings["significance"], "metric", f"{len(report.queries)} queries")
    return f"{note} Document text for every retriever: {report.settings['text']}."


def long_documents_note(report: ExperimentReport) -> list[str]:
    """A line per dense retriever saying how it saw documents longer than it reads, and how many there are."""
    documents = report.settings["corpus"]["documents"]
    lines = []
    for name, described in report.retrievers.items():
        if described.get("kind") != "dense" or "tokens" not in described:
            continue
        longer = f"{described['long_documents']} of {documents} documents are longer than {described['tokens']} word pieces"
        if described["long_docs"] == "maxp":
            title = ", the title before every window" if described.get("title") == "every" else ""
            how = f"scores a document by its best window of {described['tokens']} word pieces (stride {described['stride']}{title})"
        else:
            how = f"reads only the first {described['tokens']} word pieces of a document"
        lines.append(f"{name} {how}; {longer}.")
    return lines


def anisotropy_notes(report: ExperimentReport) -> list[str]:
    """A line per dense retriever on how similar it finds random pairs of the corpus's documents."""
    return [described["anisotropy"]["reading"] for described in report.retrievers.values() if "anisotropy" in described]


def settings_text(described: dict[str, Any], keys: Sequence[str] | None = None) -> str:
    """``key=value, ...`` for a retriever's settings: `keys` in order, or all but kind, text and anisotropy."""
    keys = keys or [key for key in described if key not in {"kind", "text", "anisotropy"}]

    def shown(value: Any) -> str:
        if isinstance(value, list):
            return ",".join(shown(item) for item in value)
        return "none" if value is None else f"{value:g}" if isinstance(value, float) else str(value)

    return ", ".join(f"{key}={shown(described[key])}" for key in keys if key in described)


def markdown_table(report: ExperimentReport) -> str:
    rows = report.table_rows()
    header = ["", "retriever", *(metric_label(m) for m in report.metrics), "queries/s"]
    lines = [
        f"| {' | '.join(header)} |",
        f"|{'|'.join(['---', '---'] + ['---:'] * (len(header) - 2))}|",
    ]
    for row in rows:
        cells = [row.label, f"`{row.name}`"]
        cells += [format_cell(row.values[m], row.beats[m], "markdown") for m in report.metrics]
        cells.append(f"{row.queries_per_second:,.0f}")
        lines.append(f"| {' | '.join(cells)} |")
    corpus = report.settings["corpus"]
    title = f"{corpus['name']} ({corpus['split']} split, {corpus['evaluated_queries']} queries, {corpus['documents']} documents)"
    settings = [f"- `{name}`: {settings_text(described)}" for name, described in report.retrievers.items()]
    notes = [f"- {line}" for line in [*long_documents_note(report), *anisotropy_notes(report)]]
    return "\n".join([f"# {title}", "", *lines, "", significance_note(report), "", *notes, *settings, ""])


def console_table(report: ExperimentReport) -> Table:
    """The table for a terminal (rich): significance marks as superscripts, metric columns never wrapped."""
    from rich.table import Table

    corpus = report.settings["corpus"]
    rows = report.table_rows()
    cells = {row.name: [format_cell(row.values[m], row.beats[m]) for m in report.metrics] for row in rows}
    table = Table(title=f"{corpus['name']}: {corpus['evaluated_queries']} queries ({corpus['split']}), {corpus['documents']} documents")
    table.add_column("", no_wrap=True)
    table.add_column("retriever", overflow="fold")
    for column, metric in enumerate(report.metrics):
        label = metric_label(metric)
        widest = max(len(label), *(len(values[column]) for values in cells.values()))
        table.add_column(label, justify="right", no_wrap=True, min_width=widest)
    table.add_column("queries/s", justify="right", no_wrap=True, min_width=9)
    for row in rows:
        table.add_row(row.label, row.name, *cells[row.name], f"{row.queries_per_second:,.0f}")
    return table
