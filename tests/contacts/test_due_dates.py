"""Default deadlines of the demand ledger (R14): working days by urgency, as petition offices count them."""

from __future__ import annotations

import datetime

import pytest

from contacts.services import add_working_days, demand_due_date

MONDAY = datetime.date(2026, 11, 23)


def test_working_days_skip_the_weekend():
    friday = datetime.date(2026, 11, 27)
    assert add_working_days(friday, 1) == datetime.date(2026, 11, 30)


@pytest.mark.parametrize(
    ("urgency", "due"),
    [
        ("urgent", datetime.date(2026, 11, 24)),  # the next working day
        ("pressing", datetime.date(2026, 11, 26)),  # 3 working days
        ("normal", datetime.date(2026, 12, 7)),  # 10 working days
        ("complex", datetime.date(2027, 1, 4)),  # 30 working days
    ],
)
def test_each_urgency_gets_its_default_deadline(urgency, due):
    assert demand_due_date(urgency=urgency, raised_on=MONDAY) == due


def test_the_deadlines_are_a_setting_the_office_can_change(settings):
    settings.DEMAND_DUE_WORKING_DAYS = {**settings.DEMAND_DUE_WORKING_DAYS, "normal": 5}
    assert demand_due_date(urgency="normal", raised_on=MONDAY) == datetime.date(2026, 11, 30)
