"""What users expect of a command line."""

from __future__ import annotations

import re
from importlib.metadata import version

import pytest

from searchkit.cli import main


def test_version(run_searchkit) -> None:
    result = run_searchkit("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"searchkit {version('searchkit')}\n"
    assert re.fullmatch(r"searchkit \d+\.\d+\S*\n", result.stdout)


def test_version_needs_no_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit:
        main(["--version"])
    assert exit.value.code == 0
    assert capsys.readouterr().out.startswith("searchkit ")
