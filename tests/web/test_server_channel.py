"""The server's connections (``web.channel``) on a real waitress on 127.0.0.1: answers
written by the workers arrive whole, also to clients that read slowly, and the main loop
waits for work instead of spinning while a worker writes.

The spin is counted, not timed: the main loop's polls per request. With four keep-alive
clients asking for a page of 1,400 bytes, waitress's own connection polled 25 to 88 times
per request (the more, the quieter the machine); ours polls about once.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from waitress import wasyncore

from web.server import Running, start

PAGE = b"Hello, world! " * 100
BIG = bytes(range(256)) * 16384  # 4 MiB: more than a socket buffer holds
CLIENTS, REQUESTS = 4, 150
WAIT = 30.0  # seconds a client may wait for an answer before the test fails


def app() -> Flask:
    flask = Flask("pages")
    flask.add_url_rule("/", "page", lambda: PAGE)
    flask.add_url_rule("/big", "big", lambda: BIG)
    return flask


@pytest.fixture
def polls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times waitress's main loop polls (counted from the next server on)."""
    count = [0]
    poll: Callable[..., Any] = wasyncore.poll2

    def counted(*args: Any, **kwargs: Any) -> Any:
        count[0] += 1
        return poll(*args, **kwargs)

    monkeypatch.setattr(wasyncore, "poll2", counted)
    return count


@pytest.fixture
def server() -> Iterator[Running]:
    running = start(app(), "127.0.0.1", 0, threads=4)
    try:
        yield running
    finally:
        running.stop()


def test_four_clients_get_every_page_whole_and_the_loop_does_not_spin(
    polls: list[int], server: Running
) -> None:
    failures: list[str] = []

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=WAIT)
        try:
            for _ in range(REQUESTS):
                conn.request("GET", "/")
                answer = conn.getresponse()
                if answer.status != 200 or answer.read() != PAGE:
                    failures.append(f"answer {answer.status}")
        finally:
            conn.close()

    polls[0] = 0
    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=2 * WAIT)
    assert not failures
    per_request = polls[0] / (CLIENTS * REQUESTS)
    assert per_request < 10, f"the main loop polled {per_request:.0f} times per request"


def test_a_client_reading_slowly_gets_a_large_answer_whole(server: Running) -> None:
    """The worker cannot send 4 MiB at once: what is left waits in the connection's
    buffer, and the main loop sends it as the client reads (woken by the worker once it
    let go of the buffer)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=WAIT) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
        sock.sendall(b"GET /big HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        time.sleep(0.3)  # the worker has written all it could by now
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
            if len(answer) < len(BIG) // 2:
                time.sleep(0.002)  # a slow reader for the first half
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and body == BIG
