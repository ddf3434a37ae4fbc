"""Encoder specs: parsing, canonical form, errors, and the `searchkit encoders` listing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from searchkit.cli import main
from searchkit.encoders import (
    POOLINGS,
    available_kinds,
    canonical_spec,
    parse_spec,
    split_specs,
)
from searchkit.errors import EncoderSpecError


def test_parse_spec() -> None:
    assert parse_spec("sbert:minilm") == ("sbert", "minilm")
    assert parse_spec("  mean:minilm \n") == ("mean", "minilm")
    assert parse_spec("max:minilm") == ("max", "minilm")
    assert parse_spec("firstlast:minilm") == ("firstlast", "minilm")
    # only the first colon separates: a model may contain colons
    assert parse_spec("cls:org/model:rev") == ("cls", "org/model:rev")


def test_local_folder_becomes_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "models" / "mine").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    assert canonical_spec("cls:models/mine") == f"cls:{tmp_path.resolve() / 'models' / 'mine'}"
    assert canonical_spec("cls:models/absent") == "cls:models/absent"  # not a folder: left as written


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("minilm", "must look like KIND:MODEL"),
        (":minilm", "must look like KIND:MODEL"),
        ("cls:", "must look like KIND:MODEL"),
        ("", "must look like KIND:MODEL"),
        ("bogus:minilm", "unknown encoder kind 'bogus' in 'bogus:minilm'; available: cls, firstlast, max, mean, sbert"),
    ],
)
def test_bad_specs(spec: str, message: str) -> None:
    with pytest.raises(EncoderSpecError) as caught:
        parse_spec(spec)
    assert message in str(caught.value)


def test_split_specs_canonicalizes_and_deduplicates() -> None:
    assert split_specs("sbert:minilm, cls:minilm,,sbert:minilm ") == ["sbert:minilm", "cls:minilm"]
    assert split_specs(["mean:minilm", " mean:minilm"]) == ["mean:minilm"]
    with pytest.raises(EncoderSpecError):
        split_specs("cls:minilm,nocolon")


def test_builtin_kinds() -> None:
    kinds = available_kinds()
    assert {"cls", "mean", "max", "firstlast", "sbert"} <= set(POOLINGS)
    assert [name for name, pooling in POOLINGS.items() if pooling.all_layers] == ["firstlast"]
    for name, pooling in POOLINGS.items():
        assert kinds[name].provider == "searchkit"
        assert kinds[name].description == pooling.description


def test_encoders_command_lists_kinds_and_aliases(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["encoders"]) == 0
    out = capsys.readouterr().out
    for name, pooling in POOLINGS.items():
        assert f"{name} " in out and pooling.description in out
    assert "max " in out and "firstlast " in out and "SimCSE's first-last avg" in out
    assert "minilm" in out and "sentence-transformers/all-MiniLM-L6-v2" in out
    assert "searchkit.encoders" in out


HEAVY = ("torch", "transformers", "sentence_transformers", "qdrant_client")


@pytest.mark.parametrize("argv", [["encoders"], ["--help"], ["index", "--help"], ["search", "--help"]])
def test_cli_listing_and_help_import_nothing_heavy(argv: list[str]) -> None:
    code = (
        "import sys, searchkit.cli\n"
        "try:\n"
        f"    searchkit.cli.main({argv!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"
