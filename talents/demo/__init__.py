"""Demo data for a township, generated deterministically (used by ``manage.py seed_demo``).

``seed()`` builds every row in memory first, linked by object references, then writes each table
with one ``bulk_create`` (Django fills in a foreign key from an object saved after the assignment),
so the county scale stays fast. People — names, ID numbers, phones — are drawn before anything that
depends on today's date, so one seed gives the same people on any day; terms, pairings, contacts
and everything dated are laid out around today so that the current term contains it.

One *block* is one township: 12 villages (communities), 8 township units, 15 leadership-team
members, 4 village committee members and 60 talents. ``demo`` is one block, ``county`` twenty,
``stress`` 334. At the larger scales each township is then topped up with contacts, suggestions
and demands (``Scale.contacts``, ``Scale.demands``), drawn from a second random stream so the
township's own data stays what ``demo`` makes, and written block by block with ``bulk_create``
so a million contacts never sit in memory at once.
"""

from __future__ import annotations

import dataclasses
import datetime
import random
from collections import Counter, defaultdict
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from faker import Faker

from contacts.models import (
    Cadre,
    Contact,
    ContactPhoto,
    Demand,
    DemandProgress,
    Feedback,
    Level,
    MajorEvent,
    Pairing,
    Recommendation,
    Suggestion,
    Term,
)
from reports.models import VillageReport
from talents import access
from talents.models import Organization, Talent, Unit
from talents.search import pinyin_key
from talents.validators import id_check_char

from .texts import (
    ADOPTED_ANSWER,
    BRANDS,
    CROPS,
    DEFAULT_SEED,
    DEMANDS,
    DEMO_VILLAGE_STEMS,
    EVENTS,
    EXPLAINED_RESULT,
    FEEDBACK,
    FIXED_USERNAMES,
    GIVEN_FEMALE,
    GIVEN_MALE,
    HOME_AREA,
    INT,
    METHOD_WEIGHTS,
    METHODS,
    MINORITIES,
    NOT_ADOPTED_ANSWER,
    NUMBERED_USERNAMES,
    OTHER_AREAS,
    OTHER_TOWNSHIPS,
    POLICIES,
    POLITICAL,
    POST_CHANGE_NOTES,
    PROFILES,
    PROGRESS_NOTES,
    REPORT_TEXT,
    ROLE_GROUPS,
    ROLE_LABELS,
    SCALES,
    SITUATIONS,
    SPECIAL_TALENTS,
    STEM_FIRST,
    STEM_SECOND,
    SUGGESTIONS,
    SUMMARIES,
    TALENT_INITIATED,
    TALENT_OUT_REASONS,
    THOUGHTS,
    TOPICS,
    TOWNSHIP_CADRES,
    UNIT_TEMPLATES,
    URGENT_MATTERS,
    VILLAGE_CADRE_TITLES,
    VILLAGE_PREFIXES,
    Scale,
    _Profile,
)

# --- public API -----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Account:
    username: str
    role: str  # Chinese label
    who: str


@dataclasses.dataclass
class SeedResult:
    counts: dict[str, int]
    accounts: list[Account]


def demo_users() -> QuerySet:
    """The accounts ``seed`` creates: fixed names plus numbered ones (cadre01, village01 …)."""
    return get_user_model().objects.filter(Q(username__in=FIXED_USERNAMES) | Q(username__regex=NUMBERED_USERNAMES))


def existing_data() -> dict[str, int]:
    """What is already in the database that seeding would collide with, as label → count."""
    found = {
        "人才": Talent.objects.count(),
        "单位和村(社区)": Unit.objects.count(),
        "班子成员": Cadre.objects.count(),
        "届期": Term.objects.count(),
        "演示账号": demo_users().count(),
    }
    return {label: n for label, n in found.items() if n}


def flush() -> None:
    """Delete all domain data and the demo accounts, children before parents (most links PROTECT)."""
    for model in (DemandProgress, Suggestion, Demand, MajorEvent, Recommendation, Feedback, VillageReport):
        model.objects.all().delete()
    ContactPhoto.objects.all().delete()
    Contact.objects.all().delete()
    Pairing.objects.exclude(replaces=None).update(replaces=None)  # the history links protect each other
    for model in (Pairing, Term, Cadre, Talent, Unit):
        model.objects.all().delete()
    demo_users().delete()


def seed(
    *,
    password: str,
    scale: str = "demo",
    seed: int = DEFAULT_SEED,
    today: datetime.date | None = None,
    townships: int | None = None,
) -> SeedResult:
    """Create a township's worth of demo data (twenty at county scale). Call inside a transaction.

    ``townships`` overrides the scale's number of townships, keeping its per-township volume."""
    if today is None:
        today, now = timezone.localdate(), timezone.now()
    else:
        now = timezone.make_aware(datetime.datetime.combine(today, datetime.time(18, 0)))
    size = SCALES[scale]
    if townships is not None:
        size = dataclasses.replace(size, townships=townships)
    return _Seeder(seed=seed, scale=size, today=today, now=now).run(password)


# --- the generator --------------------------------------------------------------------------


@dataclasses.dataclass
class _Block:
    township: str
    stem: str
    brand: str = ""
    villages: list[Unit] = dataclasses.field(default_factory=list)
    units: dict[str, Unit] = dataclasses.field(default_factory=dict)
    cadres: list[Cadre] = dataclasses.field(default_factory=list)
    vcadres: list[Cadre] = dataclasses.field(default_factory=list)
    talents: list[Talent] = dataclasses.field(default_factory=list)
    pairings: list[Pairing] = dataclasses.field(default_factory=list)
    contacts: list[Contact] = dataclasses.field(default_factory=list)
    missing_this_year: list[Cadre] = dataclasses.field(default_factory=list)

    def open_cadre_of(self, talent: Talent) -> Cadre | None:
        for p in self.pairings:
            if p.talent is talent and p.end_date is None and p.level == Level.TOWNSHIP:
                return p.cadre
        return None


def _stem(township: str) -> str:
    return township.removesuffix("乡").removesuffix("镇") or township


