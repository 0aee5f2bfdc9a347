"""
Headless Chromium smoke test of the admin: log in, open Manage learners, upload a CSV, preview, apply, see results.

Needs Debian's `chromium` and `chromium-driver` packages (.ci/run installs them). Without them the test is
skipped on a workstation, but FAILS when CI is set (CI=true): CI must really run the browser.
"""

import os
import shutil

import pytest
from django.urls import reverse

from enterprise_enroll.models import EnterpriseCourseEnrollment, PendingEnrollment
from tests import factories

CHROMIUM = os.environ.get("CHROMIUM_BINARY", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER_BINARY", "/usr/bin/chromedriver")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1280,1024",
)
RUN = "course-v1:edX+DemoX+Demo_Course"
WAIT_SECONDS = 20


def require_chromium():
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not shutil.which(path)]
    if not missing:
        return
    message = f"{', '.join(missing)} not found: apt-get install -y chromium chromium-driver"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI must run the browser smoke test, but {message}")
    pytest.skip(message)


@pytest.fixture
def browser(tmp_path):
    require_chromium()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(WAIT_SECONDS)
    yield driver
    driver.quit()


def wait_for(driver, css):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT_SECONDS).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, css))
    )


def result_statuses(driver):
    from selenium.webdriver.common.by import By

    return [cell.text for cell in driver.find_elements(By.CSS_SELECTOR, "#learner-results td.status")]


# serialized_rollback: the flush after a transactional test would otherwise drop the seeded roles.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_manage_learners_in_a_real_browser(browser, live_server, tmp_path):
    from selenium.webdriver.common.by import By

    factories.UserFactory(username="root", password="s3cret-pass", is_staff=True, is_superuser=True)
    customer = factories.EnterpriseCustomerFactory(name="Acme", slug="acme")
    factories.EnterpriseCustomerCatalogFactory(enterprise_customer=customer, content_filter={"orgs": ["edX"]})
    factories.UserFactory(username="ann", email="ann@example.com")
    learners = tmp_path / "learners.csv"
    learners.write_text(
        f"\ufeffemail,course_run_id,course_mode\nann@example.com,{RUN},verified\nnew@example.com,{RUN},\n",
        encoding="utf-8",
    )

    browser.get(live_server.url + reverse("admin:login"))
    browser.find_element(By.NAME, "username").send_keys("root")
    browser.find_element(By.NAME, "password").send_keys("s3cret-pass")
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    wait_for(browser, "#user-tools")

    browser.get(live_server.url + reverse("admin:enterprise_enroll_enterprisecustomer_change", args=[customer.pk]))
    wait_for(browser, "#manage-learners-link").click()
    wait_for(browser, "#manage-learners-form")
    assert "Manage learners of Acme" in browser.title

    browser.find_element(By.NAME, "csv_file").send_keys(str(learners))
    browser.find_element(By.ID, "preview-button").click()
    assert "Preview" in wait_for(browser, "#results-heading").text
    assert result_statuses(browser) == ["enrolled", "pending"]
    assert not EnterpriseCourseEnrollment.objects.exists()

    browser.find_element(By.ID, "apply-button").click()
    wait_for(browser, "#download-button")
    assert browser.find_element(By.ID, "results-heading").text == "Results"
    assert result_statuses(browser) == ["enrolled", "pending"]
    assert "2 of 2 rows applied." in browser.find_element(By.CSS_SELECTOR, "ul.messagelist").text

    ece = EnterpriseCourseEnrollment.objects.get()
    assert (ece.enterprise_customer_user.user.username, ece.mode, ece.source) == ("ann", "verified", "csv_import")
    assert PendingEnrollment.objects.get().course_mode == "audit"
