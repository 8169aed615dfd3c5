"""The dashboard in a real browser (Debian's chromium through Playwright) on the demo activity.

Skips with the reason when /usr/bin/chromium is missing, unless REQUIRE_BROWSER=1 (CI), where that fails.
Every browser context comes from its own client address (X-Forwarded-For, which uvicorn trusts from
loopback only), so the lockout test cannot lock the others out. Screenshots: artefacts/screenshots/.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterator
from itertools import count
from pathlib import Path

import pytest

from actions.reports.pages import PAGES
from tests.web.demo_site import ADMIN, LOCKABLE, PARTNER, PASSWORD, ROOT, Site, demo_database, serve

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "artefacts" / "screenshots"
ADDRESSES = count(10)

if not CHROMIUM.exists():
    reason = f"{CHROMIUM} is missing (apt-get install chromium); the browser tests need it"
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=True)

from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """``interhub web`` on the demo activity, for the whole module."""
    folder = tmp_path_factory.mktemp("dashboard")
    with serve(demo_database(folder), folder) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless chromium, the system's."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield launched
        launched.close()


def new_context(browser: Browser, site: Site, **options: object) -> BrowserContext:
    """A fresh browser profile (no cookies) from an address of its own."""
    return browser.new_context(
        base_url=site.url,
        extra_http_headers={"X-Forwarded-For": f"198.51.100.{next(ADDRESSES)}"},
        accept_downloads=True,
        **options,  # type: ignore[arg-type]
    )


def sign_in(context: BrowserContext, email: str, password: str = PASSWORD) -> Page:
    """Fill the sign-in form as a person does."""
    page = context.new_page()
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("#sign-in")
    return page


@pytest.fixture
def admin(browser: Browser, site: Site) -> Iterator[Page]:
    context = new_context(browser, site)
    page = sign_in(context, ADMIN)
    expect(page).to_have_url(re.compile(r"/overview$"))
    yield page
    context.close()


def test_a_wrong_password_is_refused_and_five_lock_the_account(browser: Browser, site: Site) -> None:
    context = new_context(browser, site)
    page = sign_in(context, LOCKABLE, "wrong password")
    expect(page.locator(".alert")).to_have_text(
        "The e-mail address or the password is not right. Please try again."
    )
    page.screenshot(path=str(SHOTS / "login-refused.png"))
    for _ in range(4):
        page.fill("#password", "still wrong")
        page.click("#sign-in")
        expect(page.locator(".alert")).to_contain_text("not right")

    page.fill("#password", PASSWORD)  # the right one, too late
    page.click("#sign-in")

    expect(page.locator(".alert")).to_contain_text("Too many attempts to sign in.")
    expect(page).to_have_url(re.compile(r"/login$"))
    assert [c["name"] for c in context.cookies() if c["name"] == "ih_session"] == []
    context.close()


def test_each_page_draws_its_charts_and_tables_from_the_demo_data(admin: Page) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for key in PAGES:
        response = admin.goto(f"/{key}")
        assert response is not None and response.status == 200, key
        charts = admin.locator("svg.chart")
        assert charts.count() >= 1, key
        for index in range(charts.count()):
            # a figure is drawn as a bar/dot, or as a hatched "< 5" stub when it describes fewer than 5 people
            drawn = charts.nth(index).locator(".mark, .suppressed").count()
            assert drawn >= 1, f"{key}: chart {index} draws no figure"
        tables = admin.locator("section.report table")
        assert tables.count() >= 1, key
        assert admin.locator("section.report tbody tr").count() >= tables.count(), key
        admin.screenshot(path=str(SHOTS / f"{key}.png"), full_page=True)


def test_a_phone_sees_the_overview_without_sideways_scrolling(browser: Browser, site: Site) -> None:
    context = new_context(browser, site, viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page = sign_in(context, ADMIN)
    expect(page.locator(".metric").first).to_be_visible()

    width = page.evaluate("document.documentElement.scrollWidth")

    assert width <= 390
    page.screenshot(path=str(SHOTS / "overview-phone.png"), full_page=True)
    context.close()


def test_a_filter_changes_the_figures(admin: Page) -> None:
    admin.goto("/overview")
    everywhere = admin.locator('[data-metric="questions"] .metric-value').inner_text()

    admin.select_option('select[name="country"]', "IT")
    admin.click("#apply")

    expect(admin).to_have_url(re.compile(r"country=IT"))
    italy = admin.locator('[data-metric="questions"] .metric-value').inner_text()
    assert int(italy.replace(",", "")) < int(everywhere.replace(",", ""))
    expect(admin.locator('select[name="country"]')).to_have_value("IT")


def test_a_csv_downloads_and_matches_the_pages_table(admin: Page) -> None:
    admin.goto("/questions?country=DE")
    section = admin.locator('section[data-table="by_topic"]')

    with admin.expect_download() as started:
        section.locator("a.csv").click()
    body = Path(started.value.path()).read_text(encoding="utf-8-sig")

    rows = list(csv.reader(io.StringIO(body)))
    cells = section.locator("tbody tr, tfoot tr")
    on_page = [
        cells.nth(i).locator("td").evaluate_all("tds => tds.map(td => td.dataset.value)")
        for i in range(cells.count())
    ]
    assert started.value.suggested_filename.startswith("interhub-questions-by_topic-")
    assert len(rows[0]) == section.locator("thead th").count()
    assert rows[1:] == on_page
    assert len(rows) > 2


def test_a_partner_cannot_open_another_countrys_data_by_editing_the_url(browser: Browser, site: Site) -> None:
    context = new_context(browser, site)
    page = sign_in(context, PARTNER)  # Italy and Germany
    options = page.locator('select[name="country"] option').evaluate_all("os => os.map(o => o.value)")

    response = page.goto("/questions?country=SI")
    csv_file = context.request.get("/questions.csv?table=by_topic&country=HU")

    assert sorted(options) == ["", "DE", "IT"]
    assert response is not None and response.status == 403
    expect(page.locator(".alert")).to_have_text(
        "Your account does not include this country. Choose one of your countries."
    )
    assert csv_file.status == 403
    page.screenshot(path=str(SHOTS / "partner-refused.png"))
    assert page.goto("/questions?country=DE").status == 200  # type: ignore[union-attr]
    context.close()


def test_a_post_without_the_csrf_token_is_refused(browser: Browser, site: Site, admin: Page) -> None:
    stranger = new_context(browser, site)
    stranger.new_page().goto("/login")  # has the login cookie, posts without the form's token
    login = stranger.request.post("/login", form={"email": ADMIN, "password": PASSWORD})
    logout = admin.context.request.post("/logout", form={})

    assert (login.status, logout.status) == (403, 403)
    assert admin.goto("/overview").status == 200  # type: ignore[union-attr]  # still signed in
    stranger.close()


def test_the_language_selector_switches_and_the_session_remembers(admin: Page) -> None:
    admin.select_option("#lang-select", "de")
    admin.click('form.lang button[type="submit"]')

    expect(admin.locator("h1")).to_have_text("Übersicht")
    admin.goto("/handover")
    expect(admin.locator("nav.pages a[aria-current=page]")).to_have_text("Übergaben an Coaches")
    admin.screenshot(path=str(SHOTS / "handover-de.png"), full_page=True)


def test_logout_ends_the_session(browser: Browser, site: Site) -> None:
    context = new_context(browser, site)
    page = sign_in(context, ADMIN)
    token = next(c["value"] for c in context.cookies() if c["name"] == "ih_session")

    page.click("#logout")

    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto("/overview")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    replay = new_context(browser, site)
    replay.add_cookies([{"name": "ih_session", "value": token, "url": site.url}])
    assert replay.request.get("/overview", max_redirects=0).status == 303
    replay.close()
    context.close()
