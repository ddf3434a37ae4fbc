"""The sentence-similarity report: its table (terminal, Markdown), JSON (settings, versions, tests, per-pair cosines) and files."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from searchkit.display import printable
from searchkit.experiments.anisotropy import PERCENTILES
from searchkit.experiments.report import versions
from searchkit.experiments.similarity import CORRELATIONS, SimilarityReport
from searchkit.experiments.table import format_cell, marks_note

if TYPE_CHECKING:
    from rich.table import Table

REPORT_FORMAT = "searchkit.sts/1"
HEADER = [
    *(f"{c.capitalize()} x100" for c in CORRELATIONS),
    "random pairs",
    f"{PERCENTILES[0]:g}th–{PERCENTILES[1]:g}th pct.",
]


def title(report: SimilarityReport) -> str:
    pairs = report.settings["pairs"]
    split = f"{pairs['split']} split" if pairs["split"] else "all pairs"
    return f"{pairs['name']} ({split}, {pairs['pairs']:,} pairs, {pairs['sentences']:,} distinct sentences)"


def significance_note(report: SimilarityReport) -> str:
    return marks_note(report.settings["significance"], "correlation", f"{report.settings['pairs']['pairs']:,} pairs")


def anisotropy_notes(report: SimilarityReport) -> list[str]:
    """What the random-pair column is, then a reading per encoder."""
    settings = report.settings["anisotropy"]
    low, high = settings["percentiles"]
    head = (
        f"Random pairs: the cosines of {settings['pairs']:,} random pairs of {settings['texts']} (seed {settings['random_seed']}): "
        f"their mean, and their {low:g}th to {high:g}th percentiles."
    )
    return [
        head,
        *(value.reading(name, "sentences") for name, value in report.anisotropy.items()),
    ]


def _cells(report: SimilarityReport, style: Literal["unicode", "markdown"]) -> dict[str, list[str]]:
    """Per encoder, the cells after its name: correlations with their marks, then the random-pair cosines."""
    cells = {}
    for row in report.table_rows():
        values = [format_cell(row.values[c], row.beats[c], style, decimals=2) for c in CORRELATIONS]
        spread = f"{row.anisotropy.low:.2f} to {row.anisotropy.high:.2f}"
        cells[row.name] = [*values, f"{row.anisotropy.mean:.3f}", spread]
    return cells


def markdown_table(report: SimilarityReport) -> str:
    header = ["", "encoder", *HEADER]
    lines = [
        f"| {' | '.join(header)} |",
        f"|{'|'.join(['---', '---'] + ['---:'] * (len(header) - 2))}|",
    ]
    cells = _cells(report, "markdown")
    for row in report.table_rows():
        lines.append(f"| {' | '.join([row.label, f'`{row.name}`', *cells[row.name]])} |")
    encoders = [
        f"- `{name}`: fingerprint {described['fingerprint']}, dimension {described['dimension']}"
        for name, described in report.encoders.items()
    ]
    notes = [f"- {line}" for line in anisotropy_notes(report)]
    return "\n".join(
        [
            f"# {title(report)}",
            "",
            *lines,
            "",
            significance_note(report),
            "",
            *notes,
            *encoders,
            "",
        ]
    )


def console_table(report: SimilarityReport) -> Table:
    """The table for a terminal (rich): significance marks as superscripts, number columns never wrapped."""
    from rich.table import Table
    from rich.text import Text

    cells = _cells(report, "unicode")
    table = Table(title=Text(printable(title(report))))  # names as they are, never as markup
    table.add_column("", no_wrap=True)
    table.add_column("encoder", overflow="fold")
    for column, label in enumerate(HEADER):
        widest = max(len(label), *(len(values[column]) for values in cells.values()))
        table.add_column(label, justify="right", no_wrap=True, min_width=widest)
    for row in report.table_rows():
        table.add_row(row.label, Text(printable(row.name)), *cells[row.name])
    return table


def report_to_dict(report: SimilarityReport) -> dict[str, Any]:
    """The JSON report: settings, encoders (model fingerprints), versions, table, tests, anisotropy, per-pair cosines."""
    return {
        "format": REPORT_FORMAT,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "settings": report.settings,
        "encoders": report.encoders,
        "versions": versions(),
        "encoding_seconds": report.seconds,
        "table": [asdict(row) for row in report.table_rows()],
        "correlations": report.correlations,
        "comparisons": [asdict(test) for tests in report.comparisons.values() for test in tests.values()],
        "anisotropy": {name: asdict(value) for name, value in report.anisotropy.items()},
        "per_pair": {
            "line": list(report.pairs.lines),
            "gold": list(report.pairs.scores),
            "cosine": {name: [round(float(c), 6) for c in cosine] for name, cosine in report.cosines.items()},
        },
    }


def write_report(report: SimilarityReport, folder: Path) -> list[Path]:
    """Write `report.json` and `report.md` into `folder`; returns the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    json_path, markdown_path = folder / "report.json", folder / "report.md"
    json_path.write_text(
        json.dumps(report_to_dict(report), indent=2, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    markdown_path.write_text(markdown_table(report), encoding="utf-8")
    return [json_path, markdown_path]
