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
        pytest.fail(
            f"{name} is not installed: run `make chromium` (Debian packages chromium, chromium-driver)", pytrace=False
        )
    return found


def _chromium(*extra: str) -> webdriver.Chrome:
    """Headless Debian Chromium, kept off the network it would otherwise try to reach."""
    options = webdriver.ChromeOptions()
    options.binary_location = _executable(CHROMIUM, "chromium")
    for arg in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-dev-shm-usage",
        "--window-size=1280,1600",
        *extra,
    ):
        options.add_argument(arg)
    return webdriver.Chrome(options=options, service=Service(_executable(CHROMEDRIVER, "chromedriver")))


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    driver = _chromium()
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
    row = browser.find_element(By.XPATH, "//table[contains(@class,'claims')]//tr[td[1][contains(., 'Peskov')]]")
    link = row.find_element(By.CSS_SELECTOR, "a.claim-link")
    browser.execute_script("arguments[0].click()", link)  # a link wrapped over lines: click the element itself
    WebDriverWait(browser, 15).until(EC.presence_of_element_located((By.CSS_SELECTOR, "mark.quote")))
    assert "/doc/claim/" in browser.current_url and browser.current_url.endswith(".html")
    assert "Peskov" in browser.find_element(By.TAG_NAME, "h1").text

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
    assert kinds == ["speaker", "reported by", "outlet", "translation", "this file", "build run"], kinds
    _shot(browser, "02-claim-peskow.png")
    _shot(browser, "03-claim-peskow-phone.png", width=390)

    # on to the article, through the chain picture's "translation" box
    article = chain.find_element(By.XPATH, ".//*[local-name()='g'][contains(@class,'step-4')]//*[local-name()='a']")
    browser.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", article)
    WebDriverWait(browser, 15).until(EC.presence_of_element_located((By.CSS_SELECTOR, "div.article-text")))
    assert browser.current_url.endswith("/doc/document/musk-putin-kontakt.html")
    peskov = browser.find_element(By.CSS_SELECTOR, "div.article-text mark a[href='/id/claim/peskow-fake-news']")
    assert peskov.is_displayed() and PESKOW_QUOTE.startswith(peskov.text)
    assert len(browser.find_elements(By.CSS_SELECTOR, "div.article-text a.marker")) >= 20
    chrome = browser.find_element(By.CSS_SELECTOR, "p.segment-pageChrome")
    assert chrome.value_of_css_property("color") != browser.find_element(
        By.CSS_SELECTOR, "p.segment-bodyText"
    ).value_of_css_property("color")
    _shot(browser, "05-article.png")


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
    assert not [h for h in links if h and h.startswith("https://w3id.org/claimgraph/")], (
        "a dataset or ontology IRI links off-site"
    )
    loaded = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert loaded and all(u.startswith(server.url) for u in loaded), [u for u in loaded if not u.startswith(server.url)]
    _shot(browser, "04-query-results.png")
    browser.get(local[0])  # a result IRI opens its page here
    assert browser.find_element(By.TAG_NAME, "h1").text


CHECKS = r"""
const problems = [];
if (!document.documentElement.lang) problems.push("no lang on <html>");
const h1s = document.querySelectorAll("h1");
if (h1s.length !== 1) problems.push(h1s.length + " h1 elements");
let last = 0;
for (const h of document.querySelectorAll("main h1, main h2, main h3, main h4")) {
  const level = +h.tagName[1];
  if (last && level > last + 1) problems.push("heading skips from h" + last + " to h" + level + ": " + h.textContent);
  last = level;
}
for (const el of document.querySelectorAll("input, textarea, select")) {
  if (el.closest("#yasgui") || el.type === "hidden") continue;
  if (!(el.labels && el.labels.length) && !el.getAttribute("aria-label")) problems.push("unlabelled " + el.tagName);
}
for (const svg of document.querySelectorAll("svg.chain")) {
  if (!svg.querySelector("title") || svg.getAttribute("role") !== "img") problems.push("chain picture without title/role");
}
function rgb(s) { return s.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number); }
function lum(c) { return c.map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); })
                        .reduce((a, v, i) => a + v * [0.2126, 0.7152, 0.0722][i], 0); }
function background(el) {
  for (let e = el; e; e = e.parentElement) {
    const b = getComputedStyle(e).backgroundColor;
    if (b && !b.startsWith("rgba(0, 0, 0, 0)") && b !== "transparent") return b;
  }
  return "rgb(255, 255, 255)";
}
for (const el of document.querySelectorAll("main p, main a, main li, main dt, main dd, main mark, main td, main th, main q, main code, header a")) {
  if (!el.textContent.trim() || el.closest("#yasgui")) continue;
  const fg = lum(rgb(getComputedStyle(el).color)), bg = lum(rgb(background(el)));
  const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
  if (ratio < 4.5) problems.push("contrast " + ratio.toFixed(2) + " for " + el.tagName + ": " + el.textContent.slice(0, 40));
}
return problems;
"""


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/doc/claim/peskow-fake-news.html",
        "/doc/document/musk-putin-kontakt.html",
        "/doc/entity/dmitri-peskow.html",
        "/query",
    ],
)
def test_pages_are_accessible_and_fit_a_phone(browser: webdriver.Chrome, server, path: str) -> None:
    """Headings, labels, a titled chain picture and WCAG AA text contrast; at 390 px wide
    (a phone) nothing needs scrolling sideways."""
    browser.set_window_size(1280, 1600)
    browser.get(server.url + path)
    assert browser.execute_script(CHECKS) == []
    browser.set_window_size(390, 844)
    browser.get(server.url + path)
    WebDriverWait(browser, 10).until(lambda d: d.execute_script("return document.readyState") == "complete")
    overflow = browser.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert overflow[0] <= overflow[1], f"{path} is {overflow[0]} px wide on a {overflow[1]} px screen"
    browser.set_window_size(1280, 1600)


def _next_page_rows(driver, old_page):
    """The result rows of the page a click loads (waits for the old page to go, then the rows)."""
    WebDriverWait(driver, 20).until(EC.staleness_of(old_page))
    WebDriverWait(driver, 20).until(EC.presence_of_all_elements_located((By.CSS_SELECTOR, "table.results tbody tr")))
    return driver.find_elements(By.CSS_SELECTOR, "table.results tbody tr")


def test_everything_but_the_editor_works_without_javascript(server) -> None:
    """With scripts off: the claim page still shows the marked quote and the chain, and the
    query page's plain form runs an example on the server and shows its table."""
    driver = _chromium("--blink-settings=scriptEnabled=false")
    try:
        driver.get(server.url + "/id/claim/peskow-fake-news")
        assert driver.find_element(By.CSS_SELECTOR, "mark.quote").text == PESKOW_QUOTE
        assert driver.find_element(By.CSS_SELECTOR, "svg.chain").is_displayed()
        driver.get(server.url + "/query")
        assert driver.find_element(By.ID, "plain-form").is_displayed()
        page = driver.find_element(By.TAG_NAME, "html")
        driver.find_element(By.CSS_SELECTOR, "a.example").click()  # a plain link: the server runs it
        _next_page_rows(driver, page)
        page = driver.find_element(By.TAG_NAME, "html")
        driver.find_element(By.CSS_SELECTOR, "#plain-form button[type=submit]").click()  # and the form, too
        rows = _next_page_rows(driver, page)
        assert rows and rows[0].is_displayed() and driver.find_element(By.CSS_SELECTOR, "table.results a[href^='/id/']")
        _shot(driver, "06-query-without-javascript.png")
    finally:
        driver.quit()
