"""An index: a collection in a vector store, named after it, plus a folder for its side files (BM25, judgments).

The folder is `<home>/<name>`; embedded storage lives inside it, while with a server URL the
collection lives there and the folder keeps only the side files. The manifest (corpus, encoders,
model fingerprints, dimensions) is kept with the collection.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from searchkit.corpus import Corpus, load_corpus
from searchkit.corpus.beir import is_beir_folder
from searchkit.encoders import Encoder
from searchkit.errors import (
    IndexDamagedError,
    IndexMismatchError,
    IndexNotFoundError,
    SearchkitError,
)
from searchkit.store import VectorStore, holds_embedded_store, open_store

HOME_VARIABLE = "SEARCHKIT_HOME"
URL_VARIABLE = "SEARCHKIT_QDRANT_URL"
URL_FALLBACK = "QDRANT_URL"  # read when URL_VARIABLE is not set
MANIFEST_FORMAT = 1
CACHE_FOLDER = ".embedding-cache"  # in the home; a dot name no index can take (see check_index_name)


def default_home() -> Path:
    return Path(os.environ.get(HOME_VARIABLE, "indexes"))


def default_url() -> str | None:
    return os.environ.get(URL_VARIABLE) or os.environ.get(URL_FALLBACK) or None


_NAME_FORBIDDEN = set('/\\<>:"|?*')  # as Qdrant forbids in collection names


def cache_folder(home: Path | None = None) -> Path:
    """The embedding cache shared by the indexes of a home (see `searchkit.encoders.cache`)."""
    return (home or default_home()) / CACHE_FOLDER


def check_index_name(name: str, given: str | Path | None = None) -> str:
    """`name` if it can name an index (a folder under the home and a Qdrant collection), else an error."""
    bad = (
        name in ("", ".", "..", CACHE_FOLDER) or len(name) > 255
        or any(char in _NAME_FORBIDDEN or not char.isprintable() for char in name)
    )  # fmt: skip
    if bad:
        raise SearchkitError(
            f"{str(given if given is not None else name)!r} cannot name an index: an index name is 1 to 255 printable "
            f"characters other than / \\ < > : \" | ? *, and not . or .. or {CACHE_FOLDER}; choose one with --name"
        )
    return name


def check_home(home: Path) -> Path:
    """`home` if it is a folder of indexes (or can become one), else an error saying what to change."""
    existing = next((path for path in (home, *home.parents) if path.exists()), home)
    if not existing.is_dir() and existing.exists():
        problem = "is not a folder" if existing == home else f"cannot be created: {existing} is a file"
        raise SearchkitError(
            f"index home {home} {problem}; point --home or ${HOME_VARIABLE} at a folder (it is created if missing)"
        )
    return home


def vector_name(spec: str) -> str:
    """A Qdrant vector name for an encoder spec: readable, and unique per spec."""
    readable = re.sub(r"[^A-Za-z0-9._-]+", "-", spec).strip("-")
    if readable == spec.replace(":", "-", 1) and len(readable) <= 64:
        return readable
    return f"{readable[-48:].strip('-')}-{hashlib.sha1(spec.encode()).hexdigest()[:8]}"


@dataclass(frozen=True)
class EncoderRecord:
    spec: str
    vector: str
    dimension: int
    fingerprint: str
    documents: int = 0  # points holding a vector from this model, counted after each indexing run
    # How long documents are seen: {"long_docs": "maxp" | "first", "tokens": window size in word pieces,
    # and for windows "stride" and "scheme"}; None for an encoder that reads each document whole.
    windows: dict[str, Any] | None = None
    long_documents: int = 0  # documents longer than one window, counted after each run
    windowed: int = 0  # documents whose every window holds a vector from this model
    precision: str = "fp32"  # what the built-in encoders computed in ("fp32", "bf16"); "" when the encoder does not say

    @property
    def long_docs(self) -> str:
        """How this encoder's index sees long documents: "maxp" (best window), "first" (truncated) or "whole"."""
        return self.windows["long_docs"] if self.windows else "whole"


@dataclass
class Manifest:
    corpus_name: str
    corpus_path: str
    split: str
    encoders: dict[str, EncoderRecord] = field(default_factory=dict)
    corpus_kind: str = ""
    corpus_documents: int = 0  # documents in the corpus at the last indexing run

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": MANIFEST_FORMAT,
            "corpus": {
                "name": self.corpus_name,
                "path": self.corpus_path,
                "split": self.split,
                "kind": self.corpus_kind,
                "documents": self.corpus_documents,
            },
            "encoders": {spec: asdict(record) for spec, record in self.encoders.items()},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Manifest:
        corpus = data.get("corpus", {})
        encoders = {spec: EncoderRecord(**record) for spec, record in data.get("encoders", {}).items()}
        return cls(
            corpus.get("name", ""), corpus.get("path", ""), corpus.get("split", "test"), encoders,
            corpus.get("kind", ""), corpus.get("documents", 0),
        )  # fmt: skip


def corpus_kind(path: Path) -> str:
    """What a corpus path holds, in words: "BEIR folder", "text folder", ".jsonl file", ..."""
    if path.is_dir():
        return "BEIR folder" if is_beir_folder(path) else "text folder"
    return f"{''.join(path.suffixes[-2:]) or path.name} file"


