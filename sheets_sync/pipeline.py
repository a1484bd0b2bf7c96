"""Assembly: which backend, which steps, in which order. The CLI and the scheduler call
these; nothing else chooses a concrete backend."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

from . import rerun
from .backends.base import Backend
from .config import Config
from .errors import ConfigError, SheetsSyncError, WorkbookError
from .installation import installation
from .journal import Journal
from .links import signer_from_config
from .lock import one_sync
from .mail.ledger import Ledger
from .outputs import SyncContext
from .records import build_workshop
from .samples.demo import demo_tabs
from .steps.answers import flush_step
from .steps.check import check_step
from .steps.kpis import kpi_step
from .steps.launches import launch_states_step, launches_step, order_launches_step
from .steps.links import LinkLine, links_for, publish_step
from .steps.load import load_step
from .steps.mail import build_mail_step
from .steps.orders import orders_step
from .steps.partner_problems import partner_problems_step
from .steps.problems import problems_step
from .steps.rules import validation_step
from .steps.stock import stock_step
from .steps.today import today_step
from .steps.yields import yields_step
from .sync import Phase, Step, SyncReport, run_sync

# The order of the steps, said here and nowhere else. The segments have names so tests
# can run a part of the sync; ``build_steps`` puts them together.
CORE_STEPS: tuple[Step, ...] = (
    validation_step,  # rules between rows
    partner_problems_step,  # decisions stamped; before launches (Problem while one is open)
    launches_step,  # launch states and what their sheets lack
    yields_step,  # before orders (⚙ Loss %) and KPIs
    orders_step,  # stage, slack, risk, approval, loss
)
# after emails: a notice sent in this sync moves its launch to Sent in this same write
AFTER_MAIL_STEPS: tuple[Step, ...] = (launch_states_step, order_launches_step)
CLOSING_STEPS: tuple[Step, ...] = (check_step, problems_step)  # gather every problem found


def make_backend(config: Config) -> Backend:
    if config.workbook.backend == "xlsx":
        from .backends.xlsx import XlsxBackend

        xlsx = XlsxBackend(config.workbook.path, missing_hint=_missing_hint(config))
        xlsx.require_file()
        return xlsx
    if config.workbook.backend == "google":
        from .backends.google import GoogleBackend

        return GoogleBackend.from_config(config)
    raise ConfigError(f"unknown backend {config.workbook.backend!r}")


def _missing_hint(config: Config) -> str:
    """What to do about a workbook that is not there, by where its path came from."""
    path = config.workbook.path
    if config.workbook_given:
        return (
            "it was given with --workbook: check the name, or create it with "
            f"`sheets-sync init --demo {path}`"
        )
    if config.source == "built-in defaults":
        return f"`sheets-sync run` writes the demo workbook there (or `sheets-sync init --demo {path}`)"
    return f"create one with `sheets-sync init --demo {path}`, or correct [workbook] path in {config.source}"


def build_steps(config: Config, *, dry_run: bool = False) -> list[Step]:
    """The sync's steps in order (see ARCHITECTURE: one flow): answers from the web app
    first (so every later step sees them), rules and states, links and the pages' views,
    the numbers, then emails (which read all of it), then Check and Problems, which gather
    every problem the others found. The Today list is made once, with the launches as the
    emails leave them: by the digest, which the mail step decides after every other email,
    or else by the Today step. A dry run plans no emails (planning one records its intent
    in the mail ledger) and only reads the ledger, if there is one."""
    journal = Journal(config.web.journal_path)
    mail = None if dry_run else build_mail_step(config)
    ledger_path = config.mail.ledger_path
    ledger = mail.ledger if mail else (Ledger(ledger_path) if ledger_path.exists() else None)
    return [
        flush_step(journal),
        *CORE_STEPS,
        publish_step(journal, signer_from_config(config)),
        stock_step,
        load_step,
        *([mail] if mail else []),
        *AFTER_MAIL_STEPS,
        today_step(ledger),
        kpi_step,
        *CLOSING_STEPS,
    ]


def sync_once(
    config: Config,
    now: datetime,
    *,
    dry_run: bool = False,
    digest: bool = False,
    phase: Phase | None = None,
    keep_context: bool = False,
    what: str = "run",
    take_over: bool = False,
    tell: bool = False,
    full: bool = False,
    backend: Backend | None = None,
) -> SyncReport:
    """One sync, whole (read, steps, write, after-write marks), under the one-sync lock of
    the state folder: every command that syncs comes through here. ``digest``: send
    today's staff digest now (still once a day). SyncBusy (exit 3) when another sync holds
    the lock past ``[watch] lock_wait_seconds``. A workbook another installation syncs is
    refused (``installation``) unless ``take_over``. A workbook read exactly as the last
    full sync left it, before anything can change on the clock, is not computed again
    (``rerun``) unless ``full``, ``dry_run``, ``digest``, ``take_over`` or ``keep_context``.
    ``backend``: the workbook to sync instead of the one ``config`` names (one already
    opened: a benchmark's or a test's fake Sheets API behind a real Google backend)."""
    if backend is None:
        backend = make_backend(config)  # a missing workbook is said before anything is made
    with one_sync(config, what=what):
        me = installation(config)
        read_ahead = []  # the read is handed on in a list: only run_sync may hold it
        if not (full or dry_run or digest or take_over or keep_context):
            local = now.astimezone(config.workshop.zone)
            same = rerun.unchanged_stored(config, backend, local, me)  # the file's bytes alone
            if same is None:
                read_ahead.append(backend.read())
                same = rerun.unchanged(config, read_ahead[0], local, me)
            if same is not None:
                return same
        recorder = None
        if not dry_run:
            rerun.forget(config)
            recorder = rerun.Recorder(config, me)
        steps = build_steps(config, dry_run=dry_run)
        if digest:
            from .steps.mail import forced_digest

            steps = forced_digest(steps)
        return run_sync(
            backend, config, now, steps, dry_run=dry_run, phase=phase, keep_context=keep_context,
            installation=me, take_over=take_over, tell=tell, read_ahead=read_ahead, recorder=recorder,
        )


def published_links(config: Config, now: datetime, order_ref: str | None = None) -> list[LinkLine]:
    """The ⚙ Link cells as the last sync wrote them (all, or one order's): what
    `sheets-sync links` prints. It only reads the workbook: no step runs, nothing is
    written, signed or published, so it needs no lock either. An order reference the
    workbook does not know is an error (exit 2)."""
    backend = make_backend(config)
    snapshot = backend.read()
    workshop = build_workshop(snapshot).workshop
    ctx = SyncContext(snapshot=snapshot, workshop=workshop, config=config, today=now.date(), now=now)
    lines = links_for(ctx, order_ref)
    if order_ref is not None and not lines and workshop.order(order_ref) is None:
        raise SheetsSyncError(
            f"no order {order_ref!r} on the Orders tab of {backend.describe()}, and no approval "
            "or launch for it (order references are matched exactly, e.g. JW-2329)"
        )
    return lines


def init_demo(config: Config, path: Path, today: date, *, force: bool = False) -> None:
    """`init --demo`: the demo workbook at ``path``, written under the sync lock of
    ``config``'s state folder, so a sync of that folder running meanwhile (`watch`,
    `serve`) never writes over it, nor it over the sync's write."""
    _check_demo_target(path, force)  # a wrong target is said before anything is made
    with one_sync(config, what="init"):
        write_demo(path, today, force=force)


