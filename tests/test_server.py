"""`tocsin serve` and the guarded uvicorn server, against real servers on loopback.

Nothing here is timed: a connection is closed or it is not, a request is answered or it is not.
Deadlines are set short so that the tests stay fast.
"""

from __future__ import annotations

import http.client
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tocsin import Coder
from tocsin.api import create_app
from tocsin.cli import app as cli
from tocsin.server import Limits, listen, server
from tocsin.storage.store import Store

LIMITS = Limits(keep_alive=1, header_timeout=0.5, max_connections=8)


@pytest.fixture(scope="module")
def port(tmp_path_factory: pytest.TempPathFactory, coder: Coder) -> Iterator[int]:
    db = tmp_path_factory.mktemp("server") / "events.duckdb"
    Store(db).close()
    sock = listen("127.0.0.1", 0)
    running = server(create_app(db, coder=coder), LIMITS)
    thread = threading.Thread(target=running.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not running.started:
            thread.join(0.05)
        yield sock.getsockname()[1]
    finally:
        running.should_exit = True
        thread.join(30)
        sock.close()


def _get(port: int, path: str, host: str = "127.0.0.1") -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    connection.request("GET", path, headers={"Host": host})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def _closed_by_server(sock: socket.socket) -> bool:
    """True when the server has closed the connection (waits up to 20 s for it)."""
    sock.settimeout(20)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


def test_a_connection_that_sends_no_request_is_closed(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port)) as silent:
        assert _closed_by_server(silent)


def test_a_request_head_that_never_ends_is_closed(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port)) as slow:
        slow.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 1")
        assert _closed_by_server(slow)


def test_when_full_the_longest_idle_connections_make_room(port: int) -> None:
    idle = [
        socket.create_connection(("127.0.0.1", port)) for _ in range(3 * LIMITS.max_connections)
    ]
    try:
        assert _get(port, "/api/v1/health").status == 200
        assert _closed_by_server(idle[0])
    finally:
        for sock in idle:
            sock.close()


def test_a_foreign_host_name_is_refused(port: int) -> None:
    assert _get(port, "/api/v1/health", host=f"rebound.example:{port}").status == 400
    assert _get(port, "/api/v1/health", host=f"localhost:{port}").status == 200


def test_serve_refuses_a_missing_store(tmp_path: Path) -> None:
    missing = tmp_path / "typo.duckdb"
    result = CliRunner().invoke(cli, ["serve", "--db", str(missing)])
    assert result.exit_code == 2 and "--create" in result.output
    assert "no such database" in result.output and not missing.exists()


def test_serve_on_a_busy_port_fails_before_printing_its_address(tmp_path: Path) -> None:
    db = tmp_path / "events.duckdb"
    Store(db).close()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = str(taken.getsockname()[1])
        result = CliRunner().invoke(cli, ["serve", "--db", str(db), "--port", busy])
    assert result.exit_code == 2 and f"port {busy}" in result.output and "in use" in result.output
    assert "http://" not in result.output and len(result.output.splitlines()) == 1
