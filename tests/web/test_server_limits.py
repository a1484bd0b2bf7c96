"""The server's own limits, on a real waitress on 127.0.0.1: a body declared too large is
refused from its headers alone, before any of it is read; the client's address comes
from X-Forwarded-For only when the request comes from a trusted proxy (so one client
behind the proxy cannot spend everybody's allowance, and nobody can pick their own)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from web_shop import BASE, SECRET, START, Clock, Shop, make_config

from sheets_sync.config import load_config
from sheets_sync.errors import ConfigError
from sheets_sync.journal import Journal
from sheets_sync.links import LinkSigner
from web import create_app
from web.server import start

WAIT = 10.0  # seconds a socket may wait for an answer before the test fails


@contextmanager
def served(tmp_path: Path, **web: object) -> Iterator[str]:
    config = make_config(tmp_path, **web)
    journal = Journal(config.web.journal_path)
    app = create_app(config, journal, LinkSigner([SECRET], 30, BASE), now=Clock(START))
    running = start(app, "127.0.0.1", 0, threads=2)
    try:
        yield running.url
    finally:
        running.stop()
        journal.close()


def raw(url: str, head: str, body: bytes = b"") -> bytes:
    """Send a request as bytes on a plain socket; the whole answer (the server closes)."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=WAIT) as sock:
        sock.sendall(head.encode() + body)
        answer = b""
        while chunk := sock.recv(65536):  # a server still waiting for a body: timeout
            answer += chunk
    return answer


def test_a_body_declared_too_large_is_refused_before_it_is_read(shop: Shop) -> None:
    running = start(shop.app, "127.0.0.1", 0, threads=2)
    try:
        path = shop.link("Launches", "L-1")
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Content-Type: multipart/form-data; boundary=x\r\n"
            "Content-Length: 524288000\r\n\r\n"
        )
        answer = raw(running.url, head)  # not one byte of the 500 MB is sent
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]

        # a photo a little over the limit (1 MB here) is read, and gets the friendly page
        over = 1024 * 1024 + 200 * 1024
        field = b'--x\r\nContent-Disposition: form-data; name="text"\r\n\r\n'
        body = field + b"a" * over + b"\r\n--x--\r\n"
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            f"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        friendly = raw(running.url, head, body)
        assert friendly.startswith(b"HTTP/1.1 413") and b"The photo is too large" in friendly
    finally:
        running.stop()
    assert shop.journal.pending() == []


def test_a_forwarded_address_counts_only_from_a_trusted_proxy(tmp_path: Path) -> None:
    def statuses(url: str, forwarded: list[str]) -> list[int]:
        return [
            requests.get(url + "/a/x", headers={"X-Forwarded-For": f}, timeout=WAIT).status_code
            for f in forwarded
        ]

    with served(tmp_path / "trusted", rate_limit_per_minute=2, trusted_proxies=("127.0.0.1",)) as url:
        # behind the proxy every client has its own allowance
        assert statuses(url, ["203.0.113.1", "203.0.113.1", "203.0.113.1"]) == [404, 404, 429]
        assert statuses(url, ["203.0.113.2", "198.51.100.7, 203.0.113.3"]) == [404, 404]
    for name, proxies in (("default", ()), ("other", ("10.0.0.0/8",))):
        with served(tmp_path / name, rate_limit_per_minute=2, trusted_proxies=proxies) as url:
            # from an untrusted peer the header is ignored: no picking a fresh address
            assert statuses(url, ["203.0.113.1", "203.0.113.2", "203.0.113.3"]) == [404, 404, 429]


def test_trusted_proxies_must_be_addresses_or_networks(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[web]\ntrusted_proxies = ["127.0.0.1", "10.0.0.0/8", "::1"]\n', encoding="utf-8")
    assert load_config(path).web.trusted_proxies == ("127.0.0.1", "10.0.0.0/8", "::1")
    path.write_text('[web]\ntrusted_proxies = ["proxy.local"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[web\] trusted_proxies: 'proxy.local' is not an IP"):
        load_config(path)


def test_a_rate_limit_of_0_turns_it_off(tmp_path: Path) -> None:
    import gc

    config = make_config(tmp_path, rate_limit_per_minute=0)
    journal = Journal(config.web.journal_path)
    app = create_app(config, journal, LinkSigner([SECRET], 30, BASE), now=Clock(START))
    gc.collect()  # nothing the app needs may hang by a weak reference only
    client = app.test_client()
    assert {client.get("/a/x").status_code for _ in range(50)} == {404}
    journal.close()
