"""Running the app with waitress: ``serve(config)`` for ``sheets-sync serve``, and
``start(app)`` for a server in a background thread (tests, benchmarks). Both answer with
``web.channel``'s connections (waitress's own, but for a main loop that spun while a
worker wrote its answer).

Waitress writes no access log, so link tokens never reach a log file from here; the app's
own loggers (and werkzeug's, for ``flask run``) redact them (``web.security.redact``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sheets_sync.config import Config
from sheets_sync.lock import SyncBusy

from .channel import create_server

log = logging.getLogger("sheets_sync.web")


def serve(
    config: Config,
    app: Any = None,
    *,
    threads: int = 8,
    sync: Callable[[], object] | None = None,
    sync_every_seconds: float = 60.0,
) -> None:
    """Serve until interrupted on ``[web] host``:``port``. With ``sync`` (e.g. a function
    running one sync), it runs in a background thread every ``sync_every_seconds`` so
    answers reach the workbook without a separate ``sheets-sync watch``; a round that
    finds another sync holding the lock is skipped with a log line."""
    from . import create_app

    app = app or create_app(config)
    stop = threading.Event()
    if sync is not None:
        threading.Thread(
            target=_loop, args=(sync, sync_every_seconds, stop), name="sync", daemon=True
        ).start()
    log.info("serving %s on http://%s:%d", config.workshop.name, config.web.host, config.web.port)
    try:
        server = create_server(app, host=config.web.host, port=config.web.port,
                               **limits(config, threads))
        server.run()
    finally:
        stop.set()


def _loop(sync: Callable[[], object], every: float, stop: threading.Event) -> None:
    while not stop.wait(every):
        try:
            sync()
        except SyncBusy as exc:  # a `run` or `watch` holds the lock: this round is theirs
            log.warning("%s: skipping this round", exc)
        except Exception:  # the next round tries again; answers wait in the journal
            log.exception("background sync failed")


@dataclass
class Running:
    url: str
    port: int
    _server: Any
    _thread: threading.Thread

    def stop(self) -> None:
        """Finish the requests in hand, close every connection, end the loop thread."""
        server = self._server
        server.task_dispatcher.shutdown(timeout=5)
        for channel in list(server._map.values()):  # the loop ends when its map is empty
            if channel is server:  # the listening socket (its handle_close only warns)
                server.close()
            else:
                channel.handle_close()
        self._thread.join(timeout=10)


def limits(config: Config, threads: int = 8) -> dict[str, Any]:
    """Waitress's limits, each chosen rather than inherited (its defaults would buffer a
    1 GiB body before the app could refuse it):

    * a body declared larger than twice what the app accepts (one photo of
      ``[web] max_upload_mb`` and its form) is refused with 413 from the headers alone,
      before a byte of it is read; one between the two is read and gets the app's own
      friendly "photo too large" page;
    * headers up to 32 KiB (a link token is 400 characters at most);
    * 100 connections at once, an idle one closed after 60 s (a phone on a slow line
      still uploads: the clock restarts with every packet), ``poll`` rather than
      ``select`` so many sockets are no limit;
    * forwarding headers are judged by the app (``web.security.TrustedProxies``), not
      cleared by waitress, which would drop them even from a trusted proxy."""
    from . import body_limit

    return {
        "threads": threads,
        "ident": "sheets-sync",
        "max_request_body_size": 2 * body_limit(config) + 1,  # waitress refuses at >=
        "max_request_header_size": 32 * 1024,
        "connection_limit": 100,
        "channel_timeout": 60,
        "cleanup_interval": 30,
        "asyncore_use_poll": True,
        "clear_untrusted_proxy_headers": False,
    }


def start(app: Any, host: str = "127.0.0.1", port: int = 0, threads: int = 8) -> Running:
    """Serve ``app`` with waitress (the limits ``serve`` uses, from the app's config) in a
    daemon thread on a free port of ``host``."""
    services = getattr(app, "extensions", {}).get("sheets_sync")
    config = services.config if services is not None else Config()
    server = create_server(app, host=host, port=port, **limits(config, threads))
    thread = threading.Thread(target=server.run, name="waitress", daemon=True)
    thread.start()
    actual = int(server.effective_port)
    return Running(f"http://{host}:{actual}", actual, server, thread)
