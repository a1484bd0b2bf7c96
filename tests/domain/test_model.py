"""The typed workbook's lookups (``domain.model``): partners and clients found by ID or by
Name as staff type them, alloys and orders by key (the first row of a duplicated key),
a route's steps in step order, rows grouped by Order Ref."""

from __future__ import annotations

from datetime import date

from sheets_sync.domain.model import (
    Alloy,
    Approval,
    Client,
    Directory,
    Holiday,
    Launch,
    Order,
    Partner,
    PartnerProblem,
    ProgressEntry,
    WorkflowStep,
    Workshop,
    by_order,
)

CAST = Partner("P-CAST", "Fonderie Lumière", "Casting", row=2)
SETTER = Partner("P-SET", "Atelier Serti", "Setter", row=3)
SETTER_TOO = Partner("P-SET2", "atelier  serti", "Setter", row=4)
CAST_AGAIN = Partner("p-cast", "Another foundry", "Casting", row=5)
NAMED_LIKE_AN_ID = Partner("P-X", "P-CAST", "Polisher", row=6)


def directory(*partners: Partner) -> Directory[Partner]:
    return Directory(partners, lambda p: p.partner_id, lambda p: p.name)


def test_a_partner_is_found_by_id_or_by_name_case_and_spacing_forgiven() -> None:
    d = directory(CAST, SETTER)
    assert d.find("P-CAST") is CAST
    assert d.find("  p-cast ") is CAST
    assert d.find("fonderie   LUMIÈRE") is CAST
    assert d.find("Atelier Serti") is SETTER
    assert d.find("Fonderie") is None
    assert d.find(None) is None
    assert d.find("") is None


def test_an_id_wins_over_a_name_and_the_first_row_of_a_duplicated_id() -> None:
    d = directory(CAST, CAST_AGAIN, NAMED_LIKE_AN_ID)
    assert d.find("P-CAST") is CAST
    assert d.namesakes("P-CAST") == []
    assert d.find("Another foundry") is CAST_AGAIN


def test_a_name_two_rows_share_finds_neither_and_names_both() -> None:
    d = directory(CAST, SETTER, SETTER_TOO)
    assert d.find("Atelier Serti") is None
    assert d.namesakes("ATELIER SERTI") == [SETTER, SETTER_TOO]
    assert d.namesakes("Fonderie Lumière") == []
    assert d.namesakes("nobody") == []
    assert d.namesakes(None) == []
    assert d.shared_names() == [[SETTER, SETTER_TOO]]
    assert directory(CAST, SETTER).shared_names() == []


def test_rows_without_a_name_share_nothing() -> None:
    a = Client("C-1", "", row=2)
    b = Client("C-2", "  ", row=3)
    d = Directory([a, b], lambda c: c.client_id, lambda c: c.name)
    assert d.shared_names() == []
    assert d.namesakes("") == []
    assert d.find("c-2") is b


def test_the_workshop_finds_by_key_and_keeps_the_first_of_a_duplicated_key() -> None:
    first = Order("A-1001", row=2, piece_type="Ring")
    later = Order("A-1001", row=3, piece_type="Pendant")
    au750 = Alloy("18KY", "Au", 750, 15.5, row=2)
    au750_again = Alloy("18ky", "Au", 585, 13.07, row=3)
    ada = Client("CL-1", "Ada Martin", row=2)
    w = Workshop(orders=[first, later, Order("A-1002", row=4)], alloys=[au750, au750_again],
                 partners=[CAST, SETTER], clients=[ada])
    assert w.order("A-1001") is first
    assert w.order(" a-1001 ") is first  # case and outer spaces forgiven, as by_order groups
    assert w.order("a 1001") is None
    assert w.order("A-1002") == Order("A-1002", row=4)
    assert w.alloy(" 18ky ") is au750
    assert w.alloy("14KY") is None
    assert w.alloy(None) is None
    assert w.partner("atelier serti") is SETTER
    assert w.partner(None) is None
    assert w.client("ada  martin") is ada
    assert w.client("cl-1") is ada
    assert w.client("Bob") is None


def test_a_route_lists_its_steps_in_step_order_whatever_the_sheet_order() -> None:
    polish = WorkflowStep("Fabrication", 3, "Polish", 1, row=2)
    bench = WorkflowStep("Fabrication", 1, "Bench", 3, row=3)
    cast = WorkflowStep("Casting", 1, "Cast", 1, row=4)
    setting = WorkflowStep("fabrication", 2, "Setting", 2, row=5)
    w = Workshop(workflow=[polish, bench, cast, setting])
    assert w.steps("FABRICATION") == [bench, setting, polish]
    assert w.steps("Casting") == [cast]
    assert w.steps("Enamel") == []
    assert w.steps(None) == []


def test_holiday_dates_are_the_days_of_the_holidays_tab() -> None:
    w = Workshop(holidays=[Holiday(date(2026, 12, 25), 2, "Christmas"), Holiday(date(2027, 1, 1), 3)])
    assert w.holiday_dates() == frozenset({date(2026, 12, 25), date(2027, 1, 1)})
    assert Workshop().holiday_dates() == frozenset()


def test_rows_are_grouped_by_order_ref_case_and_outer_spacing_forgiven_in_sheet_order() -> None:
    cast = ProgressEntry("A-1001", "Cast", "Done", date(2026, 11, 2), row=2)
    other = ProgressEntry("A-1002", "Cast", "Started", date(2026, 11, 3), row=3)
    polish = ProgressEntry(" a-1001 ", "Polish", "Started", date(2026, 11, 4), row=4)
    assert by_order([cast, other, polish]) == {"a-1001": [cast, polish], "a-1002": [other]}
    launch = Launch("L-1", "A-1001", "P-CAST", "Cast", None, row=2)
    approval = Approval("AP-1", "A-1001", "Wax", row=2)
    assert by_order([launch]) == {"a-1001": [launch]}
    assert by_order([approval]) == {"a-1001": [approval]}
    assert by_order([]) == {}


def test_a_piece_with_stones_is_set_and_a_blank_decision_is_no_decision() -> None:
    assert Order("A-1", row=2, center_stone="0.50 ct").is_set
    assert Order("A-1", row=2, side_stones="12 x 1.5 mm").is_set
    assert not Order("A-1", row=2).is_set
    problem = PartnerProblem("web-1", "L-1", None, "porosity", row=2)  # type: ignore[arg-type]
    assert not problem.decided
    assert not PartnerProblem("web-1", "L-1", None, "porosity", 2, decision="  ").decided  # type: ignore[arg-type]
    assert PartnerProblem("web-1", "L-1", None, "porosity", 2, decision="recast").decided  # type: ignore[arg-type]
