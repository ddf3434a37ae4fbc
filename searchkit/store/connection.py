"""Connecting to Qdrant, and what its failures mean to a user.

Every call on a client `connect` returns goes through `_store_errors`: an unreachable, refusing,
slow or confused server, or embedded storage that cannot be read or written, becomes one
`StoreError` naming the server (never its credentials) or the folder, and what to do.
"""

from __future__ import annotations

import functools
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from searchkit.errors import IndexDamagedError, IndexLockedError, StoreError

if TYPE_CHECKING:
    from qdrant_client import QdrantClient

API_KEY_VARIABLES = ("SEARCHKIT_QDRANT_API_KEY", "QDRANT_API_KEY")
TIMEOUT_VARIABLE = "SEARCHKIT_QDRANT_TIMEOUT"
DEFAULT_TIMEOUT = 60  # seconds a server may take to answer one request
TRANSIENT_STATUSES = (429, 502, 503, 504)  # a busy or restarting server: worth asking again


class TransientStoreError(StoreError):
    """A failure that may pass: the server unreachable, slow, or answering 429/502/503/504."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after  # seconds, when the server said (Retry-After)


def connect(storage: Path, url: str | None = None) -> QdrantClient:
    """A server client when `url` is given (API key from the environment, checked to answer), else embedded storage."""
    if url:
        return _connect_server(url)
    make_folder(storage)
    return _Guarded(_open_embedded(storage), f"the embedded index at {storage}")  # type: ignore[return-value]


def make_folder(storage: Path) -> None:
    """Create the folder of embedded storage, or fail with one line saying what to do."""
    try:
        storage.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StoreError(
            f"cannot create the index folder {storage}: {error.strerror}; "
            "choose a folder you can write with --home or $SEARCHKIT_HOME"
        ) from None


def redact(url: str) -> str:
    """`url` without a user name or password, for messages and reports."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "the --qdrant-url given"
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=f"***@{host}{port}"))


def _connect_server(url: str) -> QdrantClient:
    from qdrant_client import QdrantClient

    where = f"Qdrant at {redact(url)}"
    api_key = next((os.environ[v] for v in API_KEY_VARIABLES if os.environ.get(v)), None)
    try:
        client = QdrantClient(url=url, api_key=api_key, timeout=_timeout(), check_compatibility=False)
    except ValueError as error:
        raise StoreError(f"--qdrant-url {redact(url)}: {error}; give a URL such as http://localhost:6333") from None
    guarded = _Guarded(client, where)
    try:
        guarded.info()  # one cheap request: fail here, before anything slow, if the server does not answer
    except StoreError:
        client.close()
        raise
    return guarded  # type: ignore[return-value]


def check_server(url: str, collection: str) -> None:
    """Fail now, not after models have loaded, if the server at `url` does not answer or refuses our API key."""
    client = _connect_server(url)
    try:
        client.collection_exists(collection)
    finally:
        client.close()


def _timeout() -> int:
    text = os.environ.get(TIMEOUT_VARIABLE)
    if text is None:
        return DEFAULT_TIMEOUT
    try:
        seconds = int(text)
    except ValueError:
        seconds = 0
    if seconds < 1:
        raise StoreError(f"${TIMEOUT_VARIABLE} must be a whole number of seconds >= 1, got {text!r}")
    return seconds


def _open_embedded(storage: Path) -> QdrantClient:
    from qdrant_client import QdrantClient

    try:
        return QdrantClient(path=str(storage))
    except RuntimeError as error:
        if "already accessed" not in str(error):
            raise damaged(storage, error) from None
        raise locked(storage) from None
    except OSError as error:
        raise StoreError(
            f"cannot open the embedded index at {storage}: {error.filename or storage}: {error.strerror or error}"
        ) from None
    except Exception as error:  # local mode reads JSON, SQLite and pickles: any failure here means damaged files
        raise damaged(storage, error) from None


