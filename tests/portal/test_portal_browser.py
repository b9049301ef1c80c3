"""A real browser against a real server: headless Chromium (the Debian ``chromium`` and ``chromium-driver``
packages) driven by Selenium, against uvicorn on 127.0.0.1. Skipped with the reason when either is missing
(``apt-get install -y chromium chromium-driver``; ``pip install selenium``)."""

from __future__ import annotations

import io
import shutil
import socket
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from .portalkit import PASSWORDS, make_portal, camps_values, type_into

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
selenium = pytest.importorskip("selenium", reason="selenium is not installed (pip install selenium): "
                                                  "browser tests not run")
pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER), reason="headless Chromium not available: "
                                "apt-get install -y chromium chromium-driver to run the browser tests")


@pytest.fixture
def server(tmp_path, program_data):
    import uvicorn
    portal = make_portal(tmp_path, f"sqlite:///{tmp_path / 'portal.sqlite'}", program_data)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    instance = uvicorn.Server(uvicorn.Config(portal.app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not instance.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert instance.started, "uvicorn did not start"
    yield portal, f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(10)


@pytest.fixture
def browser(tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_page_load_timeout(60)
    driver.implicitly_wait(30)            # form posts return before the next page is there on a busy machine
    driver.downloads = downloads
    yield driver
    driver.quit()


def wait_for_file(folder: Path, suffix: str, timeout: float = 30) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [p for p in folder.iterdir() if p.name.endswith(suffix)]
        if done:
            return done[0]
        time.sleep(0.1)
    raise AssertionError(f"no {suffix} downloaded into {folder}: {list(folder.iterdir())}")


def log_in(driver, base, login):
    from selenium.webdriver.common.by import By
    driver.get(base + "/")
    assert driver.current_url.endswith("/login")
    driver.find_element(By.NAME, "login").send_keys(login)
    driver.find_element(By.NAME, "password").send_keys(PASSWORDS[login])
    driver.find_element(By.CSS_SELECTOR, "form[action='/login'] button").click()
    from selenium.webdriver.support.ui import WebDriverWait
    # the post returns before the next page is there on a busy machine: wait until the browser has left /login
    WebDriverWait(driver, 60).until(lambda d: not d.current_url.endswith("/login"))


def test_browser_municipality_submits_and_department_follows(server, browser, subsidies, tmp_path):
    from selenium.webdriver.common.by import By
    portal, base = server
    log_in(browser, base, "mo-babaevsky")
    assert browser.current_url == base + "/mo/babaevsky"
    assert "Бабаевский муниципальный район" in browser.find_element(By.TAG_NAME, "h1").text
    browser.find_element(By.LINK_TEXT, "Скачать форму").click()
    form = wait_for_file(browser.downloads, "camps-2021-q1-babaevsky.xlsx").read_bytes()
    assert load_workbook(io.BytesIO(form))["Отчет"]["A3"].value == "Бабаевский муниципальный район"

    values = camps_values(subsidies.agreement("camps", "babaevsky", 2021))
    good = tmp_path / "good.xlsx"
    good.write_bytes(type_into(form, subsidies.form_of("camps"), values))
    bad_values = camps_values(subsidies.agreement("camps", "babaevsky", 2021))
    bad_values["local"]["used"] = bad_values["local"]["received"] + Decimal("1.00")
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(type_into(form, subsidies.form_of("camps"), bad_values))

    browser.find_element(By.LINK_TEXT, "Отправить отчет").click()
    browser.find_element(By.ID, "file").send_keys(str(bad))
    browser.find_element(By.CSS_SELECTOR, "form[enctype] button").click()
    assert browser.find_element(By.ID, "result").text.startswith("Отклонен")
    problems = browser.find_element(By.ID, "problems").text
    assert "Израсходовано средств местного бюджета больше, чем поступило" in problems and "(ячейка D12 листа «Отчет»)" in problems

    browser.get(base + "/mo/babaevsky/submit/camps/2021/1")
    browser.find_element(By.ID, "file").send_keys(str(good))
    browser.find_element(By.CSS_SELECTOR, "form[enctype] button").click()
    assert browser.find_element(By.ID, "result").text.startswith("Принят")
    browser.find_element(By.CSS_SELECTOR, "header form button").click()          # log out
    from selenium.webdriver.support.ui import WebDriverWait
    # the click returns before the browser has followed the redirect (a busy machine showed the old page's address)
    WebDriverWait(browser, 60).until(lambda d: d.current_url.endswith("/login"))

    log_in(browser, base, "department")
    assert browser.current_url == base + "/department"
    browser.find_element(By.LINK_TEXT, "таблица состояния").click()
    status = browser.find_element(By.ID, "status").text
    assert "Бабаевский муниципальный район принят" in status
    assert "Белозерский муниципальный район не представлен" in status
    browser.find_element(By.LINK_TEXT, "XLSX").click()
    report = wait_for_file(browser.downloads, "svodnyy-otchet.xlsx")
    ws = load_workbook(report).active
    numbers = {Decimal(str(c.value)).quantize(Decimal("0.01")) for r in ws.iter_rows() for c in r
               if isinstance(c.value, (int, float))}
    assert values["regional"]["used"] in numbers
