"""Group commit: answers that arrive together are stored in one transaction with one
fsync, and each caller still returns only once its own answer is on disk.

Leader and followers, no thread of its own. A caller puts its item in the queue. When no
batch is running it becomes the leader: it takes everything queued (its own item and all
that arrived meanwhile), runs them as one batch and hands every caller its own result or
its own error. Callers that arrive while a batch runs wait; when it ends, those whose items
it held return, and one of the others leads the next batch with everything that queued up
during the last one. A caller alone waits for nobody: its batch is itself.

On a disk where an fsync takes 3 ms, one request at a time commits about 300 answers a
second whatever the CPU; a batch of ten costs one fsync too.

Grouping is not free: a caller that waits for another's batch sleeps and is woken, and in
a threaded Python server each such hand-over costs context switches and a trip of the
interpreter lock between threads. Where a commit is quick (an SSD whose fsync takes a
fraction of a millisecond) that costs more than the commits it saves: measured with
bench_web on such a disk, grouping took ~7 more context switches per answer and ~5%
of the throughput. So batches are timed, and while the quickest of the last 16 took less
than ``group_above`` (2 ms) each caller runs its own item at once (``run`` itself
serializes them, as the journal's write lock does). The quickest, because a batch's time
also holds waits that say nothing of the disk (for the write lock, for the interpreter
lock after the fsync) and only ever make it longer. Until a first batch is timed, and
once the disk is slow, callers group.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

GROUP_ABOVE = 0.002  # seconds: the quickest of the last batches quicker, and callers run alone
LATELY = 16  # batches timed
T = TypeVar("T")
R = TypeVar("R")


class _Slot(Generic[T, R]):
    """One caller's item; ``wake`` is held until the caller is to wake up: its item is
    done, or it is to lead the next batch."""

    __slots__ = ("item", "done", "lead", "result", "error", "wake")

    def __init__(self, item: T) -> None:
        self.item = item
        self.done = False
        self.lead = False
        self.result: R | None = None
        self.error: BaseException | None = None
        self.wake = threading.Lock()
        self.wake.acquire()


@dataclass
class GroupStats:
    """How the batches went: ``batches`` run, ``items`` through them, ``largest`` batch;
    and now: ``running`` items in the batch being run, ``queued`` items waiting for the
    next one."""

    batches: int = 0
    items: int = 0
    largest: int = 0
    sizes: dict[int, int] = field(default_factory=dict)  # batch size -> how many batches
    running: int = 0
    queued: int = 0


class GroupCommit(Generic[T, R]):
    """``submit(item)`` runs ``run(batch)`` on a batch holding ``item`` and returns the
    item's result. ``run`` returns one outcome per item, in order: a result, or an
    exception raised in that item's caller alone. An exception out of ``run`` itself
    (e.g. the commit failed) is raised in every caller of the batch."""

    def __init__(
        self,
        run: Callable[[Sequence[T]], Sequence[R | Exception]],
        group_above: float = GROUP_ABOVE,
        lately: int = LATELY,
    ) -> None:
        self._run = run
        self._mutex = threading.Lock()
        self._queue: list[_Slot[T, R]] = []
        self._leading = False
        self.stats = GroupStats()
        self.group_above = group_above
        self.lately: deque[float] = deque(maxlen=lately)  # seconds the last batches took

    @property
    def grouping(self) -> bool:
        return not self.lately or min(self.lately) >= self.group_above

    def submit(self, item: T) -> R:
        if not self.grouping:
            return self._alone(item)
        slot: _Slot[T, R] = _Slot(item)
        with self._mutex:
            self._queue.append(slot)
            self.stats.queued = len(self._queue)
            if not self._leading:  # no batch running: lead one
                self._leading = slot.lead = True
        if not slot.lead:
            slot.wake.acquire()  # until a leader finished our item or passed us the lead
        if slot.lead:
            self._lead(slot)
        if slot.error is not None:
            raise slot.error
        return slot.result  # type: ignore[return-value]  # done without error: a result

    def _alone(self, item: T) -> R:
        """Run ``item`` as a batch of its own, now (commits are quick)."""
        outcome = self._timed([item])[0]
        with self._mutex:
            self._count(1)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def _timed(self, items: list[T]) -> Sequence[R | BaseException]:
        start = time.monotonic()
        try:
            outcomes: Sequence[R | BaseException] = self._run(items)
            if len(outcomes) != len(items):
                raise RuntimeError(f"a batch of {len(items)} gave {len(outcomes)} outcomes")
        except BaseException as exc:  # every caller of the batch hears it, the leader too
            outcomes = [exc] * len(items)
        self.lately.append(time.monotonic() - start)
        return outcomes

    def _lead(self, me: _Slot[T, R]) -> None:
        """Run one batch of everything queued, wake its callers, then pass the lead to
        the first caller that queued meanwhile (or leave it free)."""
        with self._mutex:
            batch, self._queue = self._queue, []
            self.stats.running, self.stats.queued = len(batch), 0
        outcomes = self._timed([s.item for s in batch])
        for s, outcome in zip(batch, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                s.error = outcome
            else:
                s.result = outcome
            s.done = True
            s.lead = False
        with self._mutex:
            self._count(len(batch))
            heir = self._queue[0] if self._queue else None
            if heir is None:
                self._leading = False
            else:
                heir.lead = True
        for s in batch:
            if s is not me:  # each other caller waits on its own lock, released once
                s.wake.release()
        if heir is not None:
            heir.wake.release()

    def _count(self, size: int) -> None:
        st = self.stats
        st.batches += 1
        st.items += size
        st.largest = max(st.largest, size)
        st.sizes[size] = st.sizes.get(size, 0) + 1
        st.running = 0
