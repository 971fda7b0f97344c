"""The fast form renderer writes exactly the HTML Django's widget templates write (meijia/form_renderer.py)."""

from __future__ import annotations

import datetime
import re

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from meijia.form_renderer import FastRenderer
from tests.factories import PairingFactory, TalentFactory, UnitFactory

CHOICES = [("a", "甲 <b>"), ("b", gettext_lazy("Home")), (3, 2024)]
GROUPED = [("第一组", [("1", "一"), ("2", "二")]), ("3", "三")]


class EveryWidget(forms.Form):
    text = forms.CharField(widget=forms.TextInput(attrs={"placeholder": '名 "引号" & <尖>', "autofocus": True}))
    off = forms.CharField(required=False, widget=forms.TextInput(attrs={"disabled": False, "data-x": None}))
    safe = forms.CharField(widget=forms.TextInput(attrs={"title": mark_safe("<i>安全</i>")}))
    number = forms.IntegerField()
    decimal = forms.DecimalField()
    email = forms.EmailField()
    url = forms.URLField(assume_scheme="https")
    password = forms.CharField(widget=forms.PasswordInput(render_value=True))
    hidden = forms.CharField(widget=forms.HiddenInput)
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    month = forms.DateField(widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"))
    when = forms.DateTimeField()
    time = forms.TimeField()
    search = forms.CharField(widget=forms.TextInput(attrs={"type": "search"}))
    agree = forms.BooleanField(required=False)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    empty_note = forms.CharField(required=False, widget=forms.Textarea)
    pick = forms.ChoiceField(choices=CHOICES)
    grouped = forms.ChoiceField(choices=GROUPED)
    many = forms.MultipleChoiceField(choices=CHOICES)
    radio = forms.ChoiceField(choices=CHOICES, widget=forms.RadioSelect)
    radio_grouped = forms.ChoiceField(choices=GROUPED, widget=forms.RadioSelect(attrs={"class": "inline"}))
    boxes = forms.MultipleChoiceField(choices=CHOICES, widget=forms.CheckboxSelectMultiple)


VALUES = {
    "text": "张三 <script>&",
    "off": "",
    "safe": "x",
    "number": 12345,
    "decimal": "1234.5",
    "email": "a@b.cn",
    "url": "http://x.cn/?a=1&b=2",
    "password": "秘密\"'",
    "hidden": "隐藏",
    "day": datetime.date(2024, 3, 5),
    "month": datetime.date(2024, 3, 1),
    "when": datetime.datetime(2024, 3, 5, 8, 30),
    "time": datetime.time(8, 30),
    "search": "查",
    "agree": True,
    "note": "第一行\n<第二行>",
    "empty_note": "",
    "pick": "b",
    "grouped": "2",
    "many": ["a", "3"],
    "radio": "3",
    "radio_grouped": "1",
    "boxes": ["b"],
}


def _widgets(form: forms.Form, renderer) -> dict[str, str]:
    form.renderer = renderer
    return {name: str(form[name]) for name in form.fields}


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: EveryWidget(), id="empty form"),
        pytest.param(lambda: EveryWidget(initial=VALUES), id="initial values"),
        pytest.param(
            lambda: EveryWidget(data={k: str(v) for k, v in VALUES.items() if k not in ("many", "boxes")}), id="bound"
        ),
        pytest.param(lambda: EveryWidget(auto_id=False, initial=VALUES), id="no ids"),
    ],
)
def test_every_everyday_widget_renders_the_same_html_as_djangos_templates(make):
    assert _widgets(make(), FastRenderer()) == _widgets(make(), DjangoTemplates())


def test_a_widget_with_a_template_of_its_own_still_goes_through_the_template_engine():
    class Upload(forms.Form):
        photo = forms.ImageField(required=False)
        born = forms.DateField(widget=forms.SelectDateWidget(years=[2000, 2001]))

    assert _widgets(Upload(), FastRenderer()) == _widgets(Upload(), DjangoTemplates())
    assert 'type="file"' in str(Upload()["photo"])


@pytest.fixture
def template_renderer(settings):
    """The same page rendered with Django's template-based form renderer, for comparison."""

    def use_templates():
        settings.FORM_RENDERER = "django.forms.renderers.DjangoTemplates"

    return use_templates


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _without_tokens(html: str) -> str:
    """CSRF tokens, CSP nonces and the contact form's one-time token differ per request."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r'nonce="[^"]+"', "", html)
    return re.sub(r'name="token" value="[^"]+"', "", html)


def test_the_record_a_contact_page_is_identical_with_either_renderer(client, cadre, template_renderer):
    PairingFactory(cadre=cadre)
    client.force_login(cadre.user)
    fast = _page(client, reverse("contacts:contact_new"))
    assert 'type="radio"' in fast and "<textarea" in fast
    template_renderer()
    assert _without_tokens(fast) == _without_tokens(_page(client, reverse("contacts:contact_new")))


def test_the_talent_form_and_the_talent_list_filters_are_identical_with_either_renderer(
    client, office_user, template_renderer
):
    UnitFactory(name="梅家镇农业服务中心")
    TalentFactory(name="张三")
    client.force_login(office_user)
    urls = [reverse("talents:new"), reverse("talents:list") + "?q=张"]
    fast = [_page(client, url) for url in urls]
    template_renderer()
    assert [_without_tokens(page) for page in fast] == [_without_tokens(_page(client, url)) for url in urls]
