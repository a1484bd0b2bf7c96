"""The set-up the README recommends, for real: `sheets-sync serve` (which syncs by itself)
and `sheets-sync watch` side by side on one .xlsx, both on a short interval, while
partners send a burst of a few hundred progress posts through their link. Every post is
in the workbook exactly once: one Progress row, one Activity row. Bounded in count and in
time, on 127.0.0.1."""

from __future__ import annotations

import re
import signal
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from desk import RUN_TIMEOUT, applied_once, free_port, make_desk, seen

from sheets_sync.journal import Journal

POSTS = 300
SENDERS = 4  # browsers at once
WAIT = 90.0  # seconds for the answers to reach the workbook once all are sent


def test_serve_and_watch_with_a_burst_of_posts_put_each_answer_in_the_workbook_once(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    desk = make_desk(
        tmp_path,
        web={"port": port, "base_url": base, "rate_limit_per_minute": 0},
        watch={"sync_minutes": 0.02},  # a sync every 1.2 s in each process
    )
    first = desk.command("run")  # publishes the pages and writes the links
    assert first.returncode == 0, first.stderr
    links = {str(r["⚙ Link"]): str(r["Launch ID"]) for r in _launches(desk.workbook) if r.get("⚙ Link")}
    server = desk.start("serve")
    watcher = desk.start("watch")
    try:
        _until(lambda: _up(base) or server.poll() is not None, 30)
        open_links = [u for u in links if "Post progress" in requests.get(u, timeout=10).text]
        assert open_links, desk.log("serve")

        def post(n: int) -> int:
            with requests.Session() as browser:
                url = open_links[n % len(open_links)]
                page = browser.get(url, timeout=30).text
                # the Post progress form (an acknowledged launch has no Acknowledge form)
                form = next(f for f in page.split("<form") if 'name="action" value="progress"' in f)
                fields = {name: re.findall(rf'name="{name}" value="([^"]*)"', form)[0]
                          for name in ("idem", "csrf")}
                answer = browser.post(
                    url,
                    data={**fields, "action": "progress", "status": "Started", "note": f"burst {n}"},
                    files={"photo": ("", b"")},
                    allow_redirects=False,
                    timeout=30,
                )
                return answer.status_code

        with ThreadPoolExecutor(SENDERS) as pool:
            codes = list(pool.map(post, range(POSTS)))
        assert codes == [303] * POSTS
        _until(lambda: desk.pending() == 0 or server.poll() is not None or watcher.poll() is not None, WAIT)
        assert server.poll() is None and watcher.poll() is None, desk.log("serve") + desk.log("watch")
        assert desk.pending() == 0, "answers still waiting after the wait"
    finally:
        for proc in (server, watcher):
            proc.send_signal(signal.SIGTERM)
        for proc in (server, watcher):
            proc.wait(timeout=RUN_TIMEOUT)

    journal = Journal(desk.config.web.journal_path)
    try:
        desk.answers = [s for url in open_links for s in journal.for_ref("progress", links[url])]
    finally:
        journal.close()
    assert len(desk.answers) == POSTS
    look = seen(desk.workbook)
    applied_once(desk, look)
    assert sum(1 for n in look.notes() if n.startswith("burst ")) == POSTS


def _launches(path: Path) -> list[dict[str, object]]:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        rows = list(wb["Launches"].iter_rows(values_only=True))
    finally:
        wb.close()
    header = [str(h) for h in rows[0]]
    return [dict(zip(header, r, strict=False)) for r in rows[1:]]


def _up(base: str) -> bool:
    try:
        return requests.get(base + "/", timeout=2).status_code == 200
    except requests.ConnectionError:
        return False


def _until(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.1)
