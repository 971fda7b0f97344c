"""Django's form renderer, with the everyday widget templates rendered in Python (issue 7).

A form page renders every input, radio button and option through Django's template engine: about
45 % of the record-a-contact page's CPU, the page cadres open most. ``FastRenderer`` writes the same
HTML, byte for byte, for Django's own ``input``/``textarea``/``select``/``radio``/``checkbox``
templates and hands anything else (file inputs, multi-widgets, a project's own widget templates) to
the template engine as before. ``tests/test_form_renderer.py`` compares both renderers on every form
of the project.

Values are printed exactly as the templates print them: ``render_value_in_context`` (localisation and
autoescaping), ``stringformat:'s'`` where the template uses it.
"""

from __future__ import annotations

from django.forms.renderers import DjangoTemplates
from django.template import Context
from django.template.base import render_value_in_context
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData

_WIDGETS = "django/forms/widgets/"
_CONTEXT = Context(autoescape=True)


def _out(value) -> str:
    """``{{ value }}``."""
    return render_value_in_context(value, _CONTEXT)


def _str(value) -> str:
    """``{{ value|stringformat:'s' }}``: the filter keeps a safe string safe."""
    if isinstance(value, SafeData):
        return value
    return conditional_escape(str(value))


def _attrs(attrs: dict) -> str:
    """attrs.html."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(f" {_out(name)}" if value is True else f' {_out(name)}="{_str(value)}"')
    return "".join(out)


def _input(w: dict) -> str:
    """input.html (ends with a newline, as the file does)."""
    value = f' value="{_str(w["value"])}"' if w["value"] is not None else ""
    return f'<input type="{_out(w["type"])}" name="{_out(w["name"])}"{value}{_attrs(w["attrs"])}>\n'


def _input_option(w: dict) -> str:
    """input_option.html."""
    if not w.get("wrap_label"):
        return _input(w) + "\n"
    label_for = f' for="{_out(w["attrs"]["id"])}"' if w["attrs"].get("id") else ""
    return f"<label{label_for}>{_input(w)} {_out(w['label'])}</label>\n"


def _select_option(w: dict) -> str:
    """select_option.html."""
    return f'<option value="{_str(w["value"])}"{_attrs(w["attrs"])}>{_out(w["label"])}</option>\n'


_OPTIONS = {
    _WIDGETS + "radio_option.html": lambda w: _input_option(w) + "\n",
    _WIDGETS + "checkbox_option.html": lambda w: _input_option(w) + "\n",
    _WIDGETS + "select_option.html": _select_option,
}


def _option(option: dict) -> str | None:
    render = _OPTIONS.get(option["template_name"])
    return render(option) if render else None


def _groups(optgroups, *, opening: str, item: str, closing: str) -> str | None:
    """The loop both choice templates share: each group's options, the group opened and closed around
    them when it has a name. None when an option has a template of its own."""
    out = []
    for group, options, _index in optgroups:
        if group:
            out.append(opening.format(_out(group)))
        for option in options:
            html = _option(option)
            if html is None:
                return None
            out.append(item.format(html))
        if group:
            out.append(closing)
    return "".join(out)


def _multiple_input(w: dict) -> str | None:
    """multiple_input.html (radio buttons, checkboxes)."""
    attrs = w["attrs"]
    id_ = f' id="{_out(attrs["id"])}"' if attrs.get("id") else ""
    class_ = f' class="{_out(attrs["class"])}"' if attrs.get("class") else ""
    body = _groups(
        w["optgroups"], opening="\n  <div><label>{}</label>", item="<div>\n    {}</div>", closing="\n  </div>"
    )
    return None if body is None else f"<div{id_}{class_}>{body}\n</div>\n"


def _select(w: dict) -> str | None:
    """select.html."""
    body = _groups(w["optgroups"], opening='\n  <optgroup label="{}">', item="\n  {}", closing="\n  </optgroup>")
    return None if body is None else f'<select name="{_out(w["name"])}"{_attrs(w["attrs"])}>{body}\n</select>\n'


def _textarea(w: dict) -> str:
    """textarea.html."""
    value = _out(w["value"]) if w["value"] else ""
    return f'<textarea name="{_out(w["name"])}"{_attrs(w["attrs"])}>\n{value}</textarea>\n'


_INPUTS = ("text", "number", "email", "url", "password", "hidden", "date", "datetime", "time", "search", "tel")
_TEMPLATES = {
    **{f"{_WIDGETS}{name}.html": lambda w: _input(w) + "\n" for name in (*_INPUTS, "checkbox")},
    _WIDGETS + "textarea.html": _textarea,
    _WIDGETS + "select.html": _select,
    _WIDGETS + "radio.html": lambda w: (html := _multiple_input(w)) and html + "\n",
    _WIDGETS + "checkbox_select.html": lambda w: (html := _multiple_input(w)) and html + "\n",
}


class FastRenderer(DjangoTemplates):
    """``DjangoTemplates`` that renders Django's everyday widget templates without the template engine."""

    def render(self, template_name, context, request=None):
        render = _TEMPLATES.get(template_name)
        html = render(context["widget"]) if render and "widget" in context else None
        # As BaseRenderer.render does with a template's output.
        return html.strip() if html is not None else super().render(template_name, context, request)