def write_demo(path: Path, today: date, *, force: bool = False) -> None:
    from .backends.xlsx import write_new_workbook

    _check_demo_target(path, force)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_new_workbook(path, demo_tabs(today))


def _check_demo_target(path: Path, force: bool) -> None:
    if path.is_dir():
        raise WorkbookError(f"{path} is a folder, not an .xlsx workbook; give a file name for the demo")
    if path.exists() and not force:
        raise WorkbookError(f"{path} already exists; pass --force to overwrite it")


def ensure_default_workbook(config: Config, today: date) -> Path | None:
    """With no config file at all and no workbook yet, write the demo (the embedded default)."""
    if config.source != "built-in defaults" or config.workbook.backend != "xlsx":
        return None
    path = config.workbook.path
    if path.exists():
        return None
    write_demo(path, today)
    return path


def google_config(config: Config, key: str | None) -> Config:
    """The config pointed at a Google spreadsheet (``key`` overrides [workbook] spreadsheet)."""
    workbook = replace(config.workbook, backend="google", spreadsheet=key or config.workbook.spreadsheet)
    return replace(config, workbook=workbook)


def prepare_google(config: Config, key: str) -> str:
    """`init --google KEY`: every tab and header, ⚙ styling, protections, dropdowns."""
    from .backends.google import GoogleBackend
    from .backends.google_setup import prepare_spreadsheet

    backend = GoogleBackend.from_config(google_config(config, key))
    with one_sync(config, what="init"):  # not in the middle of this folder's sync
        return "\n".join(prepare_spreadsheet(backend))


def doctor(config: Config) -> list[str]:
    """What works and, as a SheetsSyncError, what does not, for the configured backend."""
    if config.workbook.backend == "google":
        from .backends.google_setup import doctor as google_doctor

        return google_doctor(config)
    backend = make_backend(config)
    snapshot = backend.read()
    return [f"{backend.describe()}: {len(snapshot.tables)} tab(s) read"]
