"""A small township for tests/test_url_walk.py: one account per role, plus "other" accounts that own nothing.

The records all belong to the first cadre, village, unit and liaison, so the "other_*" accounts show
what a user of the same role sees of somebody else's records (a 404, never the record).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from contacts.models import Level, Pairing
from reports.models import ExportLog, VillageReport
from talents.models import AuditEntry, Organization
from tests.factories import (
    CadreFactory,
    ContactFactory,
    ContactPhotoFactory,
    DemandFactory,
    FeedbackFactory,
    MajorEventFactory,
    PairingFactory,
    RecommendationFactory,
    SuggestionFactory,
    TalentFactory,
    TermFactory,
    UnitFactory,
    UserFactory,
    VillageFactory,
    VillageReportFactory,
    valid_id_number,
)

# Every role of DOMAIN.md, the anonymous visitor, an account the office has not given a role yet,
# and for each record-scoped role a second account that owns none of the world's records.
ROLES = (
    "anonymous",
    "office",
    "leader",
    "cadre",
    "other_cadre",
    "village_cadre",
    "secretary",
    "other_secretary",
    "liaison",
    "other_liaison",
    "no_role",
)

SUBMITTED_YEAR = 2025  # the village's report for this year is with the office
DRAFT_YEAR = 2026  # this year's is a complete draft the secretary may still submit

_NARRATIVE = {
    "basic_situation": "本村共有优秀人才三名。",
    "main_practices": "走访慰问，面对面交流。",
    "results": "解决诉求两件。",
    "problems": "联系次数偏少。",
    "next_steps": "明年每季度走访一次。",
}


def _jpeg(name: str) -> SimpleUploadedFile:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (32, 24), "green").save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@dataclass
class World:
    users: dict[str, User | None] = field(default_factory=dict)
    obj: dict[str, object] = field(default_factory=dict)

    def pk(self, name: str) -> int:
        return self.obj[name].pk


def world_build() -> World:
    """Build the township (call with the database unblocked and uploads going to a temporary MEDIA_ROOT)."""
    w = World()
    u = w.users
    u["anonymous"] = None
    u["office"] = UserFactory(username="w_office", roles=["office"])
    u["leader"] = UserFactory(username="w_leader", roles=["leader"])
    u["no_role"] = UserFactory(username="w_no_role")
    u["secretary"] = UserFactory(username="w_secretary", roles=["village_secretary"])
    u["other_secretary"] = UserFactory(username="w_other_secretary", roles=["village_secretary"])
    u["liaison"] = UserFactory(username="w_liaison", roles=["liaison"])
    u["other_liaison"] = UserFactory(username="w_other_liaison", roles=["liaison"])

    village = VillageFactory(name="梅家村", secretary=u["secretary"])
    other_village = VillageFactory(name="石桥村", secretary=u["other_secretary"])
    unit = UnitFactory(name="梅家乡农业服务中心", liaison=u["liaison"])
    other_unit = UnitFactory(name="梅家乡中心学校", liaison=u["other_liaison"])

    cadre = CadreFactory(user__username="w_cadre", name="王建国")
    other_cadre = CadreFactory(user__username="w_other_cadre", name="李其他")
    village_cadre = CadreFactory(
        user__username="w_village_cadre", name="赵村委", level=Level.VILLAGE, village=village, title="村委委员"
    )
    u["cadre"], u["other_cadre"], u["village_cadre"] = cadre.user, other_cadre.user, village_cadre.user

    term = TermFactory()
    talent = TalentFactory(
        name="陈丽华",
        unit=unit,
        village=village,
        phone="13812345678",
        id_number=valid_id_number(1),
        thoughts="对乡里产业规划有些顾虑。",
        photo=_jpeg("talent.jpg"),
    )
    other_talent = TalentFactory(name="周其他", unit=other_unit, village=other_village)
    village_talent = TalentFactory(name="吴村里", unit=unit, village=village)
    unpaired_talent = TalentFactory(name="郑未结", unit=unit, village=village)
    # The cadre's earlier talent, of another unit and village: their contacts stay theirs, the talent not.
    former_talent = TalentFactory(name="孙往届", unit=other_unit, village=other_village)

    pairing = PairingFactory(term=term, cadre=cadre, talent=talent)
    PairingFactory(term=term, cadre=other_cadre, talent=other_talent)
    village_pairing = PairingFactory(term=term, cadre=village_cadre, talent=village_talent)
    ended_pairing = PairingFactory(
        term=term,
        cadre=cadre,
        talent=former_talent,
        end_date=datetime.date(2025, 6, 30),
        end_reason=Pairing.EndReason.POST_CHANGE,
    )

    contact = ContactFactory(pairing=pairing, urgent=True, date=datetime.date(2026, 3, 1))
    village_contact = ContactFactory(pairing=village_pairing, urgent=True, date=datetime.date(2026, 3, 2))
    photo = ContactPhotoFactory(contact=contact)
    village_photo = ContactPhotoFactory(contact=village_contact)
    ended_photo = ContactPhotoFactory(contact=ContactFactory(pairing=ended_pairing, date=datetime.date(2025, 5, 1)))

    suggestion = SuggestionFactory(talent=talent, contact=contact, created_by=cadre.user)
    loose_suggestion = SuggestionFactory(talent=talent, contact=None, content="建议修缮村道。")
    demand = DemandFactory(talent=talent, urgency="urgent", coordinating_cadre=cadre, responsible_unit=unit)
    event = MajorEventFactory(talent=talent, cadre=cadre, reporting_unit=unit)
    recommendation = RecommendationFactory(talent=talent, organization=village)
    feedback = FeedbackFactory(unit=unit, cadre=cadre, talent=talent)
    submitted = VillageReportFactory(
        village=village,
        year=SUBMITTED_YEAR,
        status=VillageReport.Status.SUBMITTED,
        submitted_at=timezone.now(),
        submitted_by=u["secretary"],
        **_NARRATIVE,
    )
    draft = VillageReportFactory(village=village, year=DRAFT_YEAR, **_NARRATIVE)

    export_log = ExportLog.objects.create(
        user=u["office"], exporter="roster", format="xlsx", filename="一览表.xlsx", row_count=1
    )
    axes_row = {"user_agent": "test", "ip_address": "127.0.0.1", "username": "w_stranger", "http_accept": "*/*"}
    access_attempt = AccessAttempt.objects.create(**axes_row, get_data="", post_data="", failures_since_start=1)
    access_log = AccessLog.objects.create(**axes_row, path_info="/login/")
    access_failure = AccessFailureLog.objects.create(**axes_row, path_info="/login/")
    audit_entry = AuditEntry.objects.create(action=AuditEntry.Action.LOGIN, user=u["office"], username="w_office")

    w.obj.update(
        village=village,
        other_village=other_village,
        unit=unit,
        term=term,
        cadre=cadre,
        talent=talent,
        village_talent=village_talent,
        unpaired_talent=unpaired_talent,
        former_talent=former_talent,
        pairing=pairing,
        contact=contact,
        village_contact=village_contact,
        photo=photo,
        village_photo=village_photo,
        ended_photo=ended_photo,
        suggestion=suggestion,
        loose_suggestion=loose_suggestion,
        demand=demand,
        event=event,
        recommendation=recommendation,
        feedback=feedback,
        submitted_report=submitted,
        draft_report=draft,
        organization=Organization.current(),
        export_log=export_log,
        access_attempt=access_attempt,
        access_log=access_log,
        access_failure=access_failure,
        audit_entry=audit_entry,
        group=Group.objects.get(name="office"),
        user=u["liaison"],
    )
    return w
