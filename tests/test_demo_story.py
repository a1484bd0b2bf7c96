"""The demo tells a story: ten months of history behind the KPI charts, benches mostly
busy with one overloaded week, a few pieces late or at risk, a count that disagrees with
the books, a casting that lost too much metal, a partner waiting for a decision and clients
for whom an approval is pending. Synced on a real .xlsx on Wednesday 25/11/2026 at 10:00
(emails go out) and on Saturday 28/11/2026 (they wait for Monday)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from python_calamine import CalamineWorkbook
from staffed import config_in

from sheets_sync.backends.xlsx import XlsxBackend, write_new_workbook
from sheets_sync.config import Config
from sheets_sync.explain import story_lines
from sheets_sync.pipeline import build_steps
from sheets_sync.samples.demo import demo_tabs
from sheets_sync.sync import run_sync

TODAY = date(2026, 11, 25)  # a Wednesday



@dataclass
class Synced:
    folder: Path
    tabs: dict[str, list[dict[str, Any]]]
    told: list[str]

    def outbox(self) -> list[EmailMessage]:
        out = []
        for eml in sorted((self.folder / "outbox").glob("*.eml")):
            msg = message_from_bytes(eml.read_bytes(), policy=policy.default)
            assert isinstance(msg, EmailMessage)
            out.append(msg)
        return out


def synced(folder: Path, now: datetime) -> Synced:
    config = config_in(folder)
    path = write_new_workbook(folder / "workshop.xlsx", demo_tabs(TODAY))
    report = run_sync(XlsxBackend(path), config, now, build_steps(config), tell=True)
    assert report.story is not None
    book = CalamineWorkbook.from_path(str(path))
    tabs = {}
    for name in book.sheet_names:
        rows = book.get_sheet_by_name(name).to_python()
        tabs[name] = [dict(zip(rows[0], r, strict=False)) for r in rows[1:]]
    return Synced(folder, tabs, story_lines(report.story))


@pytest.fixture(scope="module")
def wednesday(tmp_path_factory: pytest.TempPathFactory) -> Synced:
    config = Config()
    return synced(tmp_path_factory.mktemp("wednesday"),
                  datetime(2026, 11, 25, 10, 0, tzinfo=config.workshop.zone))


def test_the_same_day_and_seed_give_the_same_demo() -> None:
    assert demo_tabs(TODAY) == demo_tabs(TODAY)
    assert demo_tabs(TODAY, seed=7) != demo_tabs(TODAY)


def test_kpi_trends_show_ten_months_of_a_workshop_getting_better(wednesday: Synced) -> None:
    every = [r for r in wednesday.tabs["KPI Trends"] if r["Alloy"] == "All"]
    assert [r["Month"] for r in every] == [f"2026-{m:02d}" for m in range(2, 12)]
    assert all(isinstance(r[c], float) for r in every for c in ("YVR %", "CDPA %", "On-time Ack %"))
    # CastWorks' centrifugal castings in the spring, Fonderie Lumière's vacuum ones since
    assert every[0]["YVR %"] == 93.4 and every[-1]["YVR %"] == 96.8
    assert [r["YVR %"] for r in every] == sorted(r["YVR %"] for r in every)
    assert every[0]["On-time Ack %"] == 0 and every[-1]["On-time Ack %"] == 100
    # every month with history has every KPI: nothing is left blank for lack of data
    blank = [r["Message"] for r in wednesday.tabs["Problems"] if "for lack of data" in str(r["Message"])]
    assert blank == []
    kpis = {(r["Month"], r["KPI"]): r for r in wednesday.tabs["KPIs"] if not r["Breakdown"]}
    assert kpis[("2026-05", "First-Time-Right Rate (%)")]["Basis"] == "3 of 4 delivered orders without rework"
    assert kpis[("2026-11", "Average Acknowledgement (h)")]["Value"] is not None


def test_the_benches_are_busy_and_one_week_is_overloaded(wednesday: Synced) -> None:
    cells = [(r["Week"], r["Skill"], r["Planned Hours"], r["Capacity Hours"], r["Load %"])
             for r in wednesday.tabs["Load"]]
    assert len(cells) == 8 * 6  # eight weeks of six skills
    busy = [c for c in cells if 40 <= c[4] <= 110]
    over = [c for c in cells if c[4] > 110]
    assert len(busy) == 38
    # Karim, one of three setters, is away in Christmas week (Friday a holiday too)
    assert over == [("2026-W52", "Setting", 112.0, 64.0, 175.0)]
    # the first weeks are light: the pieces due soon did their CAD, casting and goldsmith
    # stages ahead of plan, and the new commissions reach those benches from week 50
    light = {(c[0], c[1]) for c in cells if c[4] < 40}
    assert light == {("2026-W48", "CAD"), ("2026-W49", "CAD"), ("2026-W50", "CAD"),
                     ("2026-W48", "Casting"), ("2026-W49", "Casting"), ("2026-W48", "Goldsmith"),
                     ("2026-W49", "Goldsmith"), ("2026-W48", "Setting"), ("2026-W49", "Polishing")}


def test_a_few_pieces_are_late_or_at_risk(wednesday: Synced) -> None:
    risk: dict[str, Any] = {}
    for r in wednesday.tabs["Orders"]:  # the first JW-2304 is used, its duplicate ignored
        risk.setdefault(r["Order Ref"], r["⚙ Risk"])
    assert sorted(k for k, v in risk.items() if v == "Late") == ["JW-2306", "JW-2307", "JW-2309"]
    assert sorted(k for k, v in risk.items() if v == "At risk") == ["JW-2308", "JW-2310", "JW-2311"]
    assert sum(1 for v in risk.values() if v == "On track") == 32  # 14 new commissions among them
    assert sum(1 for v in risk.values() if str(v).startswith("Delivered")) == 41


def test_the_metal_tells_one_count_variance_and_one_loss_above_alert(wednesday: Synced) -> None:
    flagged = [(r["Held By"], r["Alloy"], r["Count Variance (g)"], r["Flag"])
               for r in wednesday.tabs["Metal Stock"] if r["Flag"]]
    assert flagged == [("Safe", "18KY", -4.3, "count off by -4.30 g (tolerance 0.5 g)")]
    losses = [(r["Ref"], r["Loss %"], r["Flag"]) for r in wednesday.tabs["Yields"]
              if str(r["Flag"]).startswith("loss")]
    assert losses == [("JW-2298", 4.2, "loss 4.2 % above alert 3 %")]
    order = next(r for r in wednesday.tabs["Orders"] if r["Order Ref"] == "JW-2298")
    assert order["⚙ Risk"] == "Delivered on time" and order["⚙ Loss %"] == 4.2


def test_today_lists_the_partner_waiting_and_the_approvals_pending(wednesday: Synced) -> None:
    today = {(r["Tab"], r["Key"]): r for r in wednesday.tabs["Today"]}
    problems = [k for k in today if k[0] == "Partner Problems"]
    assert problems == [("Partner Problems", "web-demo-porosity")]
    assert today[problems[0]]["Who"] == "Manager: write the Decision"
    pending = sorted(k[1] for k in today if k[0] == "Approvals")
    assert pending == ["AP-028", "AP-029", "AP-030"]
    assert today[("Yields", "JW-2298")]["What"] == "JW-2298 (18KY): loss 4.2 % above alert 3 %"
    assert today[("Metal Stock", "18KY")]["Urgency"] == "Today"


def test_in_working_hours_the_emails_go_out_and_the_digest_flags_the_loss(wednesday: Synced) -> None:
    mails = wednesday.outbox()
    kinds = sorted(str(m["X-Sheets-Sync-Id"]).split(":")[1] for m in mails)
    assert kinds.count("launch_notice") == 9 and kinds.count("approval_request") == 3
    assert "digest" in kinds and "problem_alert" in kinds
    digest = next(m for m in mails if ":digest:" in str(m["X-Sheets-Sync-Id"]))
    body = digest.get_body(preferencelist=("plain",))
    assert body is not None
    assert "JW-2298 (18KY): loss 4.2 % above alert 3 %" in str(body.get_content())
    # months of history send nothing: their launches were acknowledged, approvals answered
    assert not any("L-9" in str(m["Subject"]) or "AP-9" in str(m["Subject"]) for m in mails)
    sent = next(line for line in wednesday.told if line.startswith("Emails sent: "))
    assert sent == f"Emails sent: {len(mails)}"


def test_out_of_hours_nothing_is_sent_and_the_run_says_when(tmp_path: Path) -> None:
    saturday = datetime(2026, 11, 28, 10, 0, tzinfo=Config().workshop.zone)
    quiet = synced(tmp_path, saturday)
    assert quiet.outbox() == []
    waiting = [line for line in quiet.told if "for working time" in line]
    assert len(waiting) == 1 and waiting[0].endswith("emails wait for working time: Mon 30/11 09:00")
