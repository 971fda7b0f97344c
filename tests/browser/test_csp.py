"""The pages work in a real browser with the Content-Security-Policy in force (issue 6, item 5).

Chromium enforces the policy the server sends (Playwright's ``bypass_csp`` stays off). A blocked
script or style shows as a "Content Security Policy" console message and a
``securitypolicyviolation`` event; both are collected, across navigations, and must stay empty.
The ``phone`` and ``desk`` fixtures also fail the test on any console error. Screenshots go to
artifacts/screenshots/.
"""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.factories import TalentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# serialized_rollback: the role groups and the organisation come from data migrations, and a
# transactional test empties every table when it ends; this restores them for the next test.

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) =>
  window.reportCspViolation(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} in ${e.documentURI}`));
"""


def _watch(page: Page) -> list[str]:
    """Every CSP violation the browser reports on this page, from now on, on every page it opens."""
    violations: list[str] = []
    page.on("console", lambda msg: "Content Security Policy" in msg.text and violations.append(msg.text))
    page.expose_function("reportCspViolation", lambda text: violations.append(text))
    page.add_init_script(REPORT_VIOLATIONS)
    return violations


def _policy(page: Page, path: str) -> str:
    response = page.goto(path)
    assert response is not None and response.ok, path
    return response.headers["content-security-policy"]


def test_the_policy_is_enforced_an_injected_inline_script_and_style_are_blocked(desk):
    violations = _watch(desk.page)
    policy = _policy(desk.page, desk.base_url + "/login/")
    assert "'nonce-" in policy

    ran = desk.page.evaluate(
        """() => {
          window.injected = false;
          const s = document.createElement("script");
          s.textContent = "window.injected = true";
          document.body.append(s);
          document.body.setAttribute("style", "background: red");
          return window.injected;
        }"""
    )

    assert ran is False, "an inline script without the nonce must not run"
    expect(desk.page.locator("body")).not_to_have_css("background-color", "rgb(255, 0, 0)")
    desk.page.wait_for_function("() => true")  # let the violation events reach us
    assert any("script-src" in v for v in violations), violations
    assert any("style-src" in v for v in violations), violations
    desk.errors.clear()  # the blocked injections are the console errors this test asked for


def test_the_login_home_and_contact_form_of_a_cadre_work_under_the_policy(phone, talent):
    page = phone.page
    violations = _watch(page)
    _policy(page, phone.base_url + "/login/")
    phone.shot("login")

    phone.log_in("cadre_t")
    expect(page.locator(".talent-card", has_text=talent.name)).to_be_visible()
    phone.shot("home")

    page.locator(f".talent-card:has-text('{talent.name}') a[href*='/contacts/new/']").tap()
    group = page.locator("fieldset[data-formset=sug]")
    expect(group.locator(".add-row")).to_be_visible()  # shown by contact_form.js: the script ran
    group.locator(".add-row").tap()
    expect(page.locator("textarea[name=sug-1-content]")).to_be_focused()
    expect(page.locator("input[name=sug-TOTAL_FORMS]")).to_have_value("2")
    phone.shot("contact-form")

    assert violations == []


def test_the_office_dashboard_and_the_admin_work_under_the_policy(desk, office_user, talent):
    page = desk.page
    violations = _watch(page)
    TalentFactory(name="张三丰")
    desk.log_in("office_t")

    _policy(page, desk.base_url + "/office/")
    expect(page.locator("main svg.chart").first).to_be_visible()
    desk.shot("office-dashboard")

    _policy(page, desk.base_url + "/admin/talents/talent/")
    expect(page.locator("#result_list tbody tr")).to_have_count(2)
    desk.shot("admin-changelist")

    _policy(page, desk.base_url + "/admin/auth/user/")
    rows = page.locator("#result_list tbody tr").count()
    page.locator("#action-toggle").check()  # admin/js/actions.js ticks every row and counts them
    expect(page.locator("#result_list tbody input.action-select:checked")).to_have_count(rows)
    expect(page.locator(".action-counter")).to_contain_text(f"{rows}")
    desk.shot("admin-accounts-all-ticked")

    _policy(page, desk.base_url + "/admin/contacts/pairing/add/")
    page.locator("#id_start_date").fill("")
    page.locator("#id_start_date + .datetimeshortcuts a").first.click()  # "today", by DateTimeShortcuts.js
    expect(page.locator("#id_start_date")).to_have_value(
        timezone.localdate().strftime("%Y/%m/%d")
    )  # zh-hans input format
    page.locator("#id_start_date + .datetimeshortcuts .date-icon").click()  # the calendar pop-up
    expect(page.locator(".calendarbox").first).to_be_visible()
    desk.shot("admin-change-form")

    assert violations == []