class Index:
    """A named index; open one with `Index.open(name)`, build one with `searchkit.indexing`."""

    def __init__(self, name: str, folder: Path, store: VectorStore) -> None:
        self.name = name
        self.folder = folder
        self.store = store

    @staticmethod
    def names(home: Path | None = None) -> list[str]:
        """The embedded indexes under `home`."""
        home = check_home(home or default_home())
        try:
            return sorted(p.name for p in home.iterdir() if holds_embedded_store(p)) if home.is_dir() else []
        except OSError as error:
            raise SearchkitError(f"cannot list the index home {home}: {error.strerror}; check its permissions") from None

    @staticmethod
    def is_index_folder(path: Path) -> bool:
        return path.is_dir() and holds_embedded_store(path)

    @classmethod
    def locate(cls, name_or_path: str | Path, home: Path | None = None) -> tuple[str, Path]:
        """An existing index folder is used as is; otherwise the name is looked up under `home`."""
        path = Path(name_or_path).expanduser()
        if cls.is_index_folder(path):
            return path.resolve().name, path
        return check_index_name(path.name, name_or_path), check_home(home or default_home()) / path.name

    @classmethod
    def open(
        cls, name_or_path: str | Path, *, home: Path | None = None, url: str | None = None, create: bool = False
    ) -> Index:
        name, folder = cls.locate(name_or_path, home)
        url = url or default_url()
        if not create and not url and not cls.is_index_folder(folder):
            known = cls.names(folder.parent)
            hint = f"; indexes in {folder.parent}: {', '.join(known)}" if known else ""
            raise IndexNotFoundError(f"no index {name!r} at {folder} (build it with `searchkit index`){hint}")
        index = cls(name, folder, open_store(folder, name, url))
        if not create and not index.store.exists():
            index.close()
            raise IndexNotFoundError(f"no collection {name!r} in {index.store.location if url else folder} (build it with `searchkit index`)")
        return index

    @property
    def manifest(self) -> Manifest:
        try:
            return Manifest.from_dict(self.store.manifest())
        except (AttributeError, KeyError, TypeError, ValueError) as error:
            raise IndexDamagedError(
                f"the manifest of index {self.name!r} is damaged "
                f"({type(error).__name__}: {error}); build the index again with `searchkit index`"
            ) from None

    def record_for(self, encoder: Encoder) -> EncoderRecord:
        """The stored record of `encoder`; an error if the index lacks it or its model changed."""
        records = self.manifest.encoders
        record = records.get(encoder.spec)
        if record is None:
            held = ", ".join(records) or "none"
            raise IndexMismatchError(
                f"index {self.name!r} holds no vectors for {encoder.spec!r} (it holds: {held}); "
                f"add them with `searchkit index CORPUS --name {self.name} --encoders {encoder.spec}`"
            )
        precision = getattr(encoder, "precision", record.precision)
        if record.precision and precision != record.precision:
            raise IndexMismatchError(
                f"index {self.name!r} holds {record.precision} vectors of {encoder.spec!r}, but the encoder was loaded "
                f"in {precision}: search with --precision {record.precision}, or re-index with --precision {precision}"
            )
        if record.fingerprint != encoder.fingerprint or record.dimension != encoder.dimension:
            raise IndexMismatchError(
                f"the model behind {encoder.spec!r} changed since index {self.name!r} was built "
                f"(fingerprint {record.fingerprint} -> {encoder.fingerprint}); re-run `searchkit index` to re-encode"
            )
        return record

    @property
    def location(self) -> str:
        """Where the index lives, for messages: its folder, or its collection on a server."""
        return str(self.folder) if self.store.location == "embedded" else f"collection {self.name!r} on {self.store.location}"

    def coverage_warnings(self, specs: list[str] | None = None) -> list[str]:
        """A line for a partial index (an interrupted run), and for each encoder (of `specs`, default
        all) whose vectors or windows cover only part of it."""
        if not self.store.exists():
            return []
        manifest = self.manifest
        total = self.store.count()
        complete = f"run `searchkit index {manifest.corpus_path} --name {self.name}` to complete it"
        warnings = []
        if total < manifest.corpus_documents:
            warnings.append(
                f"index {self.name!r} holds {total} of the {manifest.corpus_documents} documents of its corpus "
                f"(indexing was interrupted): results and scores leave the others out; {complete}"
            )
        for spec, record in manifest.encoders.items():
            if specs is not None and spec not in specs:
                continue
            if record.documents < total:
                warnings.append(
                    f"{spec} covers {record.documents} of {total} documents (indexing was interrupted or ran "
                    f"without it); {complete} with --encoders {spec}"
                )
            elif record.long_docs == "maxp" and record.windowed < record.documents:
                warnings.append(
                    f"{spec} has the windows of only {record.windowed} of {record.documents} documents (indexing "
                    f"was interrupted): the others are scored by their start alone; {complete}"
                )
        return warnings

    def corpus(self) -> Corpus:
        """The corpus the index was built from (read again from its recorded path)."""
        manifest = self.manifest
        return load_corpus(manifest.corpus_path, manifest.split)

    @property
    def bm25_folder(self) -> Path:
        return self.folder / "bm25"

    @property
    def judgments_path(self) -> Path:
        return self.folder / "judgments.tsv"

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
