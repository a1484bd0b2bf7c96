"""Web submit path: latency with a fast vs a 5 s slow workbook, and requests per second.

    python -m benchmarks.bench_web [--submits 300 --throughput 600 --clients 4 --rounds 5]

The submit path writes only the journal's inbox (one write on a file opened with O_DSYNC:
on disk before the answer is thanked) and never touches the workbook; the journal moves
the inbox into its SQLite table, many answers per transaction, before anything reads it.
To show it, each latency run has a flusher running the real flush step concurrently, once
against an in-memory workbook answering at once and once against one that takes 5 s to
read and 5 s to write.

Throughput: the submit endpoint against its floor, a bare Flask hello-world, both on the
same waitress server (``web.server.start``: the limits ``serve`` uses, 4 threads) under the
same load: ``--clients`` keep-alive connections sending ``--throughput`` requests in all.
The submit's clock stops only once every answer is also in the journal's table (the
absorption a page or the sync would do next is counted, not left for later).
The forms the clients post (each with its own key and CSRF proof) are filled in before the
clock starts, as a browser got them with the page: in the clock, the clients in this
process only send and read, for the hello-world as for the submit.
Beside them, for information, a bare Flask POST that reads the same form and answers the
same 303 with no body: the shape of the request and its answer with none of our work.
The three alternate for ``--rounds`` rounds (the machine's load drifts; alternating shares
the drift) and the median of each is compared: the target is a submit rate of at least
half the hello-world's. Everything runs on 127.0.0.1, bounded in count and time.
"""

from __future__ import annotations

import argparse
import http.client
import logging
import os
import secrets
import statistics
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from werkzeug.wrappers import Response

from benchmarks import Row, emit, peak_mb
from sheets_sync.backends.base import ChangeSet, WriteResult
from sheets_sync.backends.memory import MemoryBackend
from sheets_sync.config import Config, WebConfig
from sheets_sync.journal import Absorbed, Journal
from sheets_sync.links import LinkSigner
from sheets_sync.samples.demo import demo_tabs
from sheets_sync.steps.answers import flush_step
from sheets_sync.steps.links import publish_step
from sheets_sync.sync import run_sync
from sheets_sync.workbook import Snapshot
from web import create_app
from web.server import start
from web.site import see_other

MAX_SECONDS = 60.0  # no single phase runs longer than this
SERVER_THREADS = 4  # waitress threads, the same for the submit endpoint and its floor
TARGET = 0.50  # submits per second at least half the hello-world's


class SlowBackend:
    """A workbook that takes ``delay`` seconds to answer each read and each write."""

    def __init__(self, inner: MemoryBackend, delay: float) -> None:
        self.inner, self.delay = inner, delay

    def describe(self) -> str:
        return f"in-memory workbook answering after {self.delay:g} s"

    def read(self) -> Snapshot:
        time.sleep(self.delay)
        return self.inner.read()

    def write(self, changes: ChangeSet) -> WriteResult:
        time.sleep(self.delay)
        return self.inner.write(changes)


def _setup(tmp: Path) -> tuple[Config, Journal, LinkSigner, MemoryBackend, str]:
    config = Config(
        web=replace(
            WebConfig(),
            journal_path=tmp / "journal.sqlite3",
            upload_dir=tmp / "uploads",
            rate_limit_per_minute=0,
        )
    )
    journal = Journal(config.web.journal_path)
    signer = LinkSigner([secrets.token_urlsafe(32)], 30, config.web.base_url)
    backend = MemoryBackend(demo_tabs(datetime.now(UTC).date()))
    run_sync(backend, config, datetime.now(UTC), [publish_step(journal, signer)])
    snap = backend.read()
    launches = snap.table("Launches")
    assert launches is not None
    link = next(
        str(v)
        for v, s in zip(launches.column_values("⚙ Link"), launches.column_values("⚙ State"), strict=True)
        if v and not str(s).startswith("Blocked")
    )
    return config, journal, signer, backend, link[len(config.web.base_url) :]


def _form(path: str, signer: LinkSigner, n: int) -> str:
    """A partner's Post progress form as the page gave it: its own key and CSRF proof."""
    token = path.rsplit("/", 1)[1]
    idem = secrets.token_urlsafe(16)
    return urllib.parse.urlencode(
        {
            "idem": idem,
            "csrf": signer.csrf(token, idem),
            "action": "progress",
            "status": "Started",
            "note": f"bench {n}",
        }
    )


def _post(conn: http.client.HTTPConnection, path: str, body: str) -> float:
    t0 = time.perf_counter()
    conn.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})
    resp = conn.getresponse()
    resp.read()
    elapsed = time.perf_counter() - t0
    if resp.status != 303:
        raise SystemExit(f"submit answered {resp.status}")
    return elapsed


