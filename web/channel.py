"""Waitress's connections, without the main loop spinning while an answer is written.

Waitress has one main thread that polls every connection and worker threads that run the
app. A worker writes its answer under the connection's output lock and sends it itself
(waitress 3 flushes from the worker). Meanwhile, whenever the main thread wakes (another
connection sent a request), it sees bytes waiting on this one, is told it can write, finds
the lock taken, polls again at once, and so on until the worker is done: hundreds of polls
per request, each a trip of the interpreter lock between the two threads. Measured with
wrk on 127.0.0.1, 4 threads: a Flask hello-world answered 1,800 requests a second over one
connection and 250-430 over two to four; with ``Channel`` 2,150-2,450 over four.

``Channel`` is not polled for writing while a worker holds its output lock. Nothing waits
for it: a worker that leaves bytes unsent (the client reads slowly) wakes the main loop
once it let go of the lock (``write_soon``), and when its request is done (waitress's own
``service``); a worker waiting for the main loop to drain a full buffer waits with the
lock released, so the connection is polled again.
"""

from __future__ import annotations

from typing import Any

from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer
from waitress.server import create_server as waitress_server


class Channel(HTTPChannel):  # type: ignore[misc]
    def writable(self) -> bool:
        if self.requests and not (self.will_close or self.close_when_flushed):
            if not self.outbuf_lock.acquire(False):
                return False  # a worker is writing (and sending) this answer
            self.outbuf_lock.release()
        return bool(super().writable())

    def write_soon(self, data: Any) -> int:
        written = int(super().write_soon(data))
        if self.total_outbufs_len:  # left unsent, and the lock is free now
            self.server.pull_trigger()
        return written


def create_server(app: Any, **kw: Any) -> Any:
    """``waitress.server.create_server`` whose every listening socket answers with
    ``Channel`` (one server, or one per address of a host name with several)."""
    server = waitress_server(app, **kw)
    listeners = [server] if isinstance(server, BaseWSGIServer) else list(server.map.values())
    for listener in listeners:
        if isinstance(listener, BaseWSGIServer):
            listener.channel_class = Channel
    return server
