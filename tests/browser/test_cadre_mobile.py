"""A cadre on a phone records contacts in a real browser (issue 3, item 8).

Selectors use names, ids, hrefs and CSS classes, so the tests do not depend on the wording; the
few checks of Chinese text ask for the compiled catalogue (`compiled_catalogue`).
"""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from contacts.models import Contact, Demand, Suggestion

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# serialized_rollback: the role groups and the organisation come from data migrations, and a
# transactional test empties every table when it ends; this restores them for the next test.

SAVE = "form.contact-form button[type=submit]"


def _open_form(phone, talent) -> None:
    phone.page.locator(f".talent-card:has-text('{talent.name}') a[href*='/contacts/new/']").tap()
    expect(phone.page.locator("form.contact-form")).to_be_visible()


def _tap_toggle(page, name: str) -> None:
    """The checkbox itself is visually hidden; the thumb lands on its big label."""
    page.locator(f"label.choice:has(input[name={name}])").tap()
    expect(page.locator(f"input[name={name}]")).to_be_checked()


def _fill_suggestion(page, n: int, text: str) -> None:
    page.locator(f"textarea[name=sug-{n}-content]").fill(text)


def _on_talent_page(phone, talent) -> None:
    expect(phone.page).to_have_url(f"{phone.base_url}/talents/{talent.pk}/")


def test_a_cadre_records_a_contact_and_sees_the_talent_contacted_and_the_demand(phone, talent, compiled_catalogue):
    page = phone.page
    phone.log_in("cadre_t")
    card = page.locator(".talent-card", has_text=talent.name)
    expect(card.locator(".status.todo")).to_be_visible()
    phone.shot("home")

    _open_form(phone, talent)
    expect(page.locator("input[name=pairing]")).to_have_value(str(talent.pairings.get().pk))
    expect(page.locator("input[name=method][value=face]")).to_be_checked()
    expect(page.locator("fieldset[data-formset] .req")).to_have_count(0)  # suggestions, difficulties: optional
    phone.shot("form-first-screen", full_page=False)  # what the thumb sees before scrolling
    phone.shot("form")
    _tap_toggle(page, "is_guidance")
    page.locator("#id_summary").fill("宣讲县里的返乡创业政策，了解合作社近况。")
    _fill_suggestion(page, 0, "建议在村里开设电商培训班。")
    page.locator("textarea[name=dem-0-content]").fill("孩子明年上初中，希望协调就近入学。")
    page.locator("select[name=dem-0-kind]").select_option(Demand.Kind.CHILDREN)
    page.locator(SAVE).tap()

    _on_talent_page(phone, talent)
    contact = Contact.objects.get()
    assert (contact.pairing.talent, contact.is_guidance, contact.date) == (talent, True, timezone.localdate())
    demand = Demand.objects.get()
    assert (demand.talent, demand.contact, demand.kind, demand.status) == (talent, contact, "children", "open")
    assert demand.content == "孩子明年上初中，希望协调就近入学。"
    assert Suggestion.objects.get().content == "建议在村里开设电商培训班。"
    expect(page.locator(f"a[href='/demands/{demand.pk}/']")).to_have_text(demand.content)
    expect(page.locator(f"a[href='/demands/{demand.pk}/'] + .status.open")).to_be_visible()
    expect(page.locator(".timeline li", has_text="宣讲县里的返乡创业政策")).to_be_visible()
    phone.shot("talent")

    page.locator(".crumbs a").tap()
    expect(card.locator(".status.ok")).to_contain_text("已联系")
    expect(card.locator(".reminder")).to_have_count(0)
    phone.shot("home-after")


def test_an_urgent_contact_shows_on_the_office_home_page(phone, talent, office_user):
    page = phone.page
    phone.log_in("cadre_t")
    _open_form(phone, talent)
    _tap_toggle(page, "is_service")
    page.locator("#id_summary").fill("家中老人突发重病，急需协调县医院床位。")
    _tap_toggle(page, "urgent")
    page.locator(SAVE).tap()

    _on_talent_page(phone, talent)
    assert Contact.objects.get().urgent
    expect(page.locator(".timeline li.urgent")).to_be_visible()
    page.locator(".crumbs a").tap()
    expect(page.locator("section.urgent")).to_contain_text(talent.name)
    phone.log_out()

    phone.log_in("office_t")
    urgent = page.locator("section.urgent")
    expect(urgent).to_contain_text(talent.name)
    expect(urgent).to_contain_text("急需协调县医院床位")
    expect(urgent.locator("form[action*='/urgent/contact/'] button")).to_be_visible()
    phone.shot("office-home")