class _Seeder:
    def __init__(self, *, seed: int, scale: Scale, today: datetime.date, now: datetime.datetime) -> None:
        self.rng = random.Random(seed)  # noqa: S311 -- demo data must be reproducible, not secret
        self.volume_rng = random.Random(seed * 31 + 7)  # noqa: S311 -- the top-up's own stream
        self.scale, blocks = scale, scale.townships
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        self.n_blocks, self.today, self.now = blocks, today, now
        self.org = Organization.current()
        self.users: list = []
        self.memberships: list[tuple[object, str]] = []
        self.accounts: list[Account] = []
        self.numbers: Counter[str] = Counter()
        self.names: set[str] = set()
        self.id_numbers: set[str] = set()
        self.unit_names: set[str] = set()
        self.blocks: list[_Block] = []
        self.rows: dict[type, list] = defaultdict(list)
        self.topped_up: Counter[type] = Counter()  # rows written by the top-up, not kept in ``rows``
        self.block_start: dict[type, int] = {}
        stems = [a + b for a in STEM_FIRST for b in STEM_SECOND]
        self.rng.shuffle(stems)
        self.spare_stems = [s for s in stems if s not in DEMO_VILLAGE_STEMS]
        self.all_stems = stems
        self.prefixed_stems = False
        self.brands = list(BRANDS)
        self.rng.shuffle(self.brands)

    def run(self, password: str) -> SeedResult:
        groups = {g.name: g for g in Group.objects.filter(name__in=access.ROLES)}
        if len(groups) != len(access.ROLES):
            raise LookupError("role groups missing; run migrate first")
        self.password_hash = make_password(password)  # once: PBKDF2 takes ~0.5 s a hash
        self._people()
        self._dated()
        self._save(groups)
        self._top_up()
        self._freeze_reports()
        order = list(ROLE_LABELS.values())
        accounts = sorted(self.accounts, key=lambda a: order.index(a.role))  # stable: numbers stay in order
        return SeedResult(counts=self._counts(), accounts=accounts)

    def _freeze_reports(self) -> None:
        """Submitted and received reports keep the figures they went in with, as real ones do (issue 5)."""
        from reports.village_reports import report_figures_freeze

        report_figures_freeze(reports=VillageReport.objects.select_related("village"), now=self.now)

    # people: drawn first, so that they do not depend on today's date

    def _people(self) -> None:
        townships = [self.org.township] + [t for t in OTHER_TOWNSHIPS if t != self.org.township]
        townships += self._more_townships(townships)
        office_name = self._name(female=True)
        self.office = self._user(
            "office", "office", office_name, f"{office_name}（{self.org.office_name}）", staff=True
        )
        for index, township in enumerate(townships[: self.n_blocks]):
            block = _Block(township=township, stem=_stem(township))
            self.blocks.append(block)
            self._villages(block, index)
            self._units(block)
            self._cadres(block)
            self._talents(block, index)
        deputy = self.blocks[0].cadres[2]
        self.leader = self._user("leader", "leader", deputy.name, f"{deputy.name}（{deputy.title}，分管人才工作）")

    def _more_townships(self, townships: list[str]) -> list[str]:
        """Made-up township names beyond the county's list, without drawing from the random stream."""
        missing = self.n_blocks - len(townships)
        if missing <= 0:
            return []
        used = {_stem(t) for t in townships}
        stems = [a + b for a in STEM_FIRST for b in STEM_SECOND if a + b not in used]
        if missing > len(stems):
            raise ValueError(f"at most {len(townships) + len(stems)} townships")
        return [stem + ("镇" if i % 3 == 0 else "乡") for i, stem in enumerate(stems[:missing])]

    def _spare_stem(self) -> str:
        """A village stem not used yet; past the two-character ones, 上双河, 下双河 …"""
        if not self.spare_stems and not self.prefixed_stems:
            self.prefixed_stems = True
            self.spare_stems = [p + s for s in reversed(self.all_stems) for p in reversed(VILLAGE_PREFIXES)]
        return self.spare_stems.pop()

    def _name(self, *, female: bool) -> str:
        pool = GIVEN_FEMALE if female else GIVEN_MALE
        for _attempt in range(20):
            name = self.fake.last_name() + self.rng.choice(pool)
            if name not in self.names:
                break
        self.names.add(name)
        return name

    def _phone(self) -> str:
        return self.fake.phone_number()

    def _user(self, prefix: str, role: str, name: str, who: str, *, staff: bool = False):
        if prefix in FIXED_USERNAMES:
            username = prefix
        else:
            self.numbers[prefix] += 1
            username = f"{prefix}{self.numbers[prefix]:02d}"
        user = get_user_model()(username=username, first_name=name, password="", is_staff=staff)
        self.users.append(user)
        self.memberships.append((user, ROLE_GROUPS[role]))
        self.accounts.append(Account(username, ROLE_LABELS[role], who))
        return user

    def _unit(self, name: str, kind: str, **fields) -> Unit:
        assert name not in self.unit_names, name
        self.unit_names.add(name)
        unit = Unit(name=name, kind=kind, sort_order=len(self.unit_names), **fields)
        self.rows[Unit].append(unit)
        return unit

    def _villages(self, block: _Block, index: int) -> None:
        stems = [block.stem, *DEMO_VILLAGE_STEMS] if index == 0 else []
        while len(stems) < 11:
            stems.append(self._spare_stem())
        names = [(f"{block.stem}社区", Unit.Kind.COMMUNITY)] + [(f"{s}村", Unit.Kind.VILLAGE) for s in stems]
        for name, kind in names:
            if name in self.unit_names:  # a configured township may share a stem with the list
                name, kind = f"{self._spare_stem()}村", Unit.Kind.VILLAGE
            secretary_name = self._name(female=self.rng.random() < 0.2)
            org = (
                f"中共{name}委员会"
                if kind == Unit.Kind.COMMUNITY
                else self.rng.choice((f"中共{name}支部委员会", f"{name}党支部"))
            )
            village = self._unit(
                name, kind, party_organization=org, liaison_name=self._name(female=True), liaison_phone=self._phone()
            )
            village.secretary = self._user(
                "village", "village", secretary_name, f"{secretary_name}（{name}党组织书记）"
            )
            block.villages.append(village)

    def _units(self, block: _Block) -> None:
        context = {
            "township": block.township,
            "stem": block.stem,
            "county": self.org.county,
            "brand": self.brands.pop() if self.brands else f"{block.stem}农",
            "village_stem": block.villages[1].name.removesuffix("村"),
            "crop": self.rng.choice(CROPS),
        }
        for key, kind, template in UNIT_TEMPLATES:
            name = template.format(**context)
            liaison = self._name(female=self.rng.random() < 0.5)
            unit = self._unit(name, kind, liaison_name=liaison, liaison_phone=self._phone())
            unit.liaison = self._user("liaison", "liaison", liaison, f"{liaison}（{name}）")
            block.units[key] = unit
        block.brand = context["brand"]

    def _cadres(self, block: _Block) -> None:
        town = "镇" if block.township.endswith("镇") else "乡"
        for i, (title, portfolio) in enumerate(TOWNSHIP_CADRES):
            title = title.replace("乡长", f"{town}长")
            name = self._name(female=self.rng.random() < 0.25)
            user = self._user("cadre", "cadre", name, f"{name}（{title}）")
            cadre = Cadre(user=user, name=name, title=title, portfolio=portfolio, phone=self._phone(), sort_order=i + 1)
            block.cadres.append(cadre)
        for i, village in enumerate(block.villages[1::3][:4]):
            kind = "社区" if village.kind == Unit.Kind.COMMUNITY else "村"
            title = VILLAGE_CADRE_TITLES[i % len(VILLAGE_CADRE_TITLES)].format(kind=kind)
            name = self._name(female=i == 3 or self.rng.random() < 0.3)
            user = self._user("vcadre", "vcadre", name, f"{name}（{village.name}{title.removeprefix(kind)}）")
            cadre = Cadre(
                user=user,
                name=name,
                title=title,
                portfolio="联系本村优秀人才",
                level=Level.VILLAGE,
                village=village,
                phone=self._phone(),
                sort_order=i + 1,
            )
            block.vcadres.append(cadre)
        self.rows[Cadre] += block.cadres + block.vcadres

    def _talents(self, block: _Block, index: int) -> None:
        home_villages = iter(block.villages[i % len(block.villages)] for i in range(1000))
        for profile in PROFILES:
            for n in range(profile.count):
                special = SPECIAL_TALENTS.get(profile.key) if index == 0 and n == 0 else None
                block.talents.append(self._talent(block, profile, special, home_villages))
        for talent in self.rng.sample(block.talents, 8):
            talent.thoughts = self.rng.choice(THOUGHTS)
        self.rows[Talent] += block.talents

    def _talent(self, block: _Block, profile: _Profile, special, home_villages) -> Talent:
        rng = self.rng
        if special:
            name, female, ethnicity, area = special
        else:
            female = rng.random() < profile.female_share
            name = self._name(female=female)
            ethnicity = rng.choice(MINORITIES) if rng.random() < 0.1 else "汉族"
            area = rng.choice(OTHER_AREAS) if profile.category == INT or rng.random() < 0.08 else HOME_AREA
        born = datetime.date(rng.randint(*profile.born), rng.randint(1, 12), rng.randint(1, 28))
        unit = next(home_villages) if profile.unit == "village" else block.units[profile.unit]
        village = unit if unit.is_village else rng.choice(block.villages)
        education, degree = rng.choice(profile.education)
        role = rng.randrange(len(profile.positions))

        def pick(options: tuple[str, ...]) -> str:
            return options[role] if len(options) == len(profile.positions) else rng.choice(options)

        speciality = pick(profile.specialities)
        context = {
            "county": self.org.county,
            "year": self.today.year - rng.randint(1, 3),
            "years": rng.randint(6, 25),
            "n": rng.randint(3, 30) * 100,
            "n2": rng.randint(2, 9),
            "m": rng.randint(12, 80),
            "pct": rng.randint(86, 98),
            "money": rng.randint(50, 600),
            "speciality": speciality,
            "brand": block.brand,
        }
        if len(profile.achievements) == len(profile.positions):
            achievements = [profile.achievements[role]]
        else:
            achievements = rng.sample(profile.achievements, min(2, len(profile.achievements)))
        political = rng.choice(POLITICAL)
        if political == "共青团员" and self.today.year - born.year > 28:  # the League ends at 28
            political = "群众"
        honours = [h for h in rng.sample(profile.honours, min(2, len(profile.honours))) if h]
        return Talent(
            name=name,
            name_pinyin=pinyin_key(name),  # written with bulk_create: no save()
            gender=Talent.Gender.FEMALE if female else Talent.Gender.MALE,
            ethnicity=ethnicity,
            birth_month=born,
            id_number=self._id_number(area, born, female=female),
            political_status=political,
            education=education,
            degree=degree,
            school_and_major=pick(profile.schools) if education not in ("初中", "小学及以下") else "",
            unit=unit,
            position=profile.positions[role],
            title=pick(profile.titles),
            category=profile.category,
            rural_type=profile.rural_type,
            speciality=speciality,
            village=village,
            phone=self._phone(),
            address=f"{self.org.county}{block.township}{village.name}{rng.randint(1, 9)}组",
            achievements="".join(a.format(**context) for a in achievements),
            honours="；".join(h.format(**context) for h in honours),
            created_by=self.office,
        )

    def _id_number(self, area: str, born: datetime.date, *, female: bool) -> str:
        """A GB 11643 number: area, birth date, sequence (odd for men, even for women), check char."""
        while True:
            sequence = self.rng.randrange(2, 998)
            sequence += (sequence % 2) ^ (0 if female else 1)
            first17 = f"{area}{born:%Y%m%d}{sequence:03d}"
            number = first17 + id_check_char(first17)
            if number not in self.id_numbers:
                self.id_numbers.add(number)
                return number

    # everything dated, laid out around today

    def _dated(self) -> None:
        start = self.today.year if self.today.year % 2 else self.today.year - 1
        self.previous = self._term(start - 2, current=False)
        self.current = self._term(start, current=True)
        for block in self.blocks:
            self.block_start = {model: len(self.rows[model]) for model in (Suggestion, Demand, Recommendation)}
            kept = self._term_pairings(block, self.previous, None)
            self._term_pairings(block, self.current, kept)
            self._contacts(block)
            self._suggestions(block)
            self._demands(block)
            self._events(block)
            self._recommendations(block)
            self._feedback(block)
            self._reports(block)

    def _term(self, start_year: int, *, current: bool) -> Term:
        term = Term(
            name=Term.name_for(start_year),
            start_date=datetime.date(start_year, 1, 1),
            end_date=datetime.date(start_year + 1, 12, 31),
            is_current=current,
        )
        self.rows[Term].append(term)
        return term

    def _day(self, lo: datetime.date, hi: datetime.date) -> datetime.date:
        """A day in [lo, hi]; lo when the range is empty."""
        span = (hi - lo).days
        return lo + datetime.timedelta(days=self.rng.randint(0, span)) if span > 0 else lo

    def _moment(self, day: datetime.date, hour: int = 10) -> datetime.datetime:
        moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, self.rng.randint(0, 59))))
        return min(moment, self.now)

    def _pair(self, block: _Block, term: Term, cadre: Cadre, talent: Talent, start, replaces=None) -> Pairing:
        pairing = Pairing(
            term=term,
            cadre=cadre,
            talent=talent,
            level=cadre.level,
            start_date=start,
            replaces=replaces,
            created_by=self.office,
        )
        block.pairings.append(pairing)
        self.rows[Pairing].append(pairing)
        return pairing

    def _term_pairings(self, block: _Block, term: Term, kept: dict[int, Talent] | None) -> dict[int, Talent]:
        """Pair every cadre for the term, adjust two mid-term, end all at the end of a past term.

        Returns cadre → talent at the end of the term, for continuity into the next one."""
        rng, last = self.rng, min(term.end_date, self.today)
        pool = [t for t in block.talents if t.status == Talent.Status.IN_POOL]
        rng.shuffle(pool)
        village_paired = self._village_pairings(block, term, pool)
        used: set[int] = set()
        opened: dict[int, Pairing] = {}
        for cadre in block.cadres:
            talent = (kept or {}).get(id(cadre))
            if talent is None or talent.status != Talent.Status.IN_POOL or rng.random() < 0.3 or id(talent) in used:
                talent = next(t for t in pool if id(t) not in used)
            used.add(id(talent))
            opened[id(cadre)] = self._pair(block, term, cadre, talent, term.start_date)
        movable = [c for c in block.cadres if id(opened[id(c)].talent) not in village_paired]
        for reason, cadre in zip(Pairing.EndReason.values[:2], rng.sample(movable, 2), strict=True):
            old = opened[id(cadre)]
            day = self._day(term.start_date + datetime.timedelta(days=60), last - datetime.timedelta(days=30))
            day = max(term.start_date, min(day, last))
            old.end_date, old.end_reason = day, reason
            if reason == Pairing.EndReason.POST_CHANGE:
                old.end_note = rng.choice(POST_CHANGE_NOTES)
            else:
                old.end_note = "人才调出人才库，重新确定联系对象。"
                old.talent.status, old.talent.out_date = Talent.Status.OUT, day
                old.talent.out_reason = rng.choice(TALENT_OUT_REASONS)
            talent = next(t for t in pool if id(t) not in used and t.status == Talent.Status.IN_POOL)
            used.add(id(talent))
            opened[id(cadre)] = self._pair(block, term, cadre, talent, min(day + datetime.timedelta(days=1), last), old)
        if term.end_date < self.today:
            for p in block.pairings:
                if p.term is term and p.end_date is None:
                    p.end_date, p.end_reason = term.end_date, Pairing.EndReason.TERM_ENDED
        return {key: p.talent for key, p in opened.items()}

    def _village_pairings(self, block: _Block, term: Term, pool: list[Talent]) -> set[int]:
        paired: set[int] = set()
        for cadre in block.vcadres:
            candidates = [t for t in pool if t.village is cadre.village and id(t) not in paired]
            if candidates:
                talent = self.rng.choice(candidates)
                paired.add(id(talent))
                self._pair(block, term, cadre, talent, term.start_date)
        return paired

    def _contacts(self, block: _Block) -> None:
        """Contacts in every year of both terms; a fifth of the cadres has none yet this year."""
        rng = self.rng
        block.missing_this_year = rng.sample(block.cadres, max(1, len(block.cadres) // 5)) + block.vcadres[:1]
        missing = {id(c) for c in block.missing_this_year}
        for pairing in block.pairings:
            for year in range(pairing.start_date.year, self.today.year + 1):
                if year == self.today.year and id(pairing.cadre) in missing:
                    continue
                lo = max(pairing.start_date, datetime.date(year, 1, 1))
                hi = min(pairing.end_date or self.today, datetime.date(year, 12, 31), self.today)
                if lo > hi:
                    continue
                counts = (1, 1, 2, 2, 3) if pairing.level == Level.TOWNSHIP else (1, 1, 2)
                for _n in range(rng.choice(counts)):
                    block.contacts.append(self._contact(pairing, self._day(lo, hi)))
        latest: dict[int, Contact] = {}  # the latest contact this year of each pairing
        for contact in sorted(block.contacts, key=lambda c: c.date):
            if contact.date.year == self.today.year:
                latest[id(contact.pairing)] = contact
        # Two recent urgent calls from different talents: one handled, the newest still open (R7).
        recent = sorted(latest.values(), key=lambda c: c.date)[-2:]
        for contact, handled in zip(recent, (True, False)[2 - len(recent) :], strict=True):
            self._make_urgent(contact, handled=handled)
        self.rows[Contact] += block.contacts

    def _contact(self, pairing: Pairing, day: datetime.date) -> Contact:
        return Contact(**self._contact_fields(pairing, day, self.rng))

    def _contact_fields(self, pairing: Pairing, day: datetime.date, rng: random.Random) -> dict:
        talent = pairing.talent
        method = rng.choices(METHODS, METHOD_WEIGHTS)[0]
        by_talent = (
            method in (Contact.Method.FACE_TO_FACE, Contact.Method.PHONE, Contact.Method.LETTER) and rng.random() < 0.15
        )
        words = {
            "name": talent.name,
            "speciality": talent.speciality or talent.position,
            "policy": rng.choice(POLICIES),
            "topic": rng.choice(TOPICS),
            "village": talent.village.name,
        }
        places = {
            Contact.Method.FACE_TO_FACE: (
                talent.unit.name,
                f"{talent.village.name}党群服务中心",
                "乡党委会议室",
                "生产基地现场",
            ),
            Contact.Method.INTERVIEW: ("乡党委会议室",),
            Contact.Method.VISIT: (f"{talent.name}家中",),
            Contact.Method.INSPECTION: (talent.village.name,),
        }
        guidance, consultation, service = (rng.random() < 0.7, rng.random() < 0.5, rng.random() < 0.6)
        return dict(
            pairing=pairing,
            date=day,
            method=method,
            direction=Contact.Direction.TALENT if by_talent else Contact.Direction.CADRE,
            is_guidance=guidance or not (consultation or service),
            is_consultation=consultation,
            is_service=service,
            place=rng.choice(places.get(method, ("",))),
            situation_thought=rng.choice(SITUATIONS["thought"]),
            situation_work=rng.choice(SITUATIONS["work"]).format(**words),
            situation_study=rng.choice(SITUATIONS["study"]),
            situation_health=rng.choice(SITUATIONS["health"]),
            situation_life=rng.choice(SITUATIONS["life"]),
            summary=(TALENT_INITIATED if by_talent else SUMMARIES[method]).format(**words),
            created_by=pairing.cadre.user,
        )

    def _make_urgent(self, contact: Contact, *, handled: bool) -> None:
        matter = self.rng.choice(URGENT_MATTERS)
        contact.urgent, contact.method, contact.direction = True, Contact.Method.PHONE, Contact.Direction.TALENT
        contact.place = ""
        contact.summary = f"{contact.pairing.talent.name}来电反映：{matter}，请求协调处理。已报告乡党委并通知相关站所。"
        if handled:
            contact.handled_at, contact.handled_by = self._moment(contact.date, 16), self.office

    def _suggestions(self, block: _Block) -> None:
        rng = self.rng
        statuses = list(Suggestion.Status)
        words = {"township": block.township, "stem": block.stem}
        for i, contact in enumerate(rng.sample(block.contacts, min(len(SUGGESTIONS), len(block.contacts)))):
            content, category, to = SUGGESTIONS[i]
            status, to = statuses[i % len(statuses)], to.format(**words)
            contact.is_consultation = True
            answer = {
                Suggestion.Status.ADOPTED: ADOPTED_ANSWER.format(year=contact.date.year, to=to),
                Suggestion.Status.NOT_ADOPTED: NOT_ADOPTED_ANSWER.format(to=to),
            }.get(status, "")
            self.rows[Suggestion].append(
                Suggestion(
                    talent=contact.pairing.talent,
                    contact=contact,
                    content=content,
                    category=category,
                    forwarded_to="" if status == Suggestion.Status.COLLECTED else to,
                    status=status,
                    answer=answer,
                    created_by=self.office,
                )
            )

    def _demands(self, block: _Block) -> None:
        rng = self.rng
        paired = [p.talent for p in block.pairings if p.end_date is None and p.level == Level.TOWNSHIP]
        in_pool = [t for t in block.talents if t.status == Talent.Status.IN_POOL]
        contacts_of: dict[int, list[Contact]] = defaultdict(list)
        for contact in block.contacts:
            contacts_of[id(contact.pairing.talent)].append(contact)
        statuses = list(Demand.Status)
        for i, item in enumerate(DEMANDS):
            talent = rng.choice(paired if rng.random() < 0.7 else in_pool)
            self._demand(block, talent, item, statuses[i % len(statuses)], contacts_of[id(talent)])

    def _demand(self, block: _Block, talent: Talent, item, status: str, contacts: list[Contact]) -> None:
        rng, days = self.rng, datetime.timedelta
        kind, content, unit_key, measures, resolved = item
        back = {"open": (0, 45), "in_progress": (10, 120)}.get(status, (30, 420))
        raised = self.today - days(rng.randint(*back))
        source, contact = rng.choice((Demand.Source.UNIT, Demand.Source.TALENT)), None
        recent = [c for c in contacts if raised - days(30) <= c.date <= raised]
        if recent:
            source, contact = Demand.Source.CONTACT, rng.choice(recent)
            raised = contact.date
        urgency = rng.choices(list(Demand.Urgency), (6, 2, 1, 1))[0]
        unit = talent.village if unit_key == "village" else block.units[unit_key]
        cadre = block.open_cadre_of(talent) or rng.choice(block.cadres)
        due = raised + days(
            {"urgent": 1, "pressing": rng.randint(3, 5), "complex": rng.randint(30, 45)}.get(
                urgency, rng.randint(10, 20)
            )
        )
        demand = Demand(
            talent=talent,
            raised_on=raised,
            source=source,
            contact=contact,
            kind=kind,
            urgency=urgency,
            content=content.format(stem=block.stem),
            responsible_unit=unit,
            coordinating_cadre=cadre,
            measures=measures if status != "open" or rng.random() < 0.5 else "",
            due_date=due,
            status=status,
            created_by=self.office,
        )
        if status in Demand.CLOSED_STATUSES:
            self._close(demand, resolved, unit)
        if urgency == Demand.Urgency.URGENT and status != Demand.Status.OPEN:
            demand.handled_at, demand.handled_by = self._moment(raised, 17), self.office
        self.rows[Demand].append(demand)
        end = demand.closed_on or self.today
        for n in range(rng.randint(1, 3) if status != "open" else 0):
            note = PROGRESS_NOTES[n].format(unit=unit.name, cadre=cadre.name)
            self.rows[DemandProgress].append(
                DemandProgress(demand=demand, date=self._day(raised, end), note=note, created_by=self.office)
            )

    def _close(self, demand: Demand, resolved: str, unit: Unit) -> None:
        rng = self.rng
        demand.closed_on = min(demand.raised_on + datetime.timedelta(days=rng.randint(2, 40)), self.today)
        if demand.status == Demand.Status.RESOLVED:
            demand.result = resolved
        else:
            demand.result = EXPLAINED_RESULT.format(unit=unit.name)
        satisfaction = rng.choices(["satisfied", "fairly", "unsatisfied", ""], (5, 2, 1, 2))[0]
        if satisfaction:
            demand.satisfaction = satisfaction
            demand.follow_up_on = min(demand.closed_on + datetime.timedelta(days=3), self.today)
            label = Demand.Satisfaction(satisfaction).label
            demand.follow_up = f"电话回访本人，对办理结果表示“{label}”。"

    def _events(self, block: _Block) -> None:
        rng = self.rng
        in_pool = [t for t in block.talents if t.status == Talent.Status.IN_POOL]
        kinds = list(MajorEvent.Kind) + rng.sample(list(MajorEvent.Kind), 2)
        for kind in kinds:
            talent = rng.choice(in_pool)
            day = self.today - datetime.timedelta(days=rng.randint(0, 300))
            event = MajorEvent(
                talent=talent,
                kind=kind,
                date=day,
                description=rng.choice(EVENTS[kind]).format(county=self.org.county, unit=talent.unit.name),
                reporting_unit=talent.unit,
                reporter_name=talent.unit.liaison_name,
                cadre=block.open_cadre_of(talent),
                created_by=self.office,
            )
            if rng.random() < 0.6:
                event.acknowledged_at = self._moment(day + datetime.timedelta(days=1), 9)
                event.acknowledged_by = rng.choice((self.office, self.leader))
            self.rows[MajorEvent].append(event)

    def _recommendations(self, block: _Block) -> None:
        rng, year = self.rng, self.today.year
        Role, Lvl, Out = Recommendation.Role, Recommendation.Level, Recommendation.Outcome
        plan = (
            (Role.PEOPLES_CONGRESS, Lvl.TOWNSHIP, year - 1, (Out.ELECTED, Out.NOT_ELECTED)),
            (Role.PARTY_CONGRESS, Lvl.TOWNSHIP, year - 1, (Out.ELECTED,)),
            (Role.CPPCC, Lvl.COUNTY, year - 1, (Out.ELECTED, Out.NOT_ELECTED)),
            (Role.PEOPLES_CONGRESS, Lvl.COUNTY, year, (Out.PENDING, Out.ELECTED)),
            (Role.PARTY_CONGRESS, Lvl.COUNTY, year, (Out.PENDING,)),
            (Role.PEOPLES_CONGRESS, Lvl.TOWNSHIP, year, (Out.PENDING,)),
        )
        candidates = [t for t in block.talents if t.status == Talent.Status.IN_POOL]
        rng.shuffle(candidates)
        for role, level, when, outcomes in plan:
            talent = next(t for t in candidates if role != Role.PARTY_CONGRESS or t.political_status == "中共党员")
            candidates.remove(talent)
            self.rows[Recommendation].append(
                Recommendation(
                    talent=talent,
                    role=role,
                    level=level,
                    year=when,
                    organization=talent.village,
                    outcome=rng.choice(outcomes),
                    note=f"经{talent.village.party_organization}会议研究推荐",
                    created_by=self.office,
                )
            )

    def _feedback(self, block: _Block) -> None:
        for i, (content, status, handling) in enumerate(FEEDBACK):
            cadre = block.missing_this_year[0] if i == 0 else None
            talent = next((p.talent for p in block.pairings if p.cadre is cadre and p.end_date is None), None)
            unit = talent.unit if talent else list(block.units.values())[i]
            item = Feedback(
                unit=unit, talent=talent, cadre=cadre, content=content, status=status, created_by=self.office
            )
            if status == Feedback.Status.HANDLED:
                item.handling = handling
                item.handled_at = self._moment(self.today - datetime.timedelta(days=self.rng.randint(3, 40)), 15)
                item.handled_by = self.office
            self.rows[Feedback].append(item)

    def _reports(self, block: _Block) -> None:
        """Last year's reports all received; this year's: drafts, submitted, one returned, a few missing."""
        year = self.today.year
        for village in block.villages:
            secretary = village.secretary
            submitted = self._moment(self._day(datetime.date(year - 1, 12, 10), datetime.date(year - 1, 12, 28)), 11)
            self.rows[VillageReport].append(
                VillageReport(
                    village=village,
                    year=year - 1,
                    status=VillageReport.Status.RECEIVED,
                    submitted_at=submitted,
                    submitted_by=secretary,
                    received_at=submitted + datetime.timedelta(days=2),
                    **self._report_text(block, village, year - 1),
                )
            )
        for i, village in enumerate(block.villages):
            status = ("draft", "submitted", "submitted", "returned", "draft", None)[i % 6]
            if status is None:
                continue
            text = self._report_text(block, village, year)
            report = VillageReport(village=village, year=year, status=status)
            if status == VillageReport.Status.DRAFT:
                report.basic_situation = text["basic_situation"]
            else:
                for field, value in text.items():
                    setattr(report, field, value)
                start = max(datetime.date(year, 1, 1), self.today - datetime.timedelta(days=20))
                report.submitted_at, report.submitted_by = (
                    self._moment(self._day(start, self.today), 9),
                    village.secretary,
                )
            if status == VillageReport.Status.RETURNED:
                report.return_reason = "联系次数与台账不一致，请核实后重新提交。"
            self.rows[VillageReport].append(report)

    def _of_block(self, model: type) -> list:
        """The rows of the block being generated (other blocks' rows never match its talents)."""
        return self.rows[model][self.block_start[model] :]

    def _report_text(self, block: _Block, village: Unit, year: int) -> dict[str, str]:
        talents = [t for t in block.talents if t.village is village]
        ids = {id(t) for t in talents}
        contacts = [c for c in block.contacts if id(c.pairing.talent) in ids and c.date.year == year]
        categories = Counter(t.category for t in talents)
        figures = {
            "year": year,
            "next_year": year + 1,
            "village": village.name,
            "talents": len(talents),
            "pairings": sum(
                1
                for p in block.pairings
                if p.cadre.village is village and p.start_date.year <= year <= (p.end_date or self.today).year
            ),
            "contacts": len(contacts),
            "face": sum(c.method == Contact.Method.FACE_TO_FACE for c in contacts),
            "suggestions": sum(
                1 for s in self._of_block(Suggestion) if id(s.talent) in ids and s.contact.date.year == year
            ),
            "closed": sum(
                1 for d in self._of_block(Demand) if id(d.talent) in ids and d.closed_on and d.closed_on.year == year
            ),
            "recommendations": sum(
                1 for r in self._of_block(Recommendation) if r.organization is village and r.year == year
            ),
            **{str(c): categories[c] for c in Talent.Category.values},
        }
        return {field: template.format(**figures) for field, template in REPORT_TEXT.items()}

    # writing

    def _save(self, groups: dict[str, Group]) -> None:
        user_model = get_user_model()
        for user in self.users:
            user.password = self.password_hash
        user_model.objects.bulk_create(self.users)
        through = user_model.groups.through
        through.objects.bulk_create([through(user=u, group=groups[role]) for u, role in self.memberships])
        for model in (Unit, Cadre, Talent, Term):
            model.objects.bulk_create(self.rows[model])
        pairings = self.rows[Pairing]
        Pairing.objects.bulk_create([p for p in pairings if p.replaces is None])
        Pairing.objects.bulk_create([p for p in pairings if p.replaces is not None])
        for model in (Contact, Suggestion, Demand, DemandProgress, MajorEvent, Recommendation, Feedback, VillageReport):
            model.objects.bulk_create(self.rows[model], batch_size=500)

    def _top_up(self) -> None:
        """County and stress scales: each township topped up to the scale's contacts and demands."""
        scale = self.scale
        if not (scale.contacts or scale.demands):
            return
        writer = _Writer((Contact, Suggestion, Demand, DemandProgress))
        for block in self.blocks:
            top_up = _TopUp(self, block, writer)
            contacts = top_up.contacts(scale.contacts - len(block.contacts))
            suggestions = top_up.suggestions(contacts)
            demands, progress = top_up.demands(scale.demands - len(DEMANDS), contacts)  # DEMANDS: the block's own
            for model, rows in ((Contact, contacts), (Suggestion, suggestions), (Demand, demands)):
                writer.insert(model, rows)
                self.topped_up[model] += len(rows)
            writer.insert(DemandProgress, progress)
        writer.finish()

    def _counts(self) -> dict[str, int]:
        units = self.rows[Unit]
        n = {model: len(self.rows[model]) + self.topped_up[model] for model in (Contact, Suggestion, Demand)}
        return {
            "村(社区)": sum(u.is_village for u in units),
            "乡属单位": sum(not u.is_village for u in units),
            "乡班子成员": sum(c.level == Level.TOWNSHIP for c in self.rows[Cadre]),
            "村级联系人": sum(c.level == Level.VILLAGE for c in self.rows[Cadre]),
            "人才": len(self.rows[Talent]),
            "届期": len(self.rows[Term]),
            "结对": len(self.rows[Pairing]),
            "联系记录": n[Contact],
            "意见建议": n[Suggestion],
            "诉求": n[Demand],
            "重大事项": len(self.rows[MajorEvent]),
            "推荐": len(self.rows[Recommendation]),
            "工作反馈": len(self.rows[Feedback]),
            "村年度报告": len(self.rows[VillageReport]),
            "账号": len(self.users),
        }


# --- the top-up of the larger scales --------------------------------------------------------

BATCH = 2_000  # rows per executemany


class _Writer:
    """Writes plain records with one prepared INSERT run over many rows (``executemany``).

    ``bulk_create`` builds a model instance and compiles SQL for every value of every row: close to
    a millisecond a contact on a loaded machine, most of an hour for the stress scale. Here a row
    is a ``SimpleNamespace`` of field values, the statement is built once per table, ids are handed
    out in advance (so suggestions and demands can point at contacts not yet written) and only
    dates and times go through the backend's adapters. The id sequences are reset at the end
    (PostgreSQL; SQLite's AUTOINCREMENT follows explicit ids by itself).
    """

    def __init__(self, tables: tuple[type, ...]) -> None:
        self.now = timezone.now()
        self.next_id = {}
        for model in tables:
            top = model.objects.aggregate(top=Max("pk"))["top"]
            self.next_id[model] = (top or 0) + 1

    def row(self, model: type, **values) -> SimpleNamespace:
        """A record of ``model`` with its id already given."""
        values["id"], self.next_id[model] = self.next_id[model], self.next_id[model] + 1
        return SimpleNamespace(**values)

    def _columns(self, model: type) -> list[tuple[str, object, object, bool]]:
        """(field name, default, adapter, is a relation) per column, in table order."""
        ops, columns = connection.ops, []
        for field in model._meta.concrete_fields:
            if getattr(field, "auto_now_add", False):
                default = self.now
            else:
                default = None if field.primary_key or field.null else field.get_default()
            if isinstance(field, models.DateTimeField):
                adapt = ops.adapt_datetimefield_value
            elif isinstance(field, models.DateField):
                adapt = ops.adapt_datefield_value
            else:
                adapt = None
            columns.append((field.name, default, adapt, field.is_relation))
        return columns

    def insert(self, model: type, rows: list[SimpleNamespace]) -> None:
        if not rows:
            return
        ops, columns = connection.ops, self._columns(model)
        table = ops.quote_name(model._meta.db_table)
        names = ", ".join(ops.quote_name(f.column) for f in model._meta.concrete_fields)
        sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608 -- our own names

        def values(row: SimpleNamespace) -> tuple:
            given, out = row.__dict__, []
            for name, default, adapt, relation in columns:
                value = given.get(name, default)
                if value is None:
                    pass
                elif relation:
                    value = value.id
                elif adapt is not None:
                    value = adapt(value)
                elif isinstance(value, str):
                    value = str(value)  # TextChoices members as plain text for every driver
                out.append(value)
            return tuple(out)

        with connection.cursor() as cursor:
            for start in range(0, len(rows), BATCH):
                cursor.executemany(sql, [values(row) for row in rows[start : start + BATCH]])

    def finish(self) -> None:
        statements = connection.ops.sequence_reset_sql(no_style(), list(self.next_id))
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


class _TopUp:
    """More contacts, suggestions and demands for one township, consistent with its pairings.

    Contacts fall inside their pairing's dates, never in the future and never this year for the
    cadres the township leaves uncontacted (R9 reminders stay meaningful); a fifth of those with
    opinions asked carry a suggestion; demands come mostly from contacts (raised on the contact's
    day, coordinated by the talent's township cadre), their state follows their age, and urgent
    ones are already handled (the home page's urgent list stays the township's own handful).
    """

    def __init__(self, seeder: _Seeder, block: _Block, writer: _Writer) -> None:
        self.s, self.block, self.rng, self.writer = seeder, block, seeder.volume_rng, writer
        self.today, self.office = seeder.today, seeder.office
        self.open_cadre = {
            id(p.talent): p.cadre for p in block.pairings if p.end_date is None and p.level == Level.TOWNSHIP
        }

    def _day(self, lo: datetime.date, hi: datetime.date) -> datetime.date:
        span = (hi - lo).days
        return lo + datetime.timedelta(days=self.rng.randint(0, span)) if span > 0 else lo

    def _moment(self, day: datetime.date, hour: int) -> datetime.datetime:
        moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, self.rng.randint(0, 59))))
        return min(moment, self.s.now)

    def contacts(self, count: int) -> list[SimpleNamespace]:
        """``count`` contacts spread evenly over the days each pairing was open."""
        if count <= 0:
            return []
        missing = {id(c) for c in self.block.missing_this_year}
        slots, cum, total = [], [], 0
        for p in self.block.pairings:
            for year in range(p.start_date.year, self.today.year + 1):
                if year == self.today.year and id(p.cadre) in missing:
                    continue
                lo = max(p.start_date, datetime.date(year, 1, 1))
                hi = min(p.end_date or self.today, datetime.date(year, 12, 31), self.today)
                if lo <= hi:
                    total += (hi - lo).days + 1
                    slots.append((p, lo, (hi - lo).days))
                    cum.append(total)
        rng, days = self.rng, datetime.timedelta
        picked = rng.choices(slots, cum_weights=cum, k=count)
        made = [(lo + days(days=rng.randint(0, span)), p) for p, lo, span in picked]
        made.sort(key=lambda pair: pair[0])  # ids grow with the date, as when recorded day by day
        return [self.writer.row(Contact, **self.s._contact_fields(p, day, rng)) for day, p in made]

    def suggestions(self, contacts: list[SimpleNamespace]) -> list[SimpleNamespace]:
        rng, statuses = self.rng, list(Suggestion.Status)
        words = {"township": self.block.township, "stem": self.block.stem}
        rows = []
        for contact in contacts:
            if not contact.is_consultation or rng.random() >= 0.2:
                continue
            content, category, to = rng.choice(SUGGESTIONS)
            status, to = rng.choices(statuses, (2, 2, 3, 1))[0], to.format(**words)
            answer = {
                Suggestion.Status.ADOPTED: ADOPTED_ANSWER.format(year=contact.date.year, to=to),
                Suggestion.Status.NOT_ADOPTED: NOT_ADOPTED_ANSWER.format(to=to),
            }.get(status, "")
            rows.append(
                self.writer.row(
                    Suggestion,
                    talent=contact.pairing.talent,
                    contact=contact,
                    content=content,
                    category=category,
                    forwarded_to="" if status == Suggestion.Status.COLLECTED else to,
                    status=status,
                    answer=answer,
                    created_by=self.office,
                )
            )
        return rows

    def demands(self, count: int, contacts: list[SimpleNamespace]) -> tuple[list, list]:
        rng, days = self.rng, datetime.timedelta
        in_pool = [t for t in self.block.talents if t.status == Talent.Status.IN_POOL]
        demands, progress = [], []
        for _n in range(max(count, 0)):
            contact = rng.choice(contacts) if contacts and rng.random() < 0.7 else None
            if contact is not None:
                talent, raised, source = contact.pairing.talent, contact.date, Demand.Source.CONTACT
            else:
                talent = rng.choice(in_pool)
                raised = self.today - days(days=rng.randint(0, 700))
                source = rng.choice((Demand.Source.UNIT, Demand.Source.TALENT))
            demand = self._demand(talent, raised, source, contact)
            demands.append(demand)
            end = demand.closed_on or self.today
            for i in range(rng.randint(1, 3) if demand.status != Demand.Status.OPEN else 0):
                unit, cadre = demand.responsible_unit, demand.coordinating_cadre
                note = PROGRESS_NOTES[i].format(unit=unit.name, cadre=cadre.name)
                progress.append(
                    self.writer.row(
                        DemandProgress, demand=demand, date=self._day(raised, end), note=note, created_by=self.office
                    )
                )
        return demands, progress

    def _status(self, age: int) -> str:
        S = Demand.Status
        weights = (50, 40, 8, 2) if age <= 30 else (10, 30, 50, 10) if age <= 120 else (2, 3, 80, 15)
        return self.rng.choices((S.OPEN, S.IN_PROGRESS, S.RESOLVED, S.EXPLAINED), weights)[0]

    def _demand(self, talent: Talent, raised: datetime.date, source: str, contact) -> SimpleNamespace:
        rng, days, block = self.rng, datetime.timedelta, self.block
        kind, content, unit_key, measures, resolved = rng.choice(DEMANDS)
        status = self._status((self.today - raised).days)
        urgency = rng.choices(list(Demand.Urgency), (6, 2, 1, 1))[0]
        unit = talent.village if unit_key == "village" else block.units[unit_key]
        cadre = self.open_cadre.get(id(talent)) or (contact.pairing.cadre if contact else None)
        if cadre is None or cadre.level != Level.TOWNSHIP:
            cadre = rng.choice(block.cadres)
        wait = {"urgent": 1, "pressing": rng.randint(3, 5), "complex": rng.randint(30, 45)}.get(urgency)
        demand = self.writer.row(
            Demand,
            talent=talent,
            raised_on=raised,
            source=source,
            contact=contact,
            kind=kind,
            urgency=urgency,
            content=content.format(stem=block.stem),
            responsible_unit=unit,
            coordinating_cadre=cadre,
            measures=measures if status != Demand.Status.OPEN or rng.random() < 0.5 else "",
            due_date=raised + days(days=wait or rng.randint(10, 20)),
            status=status,
            created_by=self.office,
            closed_on=None,
        )
        if status in Demand.CLOSED_STATUSES:
            demand.closed_on = min(raised + days(days=rng.randint(2, 40)), self.today)
            demand.result = resolved if status == Demand.Status.RESOLVED else EXPLAINED_RESULT.format(unit=unit.name)
            satisfaction = rng.choices(["satisfied", "fairly", "unsatisfied", ""], (5, 2, 1, 2))[0]
            if satisfaction:
                demand.satisfaction = satisfaction
                demand.follow_up_on = min(demand.closed_on + days(days=3), self.today)
                label = Demand.Satisfaction(satisfaction).label
                demand.follow_up = f"电话回访本人，对办理结果表示“{label}”。"
        if urgency == Demand.Urgency.URGENT:
            demand.handled_at, demand.handled_by = self._moment(raised, 17), self.office
        return demand