def locked(storage: Path) -> IndexLockedError:
    return IndexLockedError(
        f"the embedded index at {storage} is open in another process; wait for it to finish, "
        "or run a Qdrant server (docker compose up) and pass --qdrant-url"
    )


def damaged(storage: Path, error: Exception) -> IndexDamagedError:
    return IndexDamagedError(
        f"the embedded index at {storage} is damaged and cannot be read ({type(error).__name__}: {error}); "
        "restore it from a backup, or move it away and build it again with `searchkit index`"
    )


class _Guarded:
    """A client whose every method call fails with a `StoreError`, never with the client's own exceptions."""

    def __init__(self, client: QdrantClient, where: str) -> None:
        self._client = client
        self._where = where

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if not callable(attribute):
            return attribute

        @functools.wraps(attribute)
        def call(*args: Any, **kwargs: Any) -> Any:
            with _store_errors(self._where):
                return attribute(*args, **kwargs)

        return call


@contextmanager
def _store_errors(where: str) -> Iterator[None]:
    import httpx
    from qdrant_client.common.client_exceptions import ResourceExhaustedResponse
    from qdrant_client.http.exceptions import (
        ResponseHandlingException,
        UnexpectedResponse,
    )

    try:
        yield
    except UnexpectedResponse as error:
        kind = TransientStoreError if error.status_code in TRANSIENT_STATUSES else StoreError
        raise kind(_refused(where, error)) from None
    except ResourceExhaustedResponse as error:  # a 429 with Retry-After
        raise TransientStoreError(
            f"{where} is rate limiting requests (429: {error}); try again later", float(error.retry_after_s)
        ) from None
    except ResponseHandlingException as error:
        kind = TransientStoreError if isinstance(error.source, httpx.TransportError) else StoreError
        raise kind(_unanswered(where, error.source)) from None
    except (httpx.HTTPError, json.JSONDecodeError) as error:  # a 200 answer that is not JSON is decoded unguarded
        kind = TransientStoreError if isinstance(error, httpx.TransportError) else StoreError
        raise kind(_unanswered(where, error)) from None
    except sqlite3.Error as error:
        raise StoreError(f"{where}: the storage failed ({error}); free disk space or check the folder, then run again") from None
    except OSError as error:
        raise StoreError(f"{where}: {error.strerror or error}{_space_hint(error)}") from None


def _refused(where: str, error: Any) -> str:
    status = error.status_code
    if status in (401, 403):
        return (
            f"{where} refused the request ({status} {error.reason_phrase}): set $SEARCHKIT_QDRANT_API_KEY "
            "to the server's API key"
        )
    detail = _server_message(error.content)
    if status is not None and status >= 500:
        return f"{where} failed ({status} {error.reason_phrase}{detail}); check the server's log and try again"
    return f"{where} rejected the request ({status} {error.reason_phrase}{detail})"


def _server_message(content: bytes) -> str:
    try:
        message = json.loads(content)["status"]["error"]
    except (ValueError, KeyError, TypeError):
        return ""
    return f": {str(message)[:200]}"


def _unanswered(where: str, source: Exception) -> str:
    import httpx

    if isinstance(source, httpx.TimeoutException):
        return (
            f"{where} did not answer within {_timeout()} s; check that the server is up and not overloaded "
            f"(${TIMEOUT_VARIABLE} sets the wait)"
        )
    if isinstance(source, httpx.TransportError):
        return (
            f"cannot reach {where} ({type(source).__name__}); start it (docker compose up -d) or fix "
            "--qdrant-url / $SEARCHKIT_QDRANT_URL / $QDRANT_URL"
        )
    return f"{where} sent an answer searchkit cannot read; is that URL a Qdrant server (version 1.x)?"


def _space_hint(error: OSError) -> str:
    import errno

    return "; free some disk space and run the command again" if error.errno == errno.ENOSPC else ""
