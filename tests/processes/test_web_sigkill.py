"""`kill -9` of `sheets-sync serve` in the middle of a burst of partner posts: every post
that heard "thank you" (the 303 back to the page) is in the journal when it is opened
again, once, and the next `sheets-sync run` puts each in the workbook once. Answers that
arrive together share one commit; none of them may be thanked before that commit is on
disk. Real processes on 127.0.0.1, a bounded number of posts."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import requests
from desk import RUN_TIMEOUT, Desk, applied_once, free_port, make_desk, seen

from sheets_sync.journal import Journal

SENDERS = 8  # browsers at once
EACH = 10  # posts each sends at most in a round
KILL_AFTER = 25  # thank-yous heard in a round before the server is killed
ROUNDS = 3  # kill, start again, kill again: each kill is a chance to catch a thank-you too early


def test_every_answer_thanked_before_a_kill_9_of_the_server_is_kept_once(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    desk = make_desk(
        tmp_path,
        web={"port": port, "base_url": base, "rate_limit_per_minute": 0},
        watch={"sync_minutes": 60},  # no sync inside serve during the test
    )
    first = desk.command("run")  # publishes the pages and writes the links
    assert first.returncode == 0, first.stderr
    thanked: list[str] = []
    for round_ in range(ROUNDS):
        thanked += _burst_then_kill(desk, base, round_)

    journal = Journal(desk.config.web.journal_path)  # as the next start finds it
    try:
        stored = [s for s in journal.pending() if s.kind == "progress"]
    finally:
        journal.close()
    notes = [str(s.payload["note"]) for s in stored]
    missing = [n for n in thanked if n not in notes]
    assert not missing, f"thanked but not in the journal after kill -9: {missing}"
    assert len(notes) == len(set(notes)), "an answer stored twice"
    assert len(thanked) >= ROUNDS * KILL_AFTER

    done = desk.command("run")
    assert done.returncode == 0, done.stderr
    assert desk.pending() == 0
    desk.answers = stored
    applied_once(desk, seen(desk.workbook))


def _burst_then_kill(desk: Desk, base: str, round_: int) -> list[str]:
    """Start `serve`, let SENDERS browsers post, SIGKILL the server the moment the
    KILL_AFTER-th "thank you" arrives; the notes of the posts that were thanked."""
    server = desk.start("serve", name=f"serve{round_}")
    thanked: list[str] = []
    lock = threading.Lock()
    killed = threading.Event()

    def send(n: int, links: list[str]) -> None:
        with requests.Session() as browser:
            for k in range(EACH):
                note = f"post {round_}-{n}-{k}"
                try:
                    url = links[(n + k) % len(links)]
                    page = browser.get(url, timeout=30).text
                    keys = _progress_keys(page)
                    answer = browser.post(
                        url,
                        data={**keys, "action": "progress", "status": "Started", "note": note},
                        files={"photo": ("", b"")},
                        allow_redirects=False,
                        timeout=30,
                    )
                except (requests.RequestException, IndexError, ValueError):
                    if killed.is_set():
                        return  # the server is gone, this post with it
                    raise
                if answer.status_code == 303:  # "thank you"
                    with lock:
                        thanked.append(note)
                        if len(thanked) == KILL_AFTER:
                            server.kill()  # SIGKILL, while the other posts are on their way
                            killed.set()

    try:
        _until_up(base)
        links = _progress_links(desk.workbook)
        senders = [threading.Thread(target=send, args=(n, links)) for n in range(SENDERS)]
        for t in senders:
            t.start()
        for t in senders:
            t.join(RUN_TIMEOUT)
        assert killed.is_set(), f"only {len(thanked)} thank-yous\n" + desk.log(f"serve{round_}")
    finally:
        if server.poll() is None:
            server.kill()
        server.wait(timeout=RUN_TIMEOUT)
    with lock:
        return list(thanked)


def _progress_keys(page: str) -> dict[str, str]:
    """The idem and csrf keys of the page's "Post progress" form (an acknowledged launch's
    page has no acknowledgement form, so the forms are not always three)."""
    form = page[page.index('id="progress"') :]
    return {f: re.findall(rf'name="{f}" value="([^"]*)"', form)[0] for f in ("idem", "csrf")}


def _progress_links(workbook: Path) -> list[str]:
    """The partner links of the launches whose page offers "Post progress"."""
    import openpyxl

    wb = openpyxl.load_workbook(workbook, read_only=True)
    try:
        rows = list(wb["Launches"].iter_rows(values_only=True))
    finally:
        wb.close()
    header = [str(h) for h in rows[0]]
    urls = [str(dict(zip(header, r, strict=False)).get("⚙ Link") or "") for r in rows[1:]]
    open_links = [u for u in urls if u and "Post progress" in requests.get(u, timeout=10).text]
    assert open_links, "no launch page offers Post progress"
    return open_links


def _until_up(base: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(base + "/", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise AssertionError(f"the server at {base} did not answer within 30 s")
