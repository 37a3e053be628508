"""An election agent goes from their home to their seat's ledger, enters an invoice with its PDF, sees the
headroom move, and downloads the return; a bad amount comes back in plain words with nothing saved."""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import expect

from groundswell.spending.models import SpendingItem
from groundswell.spending.tests.test_pages import login
from groundswell.spending.tests.world import PDF, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_enters_an_invoice_and_downloads_the_return(live_server, browser, tmp_path):
    w = build_world()
    cookie = login(w.agent).cookies[settings.SESSION_COOKIE_NAME].value
    context = browser.new_context(viewport={"width": 1100, "height": 900}, accept_downloads=True)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    invoice = tmp_path / "invoice.pdf"
    invoice.write_bytes(PDF)

    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Spending", exact=True).click()
    page.get_by_role("link", name="Brentford and Isleworth").click()
    page.get_by_role("heading", name="Brentford and Isleworth: spending ledger").wait_for()

    # A bad amount: refused in plain words, nothing saved.
    page.get_by_label("What was bought").fill("Leaflet print run")
    page.get_by_label("Amount (£)", exact=True).fill("-20")
    page.get_by_label("Date incurred").fill("2024-06-10")
    page.get_by_role("button", name="Save item").click()
    expect(page.locator(".messages")).to_contain_text("negative amounts are not spending")
    assert not SpendingItem.objects.exists()

    page.get_by_label("What was bought").fill("Leaflet print run")
    page.get_by_label("Supplier").fill("Print Co")
    page.get_by_label("Invoice number").fill("P-100")
    page.get_by_label("Amount (£)", exact=True).fill("1,250.50")
    page.get_by_label("Category").select_option("unsolicited")
    page.get_by_label("Status").select_option("paid")
    page.get_by_label("Date incurred").fill("2024-06-10")
    page.get_by_label("Date paid").fill("2024-06-20")
    page.get_by_label("Invoice or receipt (PDF, JPEG or PNG)").set_input_files(str(invoice))
    page.get_by_role("button", name="Save item").click()
    expect(page.locator(".messages")).to_contain_text("Item saved")
    expect(page.get_by_role("table", name="Items")).to_contain_text("Leaflet print run")
    expect(page.get_by_role("table", name="Limits and headroom")).to_contain_text("£16,369.42")  # 17,619.92 − 1,250.50

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the return (PDF)").click()
    path = download.value.path()
    assert open(path, "rb").read(5) == b"%PDF-"
    assert download.value.suggested_filename == "spending-return-E14001124.pdf"
    context.close()
