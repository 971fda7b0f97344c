"""The admin's 'mark as received' action goes through the same service as the board (issue 6, audit)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from reports.models import VillageReport
from talents.models import AuditEntry
from tests.factories import VillageReportFactory

pytestmark = pytest.mark.django_db


def test_marking_reports_received_in_the_admin_is_audited_report_by_report(client, office_user, village):
    submitted = VillageReportFactory(
        village=village, year=2025, status=VillageReport.Status.SUBMITTED, submitted_at=timezone.now()
    )
    draft = VillageReportFactory(village=village, year=2024, status=VillageReport.Status.DRAFT)
    client.force_login(office_user)
    response = client.post(
        reverse("admin:reports_villagereport_changelist"),
        {"action": "mark_received", "_selected_action": [submitted.pk, draft.pk]},
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    draft.refresh_from_db()
    assert submitted.status == VillageReport.Status.RECEIVED and submitted.received_at is not None
    assert draft.status == VillageReport.Status.DRAFT, "only submitted reports can be received"
    entry = AuditEntry.objects.filter(
        action=AuditEntry.Action.UPDATE, object_type="reports.villagereport", object_id=str(submitted.pk)
    ).latest("when")
    assert entry.user == office_user
    assert "status" in entry.changes and "received_at" in entry.changes
