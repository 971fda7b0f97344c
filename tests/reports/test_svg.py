"""Server-side SVG charts (R16): plain, valid, labelled markup that prints and goes into PDFs."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

from pypdf import PdfReader

from reports.svg import bar_chart, share_bar, stacked_bar

NS = "{http://www.w3.org/2000/svg}"


def _parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))  # noqa: S314 — our own markup, not untrusted input


def _texts(root: ET.Element) -> list[str]:
    return [el.text for el in root.iter(f"{NS}text")]


def test_a_bar_chart_is_valid_svg_with_a_title_and_its_labels_and_values():
    root = _parse(bar_chart([("一月", 3), ("二月", 0), ("三月", 12)], title="2026年每月联系次数", ident="months"))
    assert root.tag == f"{NS}svg"
    assert root.get("role") == "img"
    assert root.find(f"{NS}title").text == "2026年每月联系次数"
    assert root.get("aria-labelledby") == "chart-months-title chart-months-desc"
    assert {"一月", "二月", "三月", "3", "0", "12"} <= set(_texts(root))
    assert len(root.findall(f"{NS}rect")) == 3


def test_the_tallest_bar_fills_the_plot_and_the_others_are_in_proportion():
    root = _parse(bar_chart([("甲", 5), ("乙", 10)], title="t", ident="p", height=220))
    heights = [float(r.get("height")) for r in root.findall(f"{NS}rect")]
    assert heights[1] == 2 * heights[0]


def test_a_chart_with_only_zeros_still_draws_its_labels():
    root = _parse(bar_chart([("一月", 0), ("二月", 0)], title="无数据", ident="z"))
    assert {"一月", "二月"} <= set(_texts(root))


def test_data_that_looks_like_markup_is_shown_as_text_never_run():
    markup = str(bar_chart([('<script>alert("x")</script>&', 1)], title="<b>标题</b>", ident="x y"))
    root = _parse(markup)
    assert "<script" not in markup
    assert '<script>alert("x")</script>&' in _texts(root)
    assert root.find(f"{NS}title").text == "<b>标题</b>"
    assert root.find(f"{NS}title").get("id") == "chart-x-y-title"


def test_a_stacked_bar_shows_each_part_with_its_count_and_percentage():
    root = _parse(stacked_bar([("待办", 1), ("办理中", 1), ("已办结", 2)], title="诉求状态", ident="d"))
    assert _texts(root) == ["待办 1（25%）", "办理中 1（25%）", "已办结 2（50%）"]


def test_a_share_bar_is_a_percentage_bar_of_a_part_and_the_rest():
    root = _parse(share_bar(value=3, total=4, label="面对面交流", rest_label="其他方式", title="面谈占比", ident="f"))
    assert _texts(root) == ["面对面交流 3（75%）", "其他方式 1（25%）"]
    widths = [float(r.get("width")) for r in root.findall(f"{NS}rect")[:2]]
    assert widths == [480, 160]


def test_an_empty_stacked_bar_says_so_instead_of_dividing_by_zero():
    root = _parse(stacked_bar([("已联系", 0), ("未联系", 0)], title="t", ident="e", empty_label="暂无结对"))
    assert "暂无结对" in _texts(root)
    assert "已联系 0" in _texts(root)


def test_charts_use_no_script_no_css_variables_and_no_outside_resources():
    for markup in (
        bar_chart([("一月", 1)], title="t", ident="a"),
        stacked_bar([("甲", 1), ("乙", 2)], title="t", ident="b"),
    ):
        text = str(markup)
        assert "var(" not in text
        assert "<script" not in text and "<style" not in text
        assert "http://" not in text.replace("http://www.w3.org/2000/svg", "")
        assert "https://" not in text


def test_weasyprint_renders_the_charts_with_their_chinese_labels_into_a_pdf():
    from weasyprint import HTML

    chart = bar_chart([("一月", 2), ("二月", 5)], title="每月联系次数", ident="m")
    bar = share_bar(value=3, total=4, label="面对面交流", rest_label="其他方式", title="面谈占比", ident="f")
    pdf = HTML(string=f"<html><body>{chart}{bar}</body></html>").write_pdf()
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    for label in ("一月", "二月", "面对面交流", "75%"):
        assert label in text
