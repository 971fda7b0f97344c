"""The load benchmark's own arithmetic and parsing (benchmarks/load.py): wrong here, wrong in docs/benchmarks.md."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time

from benchmarks import load
from reports.exporters.render import xlsx_table

CONTACT_FORM = """
<form method="post" action="/logout/"><input type="hidden" name="csrfmiddlewaretoken" value="t1"></form>
<form method="post" action="/contacts/new/">
  <input type="hidden" name="csrfmiddlewaretoken" value="t2">
  <input type="hidden" name="token" value="abc-123">
  <input type="radio" name="pairing" value="7"><input type="radio" name="pairing" value="9">
  <input type="date" name="date" value="2026-11-25">
  <select name="method"><option value="face">面对面</option><option value="phone">电话</option></select>
  <select name="direction"><option value="cadre">干部主动</option><option value="talent" selected>人才主动</option></select>
  <input type="checkbox" name="is_guidance" checked><input type="checkbox" name="is_service">
  <textarea name="summary">
第一行</textarea>
  <input type="file" name="photos"><input type="submit" name="save" value="保存">
  <template><input name="sug-__prefix__-content" value=""></template>
</form>
"""


def test_percentiles_are_nearest_rank():
    values = [float(v) for v in range(100, 0, -1)]  # 100 … 1, unsorted
    assert load.percentile(values, 50) == 50
    assert load.percentile(values, 95) == 95
    assert load.percentile(values, 99) == 99
    assert load.percentile([3.0, 1.0, 2.0, 4.0], 50) == 2
    assert load.percentile([7.0], 99) == 7


def test_a_simulated_user_thinks_before_every_step_the_first_included():
    """The users of a phase must not all send their first request at the same instant (a start-up burst)."""
    started, steps = time.monotonic(), []
    plan = load.Plan(seconds=0.5, think=(0.2, 0.2))
    load.user_loop(
        None, lambda: steps.append(time.monotonic() - started), plan, started + plan.seconds, random.Random(1)
    )
    assert len(steps) == 2
    assert 0.2 <= steps[0] < 0.3
    assert 0.4 <= steps[1] < 0.5


def test_the_form_parser_sends_what_a_browser_would_send():
    fields, radios = load.parse_form(CONTACT_FORM)
    assert fields["csrfmiddlewaretoken"] == ["t2"]  # the contact form, not the log-out button's
    assert fields["token"] == ["abc-123"]
    assert fields["method"] == ["face"]  # no option selected: the first
    assert fields["direction"] == ["talent"]
    assert fields["is_guidance"] == ["on"]
    assert "is_service" not in fields  # unchecked boxes are not sent
    assert fields["summary"] == ["第一行"]  # the newline after <textarea> is not part of the value
    assert "photos" not in fields and "save" not in fields
    assert not any("__prefix__" in name for name in fields)
    assert radios["pairing"] == ["7", "9"] and "pairing" not in fields


def test_sheet_rows_counts_the_rows_of_an_excel_file_and_ignores_html():
    content, data_rows = xlsx_table(title="表", headers=["序号", "姓名"], rows=[[i, "张三"] for i in range(1, 41)])
    assert data_rows == 40
    assert load.sheet_rows(content) == 40 + 2  # the title and the header row
    assert load.sheet_rows(b"<!doctype html><html></html>") is None


def _timing(cpu: float, rows: int | None = None) -> load.Timing:
    return load.Timing(wall=cpu, cpu=cpu, status=200, queries=4, rows=rows)


def test_an_export_is_compared_per_row_and_a_page_per_request():
    export = load.StressRow("一览表 Excel export", _timing(72, rows=300), _timing(1461, rows=5000))
    assert export.per_rows
    assert round(export.ratio, 2) == 1.22  # 16.7x the rows in 20x the time: each row costs 1.22x
    page = load.StressRow("office dashboard", _timing(71), _timing(1237))
    assert not page.per_rows
    assert round(page.ratio, 1) == 17.4


def test_the_stress_table_names_the_basis_and_the_report_asks_for_a_quiet_machine():
    result = load.Result(
        database="SQLite (WAL)",
        seed_seconds=1,
        rows=[],
        phases={
            "mixed": load.Phase(
                10, 100, load.CpuShare(seconds=10, cores=2, machine=12, server=8, generator=1, database=0)
            )
        },
        acknowledged=0,
        written=0,
        suggestions=0,
        stress=[
            load.StressRow("一览表 Excel export", _timing(72, rows=300), _timing(1461, rows=5000)),
            load.StressRow("office dashboard", _timing(71), _timing(1237)),
        ],
        server={"workers": 4, "worker_class": "sync", "threads": 1},
        load_before=(3.5, 2.0, 1.0),
    )
    text = load.document(result, users=20, think=(0.5, 1.5))
    assert "| 一览表 Excel export | per 1,000 rows (county 300, stress 5,000 rows) | " in text
    assert "| 1.22× | ≤ 2× | met |" in text
    assert "| office dashboard | per request | " in text and "| 17.42× | ≤ 2× | **not met** |" in text
    assert "valid only on a quiet machine" in text
    # 3 of 20 CPU-seconds went to other processes: not quiet.
    assert "**This run was not on a quiet machine**" in text
    assert "load generator 5 %" in text and "other processes 15 %" in text
    assert "(4 sync workers)" in text


def test_the_register_ratio_is_the_smaller_of_the_two_comparisons():
    comparison = [
        ("ours, latest", 20.0, 20.0, 200, 6),
        ("ours, one year", 25.0, 24.0, 200, 6),
        ("admin", 300.0, 150.0, 200, 12),
        ("admin, one year", 200.0, 120.0, 200, 11),
    ]
    assert load.register_ratios(comparison) == (8.0, 5.0)


def test_the_cpu_of_a_process_tree_includes_its_children():
    before = load.tree_cpu(os.getpid())
    child = subprocess.Popen(  # this interpreter, a fixed busy loop
        [sys.executable, "-c", "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass"]
    )
    child.wait()
    # An exited, reaped child counts in its parent's figures (cutime), as a PDF worker does in gunicorn's.
    assert load.tree_cpu(os.getpid()) - before >= 0.3 - 0.02  # waiting costs the parent next to nothing
    busy, total = load.machine_cpu()
    assert 0 < busy <= total


def test_gunicorn_runs_sync_workers_two_per_core_unless_told(monkeypatch):
    monkeypatch.delenv("MEIJIA_WORKERS", raising=False)
    settings = load.gunicorn_settings()
    assert settings == {"workers": 2 * (os.cpu_count() or 1), "worker_class": "sync", "threads": 1}
    monkeypatch.setenv("MEIJIA_WORKERS", "3")
    assert load.gunicorn_settings()["workers"] == 3


def test_a_run_is_quiet_when_other_processes_stayed_idle_whatever_the_load_average_before_it():
    """The load average trails the last minutes (in make bench: the export timings, the seeding)."""

    def result(other_seconds: float) -> load.Result:
        share = load.CpuShare(seconds=10, cores=2, machine=9 + other_seconds, server=8, generator=1)
        return load.Result(
            database="SQLite (WAL)",
            seed_seconds=1,
            rows=[],
            phases={"mixed": load.Phase(10, 100, share)},
            acknowledged=0,
            written=0,
            suggestions=0,
            load_before=(1.9, 1.2, 1.0),
        )

    assert load.quiet(result(other_seconds=0.4))  # 2 % of the machine
    assert not load.quiet(result(other_seconds=2.5))  # 12.5 %
