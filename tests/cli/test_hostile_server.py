"""A Qdrant server that is down, hangs, refuses or talks nonsense: one line naming it (without credentials), never a traceback.

Answers are the HTTP responses qdrant-client receives, intercepted with respx; a server that is
down is a real closed port, and one that hangs a real socket that never answers.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import respx
from conftest import assert_clean_error

from searchkit.cli import main
from searchkit.store.connection import redact

pytestmark = pytest.mark.filterwarnings("ignore:Api key is used with an insecure connection")

URL = "http://qdrant.test:6333"
SECRET_KEY = "secret-key-123"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture()
def silent_server() -> Iterator[int]:
    """A port that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    listener.close()


def test_unreachable_server_is_named_without_credentials(tmp_path: Path, tiny_corpus: Path, run_searchkit) -> None:
    url = f"http://admin:hunter2@127.0.0.1:{closed_port()}"
    for argv in (["search", "tiny", "q", "--bm25"], ["index", tiny_corpus], ["eval", tiny_corpus, "--bm25"], ["tui", "tiny"]):
        env = {"SEARCHKIT_QDRANT_API_KEY": SECRET_KEY}
        result = run_searchkit(*argv, "--qdrant-url", url, "--home", tmp_path, env=env, timeout=60)
        assert_clean_error(result, f"cannot reach Qdrant at {redact(url)} (ConnectError)", "docker compose up")
        assert "hunter2" not in result.stderr + result.stdout and SECRET_KEY not in result.stderr + result.stdout
        assert "encoding" not in result.stderr  # found before any model loaded


@pytest.mark.parametrize("variables", [["QDRANT_URL"], ["SEARCHKIT_QDRANT_URL", "QDRANT_URL"]])
def test_the_server_url_from_the_environment(tmp_path: Path, capsys, monkeypatch, variables: list[str]) -> None:
    ports = {name: closed_port() for name in variables}
    for name, port in ports.items():
        monkeypatch.setenv(name, f"http://127.0.0.1:{port}")
    assert main(["search", "tiny", "q", "--bm25", "--home", str(tmp_path)]) == 1
    # SEARCHKIT_QDRANT_URL wins over QDRANT_URL
    assert f"cannot reach Qdrant at http://127.0.0.1:{ports[variables[0]]} (ConnectError)" in capsys.readouterr().err


def test_hanging_server_times_out(tmp_path: Path, silent_server: int, run_searchkit) -> None:
    url = f"http://127.0.0.1:{silent_server}"
    result = run_searchkit("search", "tiny", "q", "--bm25", "--qdrant-url", url, env={"SEARCHKIT_QDRANT_TIMEOUT": "1"}, timeout=60)
    assert_clean_error(result, f"Qdrant at {url} did not answer within 1 s", "SEARCHKIT_QDRANT_TIMEOUT")


def test_bad_timeout_setting(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SEARCHKIT_QDRANT_TIMEOUT", "soon")
        assert main(["search", "tiny", "q", "--bm25", "--qdrant-url", URL]) == 1
    assert "$SEARCHKIT_QDRANT_TIMEOUT must be a whole number of seconds" in capsys.readouterr().err


# what the server answers to GET /collections/tiny/exists, and what the message says
ANSWERS = {
    "401": ({"status_code": 401, "text": "Unauthorized"}, "refused the request (401 Unauthorized): set $SEARCHKIT_QDRANT_API_KEY"),
    "403": ({"status_code": 403, "json": {"status": {"error": "forbidden"}}}, "refused the request (403 Forbidden)"),
    "500": ({"status_code": 500, "json": {"status": {"error": "disk broke"}}}, "failed (500 Internal Server Error: disk broke); check the server's log"),
    "503": ({"status_code": 503, "text": "<html>proxy down</html>"}, "failed (503 Service Unavailable); check the server's log"),
    "400": ({"status_code": 400, "json": {"status": {"error": "bad name"}}}, "rejected the request (400 Bad Request: bad name)"),
    "garbage JSON": ({"status_code": 200, "text": "{not json"}, "sent an answer searchkit cannot read; is that URL a Qdrant server"),
    "wrong JSON": ({"status_code": 200, "json": {"result": "yes"}}, "sent an answer searchkit cannot read"),
}


@pytest.mark.parametrize("case", ANSWERS, ids=list(ANSWERS))
def test_server_answers(tmp_path: Path, tiny_corpus: Path, capsys: pytest.CaptureFixture[str], case: str) -> None:
    answer, message = ANSWERS[case]
    url = "http://reader:pa55word@qdrant.test:6333"
    with pytest.MonkeyPatch.context() as patch, respx.mock(base_url=URL, assert_all_called=False) as server:
        patch.setenv("SEARCHKIT_QDRANT_API_KEY", SECRET_KEY)
        server.get("/").respond(json={"title": "qdrant", "version": "1.20.0"})
        server.get("/collections/tiny/exists").respond(**answer)
        # `index` checks the server before loading models: the default encoders never load here
        for argv in (["search", "tiny", "q", "--bm25"], ["index", str(tiny_corpus)]):
            assert main([*argv, "--qdrant-url", url, "--home", str(tmp_path)]) == 1
            err = capsys.readouterr().err
            lines = [line for line in err.splitlines() if line.strip()]
            assert lines[-1] == lines[0] and lines[0].startswith(f"searchkit: error: Qdrant at {redact(url)} "), err
            assert message in err
            assert "pa55word" not in err and SECRET_KEY not in err


def test_garbage_at_the_root(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Something that is not Qdrant answers at the URL."""
    with respx.mock(base_url=URL) as server:
        server.get("/").respond(text="<html>a web page</html>")
        assert main(["search", "tiny", "q", "--bm25", "--qdrant-url", URL, "--home", str(tmp_path)]) == 1
    assert f"Qdrant at {URL} sent an answer searchkit cannot read" in capsys.readouterr().err


@pytest.mark.parametrize("url", ["ftp://user:pw@host:1", "http://[::1"])
def test_malformed_url(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "tiny", "q", "--bm25", "--qdrant-url", url]) == 1
    err = capsys.readouterr().err
    assert "--qdrant-url" in err and "pw" not in err


def test_redact() -> None:
    assert redact("http://user:pw@host:6333/prefix") == "http://***@host:6333/prefix"
    assert redact("https://host") == "https://host"
    assert redact("http://token@host") == "http://***@host"
