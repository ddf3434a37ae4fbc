"""Model folders that cannot load: one line naming the folder or file, before anything is indexed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from searchkit.cli import main
from searchkit.encoders.model_folders import ALIASES


def minilm_copy(tmp_path: Path) -> Path:
    """The packaged MiniLM as links to its files, but for a copy of config.json (so that changing it changes no original)."""
    source = ALIASES["minilm"][1]()
    folder = tmp_path / "model"
    folder.mkdir()
    for path in source.iterdir():
        if path.name != "config.json":
            (folder / path.name).symlink_to(path, target_is_directory=path.is_dir())
    shutil.copyfile(source / "config.json", folder / "config.json")
    return folder


def broken_config(folder: Path) -> None:
    (folder / "config.json").write_text('{"hidden_size": 384,\n "model_type": }\n')


def list_config(folder: Path) -> None:
    (folder / "config.json").write_text("[1, 2]")


def weights_in_subfolder(folder: Path) -> None:
    (folder / "weights").mkdir()
    (folder / "model.safetensors").rename(folder / "weights" / "model.safetensors")


def empty_config(folder: Path) -> None:
    (folder / "config.json").write_text("{}")


# what to do to the model folder, the message (with {folder} filled in)
BROKEN = {
    "invalid config.json": (broken_config, "{folder}/config.json:2: invalid JSON (Expecting value); the model folder is damaged"),
    "config.json not an object": (list_config, "{folder}/config.json is not a JSON object"),
    "config.json missing": (lambda folder: (folder / "config.json").unlink(), "{folder}/config.json is missing"),
    "weights only in a subfolder": (weights_in_subfolder, "has no weights beside its config.json, only in the subfolder {folder}/weights"),
    "config transformers cannot use": (empty_config, "({folder}) cannot be loaded: "),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_broken_model_folder(tmp_path: Path, tiny_corpus: Path, capsys: pytest.CaptureFixture[str], case: str) -> None:
    change, message = BROKEN[case]
    folder = minilm_copy(tmp_path)
    change(folder)
    home = tmp_path / "indexes"
    assert main(["index", str(tiny_corpus), "--encoders", f"cls:{folder}", "--home", str(home)]) == 1
    err = capsys.readouterr().err
    error = [line for line in err.splitlines() if line.startswith("searchkit: error:")]
    assert len(error) == 1 and message.format(folder=folder) in error[0], err
    assert not (home / "tiny" / "qdrant" / "collection").exists()  # nothing indexed
