"""The interface is simplified Chinese: the zh_Hans catalogue is complete and actually used.

`make test` compiles the catalogue (`compilemessages`) before pytest runs, so these tests may rely
on the .mo file; they say so plainly when it is missing or older than the .po file.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from contacts.models import Contact, Demand, MajorEvent, Pairing, Term
from reports.models import VillageReport
from talents.models import Talent
from talents.validators import validate_id_number

LC_MESSAGES = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"
PO_FILE = LC_MESSAGES / "django.po"
MO_FILE = LC_MESSAGES / "django.mo"
PLACEHOLDER_RE = re.compile(r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[sdif]|%[sdif]|\{[^{}]*\}")


def _po_entries(path: Path) -> list[dict]:
    """A minimal .po reader: msgid, msgid_plural, msgstr / msgstr[n] and flags of each entry."""
    entries: list[dict] = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8").strip()):
        entry: dict = {"flags": set(), "msgid": None, "msgid_plural": None, "msgstr": {}, "obsolete": False}
        key = None
        for line in block.splitlines():
            if line.startswith("#~"):
                entry["obsolete"] = True
            elif line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#"):
                continue
            elif match := re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(".*")$', line):
                key = match.group(1)
                value = ast.literal_eval(match.group(2))
                if key.startswith("msgstr"):
                    entry["msgstr"][key] = value
                else:
                    entry[key] = value
            elif line.startswith('"') and key:
                value = ast.literal_eval(line)
                if key.startswith("msgstr"):
                    entry["msgstr"][key] += value
                else:
                    entry[key] += value
        if entry["msgid"] is not None or entry["obsolete"]:
            entries.append(entry)
    return entries


@pytest.fixture(scope="module")
def po_entries() -> list[dict]:
    assert PO_FILE.exists(), f"{PO_FILE} is missing: run `manage.py makemessages -l zh_Hans` and translate it."
    return _po_entries(PO_FILE)


@pytest.fixture
def compiled_catalogue():
    assert MO_FILE.exists(), (
        f"{MO_FILE} is missing: the translations are not compiled. Run `make messages` "
        "(or `manage.py compilemessages --ignore=.venv`); `make test` does it before pytest."
    )
    assert MO_FILE.stat().st_mtime >= PO_FILE.stat().st_mtime, (
        f"{MO_FILE.name} is older than {PO_FILE.name}: run `make messages` to recompile the translations."
    )


def _messages(po_entries: list[dict]) -> list[dict]:
    return [e for e in po_entries if e["msgid"] and not e["obsolete"]]


def test_the_catalogue_header_declares_simplified_chinese_in_utf8(po_entries):
    header = next(e for e in po_entries if e["msgid"] == "")
    text = header["msgstr"]["msgstr"]
    assert "Language: zh_Hans\n" in text
    assert "Plural-Forms: nplurals=1; plural=0;\n" in text
    assert "charset=UTF-8" in text
    assert "fuzzy" not in header["flags"]


def test_the_catalogue_has_messages(po_entries):
    assert len(_messages(po_entries)) > 200


def test_every_message_is_translated(po_entries):
    untranslated = [e["msgid"] for e in _messages(po_entries) if not all(e["msgstr"].values())]
    assert untranslated == [], f"untranslated msgids in {PO_FILE.name}: {untranslated}"


def test_no_message_is_fuzzy(po_entries):
    fuzzy = [e["msgid"] for e in po_entries if "fuzzy" in e["flags"]]
    assert fuzzy == [], f"fuzzy entries (check the translation, then delete the flag): {fuzzy}"


def test_no_obsolete_messages_linger(po_entries):
    assert not any(e["obsolete"] for e in po_entries), "run makemessages with --no-obsolete"


SOURCE_DIRS = ("talents", "contacts", "reports", "meijia", "templates")


def _copy_sources(destination: Path) -> None:
    """The code that makemessages reads (*.py and *.html of the apps, the templates, manage.py) and the catalogue."""
    base = Path(settings.BASE_DIR)
    for top in SOURCE_DIRS:
        for path in (base / top).rglob("*"):
            if path.suffix in (".py", ".html") and path.is_file() and "__pycache__" not in path.parts:
                target = destination / path.relative_to(base)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target)
    shutil.copy2(base / "manage.py", destination / "manage.py")
    shutil.copytree(base / "locale", destination / "locale")


def test_every_string_in_the_code_is_in_the_catalogue(tmp_path):
    """A msgid added or changed in the code but not translated in the committed catalogue fails here.

    makemessages runs on a copy of the sources and of locale/, so the committed .po is never touched; on the
    copy, every msgid of the code must come out with a translation (a new msgid comes out empty, or fuzzy
    when msgmerge guesses it from a similar one: both count as missing).
    """
    assert shutil.which("xgettext") and shutil.which("msgmerge"), (
        "GNU gettext is needed to extract the messages: `make system` (or `apt-get install gettext`)."
    )
    _copy_sources(tmp_path)
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "meijia.settings", "MEIJIA_VAR_DIR": str(tmp_path / "var")}
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"makemessages failed:\n{result.stdout}\n{result.stderr}"
    extracted = _po_entries(tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")
    missing = [
        (e.get("msgctxt"), e["msgid"])
        for e in _messages(extracted)
        if "fuzzy" in e["flags"] or not all(e["msgstr"].values())
    ]
    assert missing == [], (
        "strings in the code without a translation in locale/zh_Hans/LC_MESSAGES/django.po — run "
        "`manage.py makemessages -l zh_Hans --ignore=.venv --ignore=tests --ignore=artifacts --no-obsolete`, "
        f"translate them, then `make messages`: {missing}"
    )


def test_translations_keep_every_placeholder(po_entries):
    for entry in _messages(po_entries):
        wanted = sorted(PLACEHOLDER_RE.findall(entry["msgid"]))
        for key, msgstr in entry["msgstr"].items():
            assert sorted(PLACEHOLDER_RE.findall(msgstr)) == wanted, f"{entry['msgid']!r} → {key} {msgstr!r}"


def _has_words(msgid: str) -> bool:
    """False for a msgid of placeholders and punctuation only (a list separator, "%(year)s-%(month)02d")."""
    return bool(re.search(r"[A-Za-z]", PLACEHOLDER_RE.sub("", msgid)))


def test_translations_are_chinese(po_entries):
    """Catches a msgid pasted into msgstr: every translation of words contains at least one CJK character."""
    not_chinese = [
        e["msgid"]
        for e in _messages(po_entries)
        if _has_words(e["msgid"]) and not all(re.search(r"[\u3400-\u9fff]", s) for s in e["msgstr"].values())
    ]
    assert not_chinese == []


@pytest.mark.parametrize(
    ("label", "chinese"),
    [
        (lambda: Talent._meta.verbose_name, "优秀人才"),
        (lambda: Talent._meta.get_field("thoughts").verbose_name, "思想动态"),
        (lambda: Talent._meta.get_field("id_number").verbose_name, "身份证号"),
        (lambda: Talent._meta.get_field("birth_month").verbose_name, "出生年月"),
        (lambda: Talent._meta.get_field("political_status").verbose_name, "政治面貌"),
        (lambda: Talent.Category.RURAL.label, "农村实用人才"),
        (lambda: Talent.RuralType.SKILL_LEADING.label, "技能带动型"),
        (lambda: Talent.Status.OUT.label, "调整出库"),
        (lambda: Term._meta.verbose_name, "届期"),
        (lambda: Pairing._meta.verbose_name, "结对关系"),
        (lambda: Pairing._meta.get_field("exception_reason").verbose_name, "特殊情况说明"),
        (lambda: Pairing.EndReason.POST_CHANGE.label, "岗位变动"),
        (lambda: Contact._meta.verbose_name, "联系记录"),
        (lambda: Contact.Method.FACE_TO_FACE.label, "面对面交流"),
        (lambda: Contact.Method.INSPECTION.label, "下村检查/调研时走访"),
        (lambda: Contact.Direction.TALENT.label, "人才主动反映"),
        (lambda: Demand._meta.verbose_name_plural, "人才诉求台账"),
        (lambda: Demand.Status.EXPLAINED.label, "不能解决已解释"),
        (lambda: Demand.Satisfaction.FAIRLY.label, "基本满意"),
        (lambda: MajorEvent._meta.verbose_name, "重大事项报告"),
        (lambda: MajorEvent.Kind.HEALTH.label, "本人重大健康情况"),
        (lambda: VillageReport.Status.RETURNED.label, "已退回"),
        (lambda: VillageReport._meta.get_field("next_steps").verbose_name, "五、下步打算"),
    ],
)
def test_model_labels_render_in_chinese(compiled_catalogue, label, chinese):
    with translation.override("zh-hans"):
        assert str(label()) == chinese


def test_validation_errors_are_chinese_sentences(compiled_catalogue):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as excinfo:
        validate_id_number("51172319850615001")
    assert excinfo.value.messages == ["身份证号应为18位：前17位为数字，最后一位为数字或X。"]


def test_the_admin_login_page_is_in_chinese(client, db, compiled_catalogue):
    body = client.get(reverse("admin:login")).content.decode()
    assert '<html lang="zh-hans"' in body
    assert "优秀人才联系服务系统 · 管理后台" in body  # our site header
    assert "用户名" in body and "登录" in body  # Django's own zh_Hans catalogue
