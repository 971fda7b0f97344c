"""Finding a talent by what the office types: name, pinyin, pinyin initials, phone or unit.

张三 is found by ``张三``, ``zhangsan``, ``zhang``, ``zs``, a part of the phone number or of the
unit's name.

How pinyin is matched: every talent stores its search key ``name_pinyin`` (every full spelling and
every initials string of its name, lower case, joined by "|": ``zhangsan|zs``), computed from the
name by ``pinyin_key`` in ``Talent.save()`` and wherever talents are written without it (the
importer's and the demo seeder's bulk writes, the anonymisation's ``update()``; a data migration
filled the existing rows). SQLite and PostgreSQL have no pinyin function of their own, so the key is
computed in Python once per write, and a search is one ``LIKE`` on the key inside the page's own
query: the same queries and no per-talent Python work whatever the number of talents. (Before,
every search read every talent's name and computed its pinyin per request: 97 ms at 20,000.)
Anything that writes ``Talent.name`` without ``save()`` must write ``name_pinyin`` with it.

Polyphonic characters (曾 zeng/ceng, 单 shan/dan, 仇 qiu/chou) are matched in every reading
pypinyin knows (``heteronym=True``), combined per name up to ``MAX_READINGS`` combinations so a
name made of many polyphones cannot blow up.
"""

from __future__ import annotations

import itertools
import re
from functools import lru_cache

from django.db.models import CharField, Func, Q, QuerySet
from pypinyin import Style, lazy_pinyin, pinyin

from .models import Unit

MAX_READINGS = 64  # combinations of polyphone readings kept per name
MAX_PER_CHARACTER = 4  # readings of one character considered
_PINYIN_QUERY = re.compile(r"^[a-z]+\Z")


def _combinations(syllables: list[list[str]]) -> set[str]:
    options = [[s.lower() for s in choices[:MAX_PER_CHARACTER]] for choices in syllables]
    return {"".join(combo) for combo in itertools.islice(itertools.product(*options), MAX_READINGS)}


@lru_cache(maxsize=20_000)
def pinyin_keys(name: str) -> frozenset[str]:
    """Every full spelling and every initials string a name can be typed as, lower case.

    ``lazy_pinyin`` gives the reading pypinyin's phrase dictionary prefers; the heteronym
    combinations add the other readings of polyphones. Characters pypinyin does not know (rare
    characters, Latin letters) are kept as they are.
    """
    keys = {"".join(lazy_pinyin(name)).lower(), "".join(lazy_pinyin(name, style=Style.FIRST_LETTER)).lower()}
    keys |= _combinations(pinyin(name, style=Style.NORMAL, heteronym=True))
    keys |= _combinations(pinyin(name, style=Style.FIRST_LETTER, heteronym=True))
    return frozenset(k.replace(" ", "") for k in keys)


def pinyin_query(text: str) -> str | None:
    """The query as pinyin letters (``Zhang San`` → ``zhangsan``), or None when it is not pinyin."""
    letters = re.sub(r"[\s']+", "", text).lower()
    return letters if _PINYIN_QUERY.match(letters) else None


@lru_cache(maxsize=50_000)
def pinyin_key(name: str) -> str:
    """The stored search key of a name (``Talent.name_pinyin``): its pinyin keys in one string.

    Keys are letters (and the characters pypinyin keeps as they are), "|" joins them, so a query of
    letters is a substring of the key exactly when it is a substring of one of the name's keys."""
    return "|".join(sorted(pinyin_keys(name)))


class Unindexed(Func):
    """A column SQLite's planner may not use an index for (``+name``; the plain column elsewhere).

    SQLite picks one index per table; where it picks the wrong one for a page of 50 rows, hiding a
    column from it picks the right one. PostgreSQL plans from statistics and needs no such hint.
    Give ``output_field`` for lookups (``Unindexed("status", output_field=CharField())``)."""

    template = "%(expressions)s"

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, template="+%(expressions)s", **extra)


def search_order(talents: QuerySet) -> QuerySet:
    """The list's order (name, id) for a searched list: found by one scan of the table, then sorted.

    Otherwise SQLite walks the name index, reading each talent in name order until a page of
    matches is found: 70 ms for a rare match among 20,000 talents, against 15 ms for one scan."""
    return talents.order_by(Unindexed("name", output_field=CharField()), "id")


def search(talents: QuerySet, text: str) -> QuerySet:
    """``talents`` narrowed to those matching ``text`` by name, pinyin, phone or unit name."""
    text = text.strip()
    if not text:
        return talents
    # The units by name in a subquery SQLite runs once, not a join to the unit of every talent scanned.
    units = Unit.objects.filter(name__icontains=text).values("pk")
    q = Q(name__icontains=text) | Q(phone__contains=text) | Q(unit__in=units)
    letters = pinyin_query(text)
    if letters:
        q |= Q(name_pinyin__contains=letters)
    return talents.filter(q)
