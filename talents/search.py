"""Finding a talent by what the office types: name, pinyin, pinyin initials, phone or unit.

张三 is found by ``张三``, ``zhangsan``, ``zhang``, ``zs``, a part of the phone number or of the
unit's name.

Why pinyin is matched in Python and not in the database: the usual approach stores a search key
(``zhangsan zs``) on the talent at save time, but that needs a model field, and a key written by
``save()`` goes stale whenever a row is written any other way (imports, ``update()``, the admin's
bulk actions). SQLite and PostgreSQL have no pinyin function of their own. A township has at most a
few thousand talents, so this module reads ``(pk, name)`` of all of them in one light query,
computes each name's pinyin with pypinyin (cached per name for the life of the process) and hands
the matching primary keys back to the database as ``pk__in``. A search therefore costs two queries
whatever the size of the database, works the same on both engines and is never out of date.

Polyphonic characters (曾 zeng/ceng, 单 shan/dan, 仇 qiu/chou) are matched in every reading
pypinyin knows (``heteronym=True``), combined per name up to ``MAX_READINGS`` combinations so a
name made of many polyphones cannot blow up.
"""

from __future__ import annotations

import itertools
import re
from functools import lru_cache

from django.db.models import Q, QuerySet
from pypinyin import Style, lazy_pinyin, pinyin

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


def pinyin_matches(talents: QuerySet, text: str) -> list[int]:
    """Primary keys of the talents whose name can be spelled with ``text`` (one query)."""
    letters = pinyin_query(text)
    if not letters:
        return []
    return [
        pk
        for pk, name in talents.order_by().values_list("pk", "name")
        if any(letters in key for key in pinyin_keys(name))
    ]


def search(talents: QuerySet, text: str) -> QuerySet:
    """``talents`` narrowed to those matching ``text`` by name, pinyin, phone or unit name."""
    text = text.strip()
    if not text:
        return talents
    q = Q(name__icontains=text) | Q(phone__contains=text) | Q(unit__name__icontains=text)
    pks = pinyin_matches(talents, text)
    if pks:
        q |= Q(pk__in=pks)
    return talents.filter(q)
