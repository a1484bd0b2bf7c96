"""Entry ids (the Activity row id of a web answer) are never drawn twice: not after a
fork, and not when something reseeds Python's shared random generator (as hypothesis
does before each example)."""

from __future__ import annotations

import os
import random

from sheets_sync.journal import new_submission_id


def test_a_forked_child_draws_other_ids_than_its_parent() -> None:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next ids, then out at once
        os.close(read)
        os.write(write, " ".join(new_submission_id() for _ in range(3)).encode())
        os._exit(0)
    os.close(write)
    mine = {new_submission_id() for _ in range(3)}
    with os.fdopen(read) as pipe:
        theirs = set(pipe.read().split())
    os.waitpid(pid, 0)
    assert len(theirs) == 3 and not mine & theirs
    assert all(i.startswith("web-") and len(i) == 36 for i in mine | theirs)


def test_reseeding_the_shared_generator_does_not_repeat_an_id() -> None:
    random.seed(2026)
    first = new_submission_id()
    random.seed(2026)
    assert new_submission_id() != first