def test_an_invalid_form_comes_back_with_everything_typed_and_saves_nothing(phone, talent):
    page = phone.page
    phone.log_in("cadre_t")
    _open_form(phone, talent)
    page.locator("#id_summary").fill("电话回访，了解项目进展。")
    page.locator("#id_place").fill("梅家村委会")
    _fill_suggestion(page, 0, "建议简化项目申报材料。")
    page.locator(SAVE).tap()  # no kind of content chosen

    expect(page.locator(".error.banner")).to_be_visible()
    expect(page.locator("fieldset.has-error:has(input[name=is_guidance]) .error")).to_be_visible()
    expect(page.locator("#id_summary")).to_have_value("电话回访，了解项目进展。")
    expect(page.locator("#id_place")).to_have_value("梅家村委会")
    expect(page.locator("textarea[name=sug-0-content]")).to_have_value("建议简化项目申报材料。")
    assert (Contact.objects.count(), Suggestion.objects.count()) == (0, 0)
    phone.shot("form-errors")

    _tap_toggle(page, "is_consultation")
    page.locator(SAVE).tap()
    _on_talent_page(phone, talent)
    assert Contact.objects.get().place == "梅家村委会"
    assert Suggestion.objects.get().content == "建议简化项目申报材料。"


def test_add_another_suggestion_saves_both(phone, talent):
    page = phone.page
    phone.log_in("cadre_t")
    _open_form(phone, talent)
    _tap_toggle(page, "is_consultation")
    _fill_suggestion(page, 0, "建议修通到合作社的机耕道。")
    page.locator("fieldset[data-formset=sug] button.add-row").tap()
    expect(page.locator("textarea[name=sug-1-content]")).to_be_focused()
    _fill_suggestion(page, 1, "建议每季度组织一次技术交流。")
    page.locator("select[name=sug-1-category]").select_option(Suggestion.Category.TALENT)
    phone.shot("form-two-suggestions")
    page.locator(SAVE).tap()

    _on_talent_page(phone, talent)
    saved = {s.content: s.category for s in Suggestion.objects.all()}
    assert saved == {"建议修通到合作社的机耕道。": "other", "建议每季度组织一次技术交流。": "talent"}


def _fill_a_typical_contact(page) -> None:
    _tap_toggle(page, "is_guidance")
    page.locator("#id_summary").fill("走访座谈，了解合作社用工情况。")
    _fill_suggestion(page, 0, "建议增加村级活动场地。")


def test_a_second_tap_while_saving_sends_nothing_more(phone, talent):
    page = phone.page
    phone.log_in("cadre_t")
    _open_form(phone, talent)
    _fill_a_typical_contact(page)
    # Hold the first post as a weak mobile network would, to tap again while it is on its way.
    held, posts = [], []
    page.on("request", lambda req: req.method == "POST" and posts.append(req.url))

    def is_form(url: str) -> bool:
        return "/contacts/new/" in url

    page.route(is_form, lambda route: held.append(route) if route.request.method == "POST" else route.fallback())
    save = page.locator(SAVE)
    save.scroll_into_view_if_needed()
    box = save.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.touchscreen.tap(x, y)
    page.touchscreen.tap(x, y)
    page.wait_for_timeout(300)  # room for a second post to start, if the page let one through
    held[0].continue_()  # before any check: Playwright waits for a pending navigation to finish
    page.unroute(is_form)
    assert len(posts) == 1

    _on_talent_page(phone, talent)
    assert (Contact.objects.count(), Suggestion.objects.count()) == (1, 1)


def test_the_same_form_sent_again_after_a_timeout_saves_the_contact_once(phone, talent):
    page = phone.page
    phone.log_in("cadre_t")
    _open_form(phone, talent)
    _fill_a_typical_contact(page)
    # What the browser sends again when the first answer never arrived: the same fields, the same token.
    sent = page.evaluate(
        "() => [...new FormData(document.querySelector('form.contact-form'))].filter(([, v]) => typeof v === 'string')"
    )
    form_url = page.url
    page.locator(SAVE).tap()
    _on_talent_page(phone, talent)

    resent = page.evaluate(
        """async ([url, fields]) => {
          const body = new FormData();
          for (const [k, v] of fields) body.append(k, v);
          const response = await fetch(url, {method: "POST", body});
          return [response.status, response.url];
        }""",
        [form_url, sent],
    )
    assert resent == [200, f"{phone.base_url}/talents/{talent.pk}/"]
    assert (Contact.objects.count(), Suggestion.objects.count()) == (1, 1)


def test_going_back_after_saving_and_saving_again_saves_the_contact_once(phone, talent):
    page = phone.page
    phone.log_in("cadre_t")
    _open_form(phone, talent)
    _fill_a_typical_contact(page)
    page.locator(SAVE).tap()
    _on_talent_page(phone, talent)

    page.go_back()
    expect(page.locator("#id_summary")).to_have_value("走访座谈，了解合作社用工情况。")  # restored by the browser
    page.locator(SAVE).tap()
    _on_talent_page(phone, talent)
    assert Contact.objects.count() == 1