def _flusher(backend: Any, config: Config, stop: threading.Event, done: list[int]) -> None:
    journal = Journal(config.web.journal_path)  # its own connection, as the sync process has
    try:
        while not stop.is_set():
            run_sync(backend, config, datetime.now(UTC), [flush_step(journal)])
            done.append(1)
            stop.wait(0.05)
    finally:
        journal.close()


def latency(delay: float, submits: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        config, journal, signer, backend, path = _setup(Path(tmp))
        app = create_app(config, journal, signer)
        server = start(app, threads=4)
        workbook: Any = backend if delay == 0 else SlowBackend(backend, delay)
        stop, flushed = threading.Event(), list[int]()
        flusher = threading.Thread(target=_flusher, args=(workbook, config, stop, flushed))
        flusher.start()
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        times = []
        deadline = time.monotonic() + MAX_SECONDS
        for n in range(submits):
            times.append(_post(conn, path, _form(path, signer, n)))
            if time.monotonic() > deadline:
                break
        conn.close()
        stop.set()
        flusher.join(timeout=3 * delay + 30)
        server.stop()
        pending = journal.counts()
        journal.close()
        q = statistics.quantiles(times, n=20)
        return {
            "n": len(times),
            "p50": statistics.median(times) * 1000,
            "p95": q[18] * 1000,
            "flushed": pending["submissions"] - pending["pending"],
            "syncs": len(flushed),
            "pending": pending["pending"],
        }


@dataclass
class Round:
    rate: float  # requests per second
    cpu_ms: float  # CPU milliseconds of this process (server and clients) per request
    absorbed: Absorbed | None  # for submits, how the answers moved into the table


def _cpu() -> float:
    t = os.times()
    return t.user + t.system


def bare_post() -> Any:
    """A bare Flask app answering the same form as the submit endpoint with the same 303
    and no body: what the shape of the request and answer costs, with none of our work."""
    from flask import Flask, request

    app = Flask("bare")

    def answer(token: str) -> Response:
        form = request.form
        return see_other(f"/p/{token}?done={form.get('action', '')}")

    app.add_url_rule("/p/<token>", "answer", answer, methods=["POST"])
    return app


def throughput(kind: str, total: int, clients: int) -> Round:
    """Requests per second of ``kind`` ("hello", "bare post" or "submit"), and what each
    cost."""
    with tempfile.TemporaryDirectory() as tmp:
        config, journal, signer, _backend, path = _setup(Path(tmp))
        if kind == "hello":
            from flask import Flask

            app: Any = Flask("hello")
            app.add_url_rule("/", "hello", lambda: "Hello, world!")
        elif kind == "bare post":
            app = bare_post()
        else:
            app = create_app(config, journal, signer)
        server = start(app, threads=SERVER_THREADS)
        each = total // clients
        # the forms are filled in before the clock starts, as browsers got them with the
        # page: the clients' own work in this process is only to send and read
        forms = [[_form(path, signer, c * each + n) for n in range(each)] for c in range(clients)]
        deadline = time.monotonic() + MAX_SECONDS

        def work(c: int) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            for n in range(each):
                if time.monotonic() > deadline:
                    break
                if kind == "hello":
                    conn.request("GET", "/")
                    conn.getresponse().read()
                else:
                    _post(conn, path, forms[c][n])
            conn.close()

        threads = [threading.Thread(target=work, args=(c,)) for c in range(clients)]
        t0, cpu0 = time.perf_counter(), _cpu()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        stored = kind == "submit"
        done = journal.counts()["submissions"] if stored else each * clients  # absorbs all
        elapsed, cpu = time.perf_counter() - t0, _cpu() - cpu0
        stats = replace(journal.absorbed) if stored else None
        server.stop()
        journal.close()
        return Round(done / elapsed, cpu * 1000 / done, stats)


def compare(total: int, clients: int, rounds: int) -> dict[str, Any]:
    """The submit endpoint and its hello-world floor, alternating, ``rounds`` each."""
    hello: list[Round] = []
    bare: list[Round] = []
    submit: list[Round] = []
    load = os.getloadavg()[0]
    for _ in range(rounds):
        hello.append(throughput("hello", total, clients))
        bare.append(throughput("bare post", total, clients))
        submit.append(throughput("submit", total, clients))
    absorbed = [r.absorbed for r in submit if r.absorbed is not None]
    batches = sum(a.transactions for a in absorbed)
    items = sum(a.answers for a in absorbed)
    largest = max((a.largest for a in absorbed), default=0)
    return {
        "hello": [r.rate for r in hello],
        "bare": [r.rate for r in bare],
        "submit": [r.rate for r in submit],
        "hello_cpu": statistics.median(r.cpu_ms for r in hello),
        "bare_cpu": statistics.median(r.cpu_ms for r in bare),
        "submit_cpu": statistics.median(r.cpu_ms for r in submit),
        "ratio": statistics.median(r.rate for r in submit) / statistics.median(r.rate for r in hello),
        "per_absorb": items / batches if batches else 0.0,
        "largest": largest,
        "load": (load, os.getloadavg()[0]),
    }


def print_throughput(r: dict[str, Any], total: int, clients: int) -> None:
    rounds = len(r["hello"])
    print(
        f"\nrequests/s, waitress {SERVER_THREADS} threads, {clients} keep-alive clients, "
        f"{total} requests a round, {rounds} rounds alternating; load average "
        f"{r['load'][0]:.1f} -> {r['load'][1]:.1f}"
    )
    print(f"{'endpoint':<44}{'median':>8}{'CPU ms':>8}   each round")
    for name, key in (
        ("GET / bare Flask hello-world (the floor)", "hello"),
        ("POST, bare Flask: the form read, 303", "bare"),
        ("POST /p/<token> (answer durable, then 303)", "submit"),
    ):
        each = " ".join(f"{v:.0f}" for v in r[key])
        print(f"{name:<44}{statistics.median(r[key]):>8.0f}{r[key + '_cpu']:>8.2f}   {each}")
    verdict = "met" if r["ratio"] >= TARGET else "NOT met"
    per_round = " ".join(f"{s / h:.0%}" for s, h in zip(r["submit"], r["hello"], strict=True))
    print(
        f"{'submit / hello-world':<44}{r['ratio']:>8.0%}   {per_round}   "
        f"(target >= {TARGET:.0%}: {verdict})"
    )
    bare_ratio = statistics.median(r["submit"]) / statistics.median(r["bare"])
    print(f"{'submit / bare POST (same request and answer)':<44}{bare_ratio:>8.0%}")
    print(
        f"{'CPU per request, hello-world / submit':<44}{r['hello_cpu'] / r['submit_cpu']:>8.0%}"
        "   (server and clients in this process: the ratio a CPU-bound machine allows)"
    )
    print(
        f"{'answers per absorbing transaction':<44}{r['per_absorb']:>8.1f}   "
        f"largest {r['largest']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submits", type=int, default=300)
    parser.add_argument("--throughput", type=int, default=600)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "queue depth" chatter
    fast = latency(0.0, args.submits)
    slow = latency(5.0, args.submits)
    print(f"\nsubmit latency ({args.submits} answers, one client, flusher running alongside)")
    print(f"{'workbook':<28}{'p50 ms':>9}{'p95 ms':>9}{'applied':>9}{'syncs':>7}{'left':>6}")
    for name, r in (("answers at once", fast), ("5 s read + 5 s write", slow)):
        print(
            f"{name:<28}{r['p50']:>9.1f}{r['p95']:>9.1f}{r['flushed']:>9.0f}"
            f"{r['syncs']:>7.0f}{r['pending']:>6.0f}"
        )
    result = compare(args.throughput, args.clients, args.rounds)
    print_throughput(result, args.throughput, args.clients)
    emit_rows(fast, slow, result)


def emit_rows(fast: dict[str, float], slow: dict[str, float], r: dict[str, Any]) -> None:
    """The figures in the benchmarks' shared row format, for `python -m benchmarks`."""
    rounds = len(r["hello"])
    hello, submit = statistics.median(r["hello"]), statistics.median(r["submit"])
    emit(Row("web", "hello-world GET (floor)", hello, "req/s", rounds, peak_mb=peak_mb()))
    emit(Row("web", "submit POST, durable before 303", submit, "req/s", rounds,
             floor_name="hello-world", floor=hello, target=TARGET, target_kind="ratio>=",
             peak_mb=peak_mb(), note=f"{r['per_absorb']:.0f} answers per absorbing transaction"))
    bare = statistics.median(r["bare"])
    emit(Row("web", "bare Flask POST, form read, 303 (for information)", bare, "req/s", rounds,
             peak_mb=peak_mb()))
    emit(Row("web", "submit POST against the bare POST", submit, "req/s", rounds,
             floor_name="bare POST", floor=bare, note="same request and answer, none of our work"))
    emit(Row("web", "submit p50, answers at once", fast["p50"], "ms", note=f"p95 {fast['p95']:.1f} ms"))
    emit(Row("web", "submit p50, 5 s workbook", slow["p50"], "ms", note=f"p95 {slow['p95']:.1f} ms"))


if __name__ == "__main__":
    main()
