"""The pages in a real browser: headless Debian Chromium driven by Selenium + chromium-driver.

An auditor's walk: the index -> a claim by Peskow (highlighted quote, chain picture) -> the
query page, where an example question runs in YASGUI and its results table appears.
Screenshots land in tests/artifacts/ (git-ignored) for a person to look at. Without
Chromium these tests fail (``make chromium`` installs it); they never skip.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from conftest import ROOT
from pages_helpers import PESKOW_QUOTE

ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def _executable(path: str, name: str) -> str:
    found = path if Path(path).exists() else shutil.which(name)
    if not found:
        pytest.fail(f"{name} is not installed: run `make chromium` (Debian packages chromium, chromium-driver)", pytrace=False)
    return found


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = _executable(CHROMIUM, "chromium")
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage",
                "--window-size=1280,1600"):
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options, service=Service(_executable(CHROMEDRIVER, "chromedriver")))
    driver.set_page_load_timeout(30)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        yield driver
    finally:
        driver.quit()


def _shot(driver: webdriver.Chrome, name: str, width: int = 1280) -> Path:
    """A full-page screenshot: grow the window to the page's height first."""
    height = driver.execute_script("return Math.min(document.documentElement.scrollHeight, 6000)")
    driver.set_window_size(width, max(height + 120, 600))
    path = ARTIFACTS / name
    assert driver.save_screenshot(str(path)), f"could not save {path}"
    driver.set_window_size(1280, 1600)
    return path


def test_index_to_a_claim_by_peskow(browser: webdriver.Chrome, server) -> None:
    browser.get(server.url + "/")
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("claimgraph")
    _shot(browser, "01-index.png")
    # follow the index's link to a claim whose speaker is Peskow (through /id/ and its 303)
    row = browser.find_element(By.XPATH, "//table[contains(@class,'claims')]//tr[td[1][contains(., 'Peskow')]]")
    link = row.find_element(By.CSS_SELECTOR, "a.claim-link")
    browser.execute_script("arguments[0].click()", link)  # a link wrapped over lines: click the element itself
    WebDriverWait(browser, 15).until(EC.presence_of_element_located((By.CSS_SELECTOR, "mark.quote")))
    assert "/doc/claim/" in browser.current_url and browser.current_url.endswith(".html")
    assert "Peskow" in browser.find_element(By.TAG_NAME, "h1").text

    mark = browser.find_element(By.CSS_SELECTOR, "mark.quote")
    assert mark.is_displayed() and mark.text == PESKOW_QUOTE
    paragraph = mark.find_element(By.XPATH, "./ancestor::p[1]")
    assert len(paragraph.text) > len(mark.text)  # shown inside its paragraph, not alone
    background = mark.value_of_css_property("background-color")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent"), background
    assert "✓" in browser.find_element(By.CSS_SELECTOR, "p.check").text

    chain = browser.find_element(By.CSS_SELECTOR, "svg.chain")
    assert chain.is_displayed() and chain.size["height"] > 150
    steps = chain.find_elements(By.CSS_SELECTOR, "g.step")
    assert len(steps) >= 3
    kinds = [s.find_element(By.TAG_NAME, "text").text.lower() for s in steps]
    assert kinds[0] == "speaker" and kinds[-1] == "build run", kinds
    _shot(browser, "02-claim-peskow.png")
    _shot(browser, "03-claim-peskow-phone.png", width=390)


def test_example_query_shows_a_results_table(browser: webdriver.Chrome, server) -> None:
    browser.get(server.url + "/query")
    WebDriverWait(browser, 20).until(EC.presence_of_element_located((By.CSS_SELECTOR, "#yasgui .CodeMirror")))
    assert not browser.find_element(By.ID, "plain-form").is_displayed()  # the editor replaced it
    example = browser.find_element(By.CSS_SELECTOR, "a.example")
    browser.execute_script("arguments[0].click()", example)
    cell = WebDriverWait(browser, 30).until(
        EC.visibility_of_element_located((By.CSS_SELECTOR, "#yasgui .yasr table tbody tr td"))
    )
    rows = browser.find_elements(By.CSS_SELECTOR, "#yasgui .yasr table tbody tr")
    assert rows and cell.text.strip()
    editor = browser.execute_script("return document.querySelector('#yasgui .CodeMirror').CodeMirror.getValue()")
    assert editor.strip() == example.get_attribute("data-query").strip()
    links = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "#yasgui .yasr table a")]
    local = [h for h in links if h and h.startswith(server.url + "/id/")]
    assert local, f"no result IRI links to this server: {links[:5]}"
    loaded = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert loaded and all(u.startswith(server.url) for u in loaded), [u for u in loaded if not u.startswith(server.url)]
    _shot(browser, "04-query-results.png")
    browser.get(local[0])  # a result IRI opens its page here
    assert browser.find_element(By.TAG_NAME, "h1").text
