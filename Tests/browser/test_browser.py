"""The HTML pages in a real browser (`make test-browser`): headless Chromium from Debian's chromium and
chromium-driver, driven by Selenium, opens a run's page (both baselines, spectra, training curves) and a small
learning curve's page (with the theory curve), and checks what a reader would meet: no console error, no
request but file: and data:, every image drawn with a size, a screenshot that is not blank at 1280 and at
400 px with no sideways scrolling of the page, every results cell's data-value equal to results.csv (and
summary.csv), every anchor and relative link resolving, numeric sorting, complete tables without JavaScript,
a contrast of at least 4.5:1 in the dark scheme (and the light), and a sane PDF when printed.

SCREENSHOTS=<folder> keeps the screenshots there (run-1280.png, run-400.png, sweep-1280.png, sweep-400.png)."""
from __future__ import annotations

import base64
import json
import os
import re
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from html_report_testing import csv_rows, make_learning_curve, make_run

FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
         # No request of the browser's own: updates, sync, metrics, safe browsing, field trials.
         "--disable-background-networking", "--disable-component-update", "--disable-default-apps", "--disable-sync",
         "--no-first-run", "--disable-extensions", "--metrics-recording-only",
         "--disable-client-side-phishing-detection",
         "--disable-field-trial-config", "--no-pings", "--window-size=1280,900"]


def chromium(javascript: bool = True) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    return webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    run = make_run(tmp_path_factory.mktemp("browser") / "run")
    report = make_learning_curve(tmp_path_factory.mktemp("browser-sweep"))
    return {"run": run / "report.html", "sweep": report / "index.html"}


@pytest.fixture(scope="module")
def browser():
    driver = chromium()
    yield driver
    driver.quit()


def open_page(driver, path: Path, width: int = 1280, dark: bool = False):
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False})
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia",
                           {"features": [{"name": "prefers-color-scheme", "value": "dark" if dark else "light"}]})
    driver.get_log("performance")
    driver.get_log("browser")
    driver.get(path.as_uri())


# The share of distinct colours in a screenshot, drawn on a canvas (the browser decodes the PNG).
DISTINCT_COLOURS = """
var done = arguments[arguments.length - 1], image = new Image();
image.onload = function () {
  var canvas = document.createElement("canvas");
  canvas.width = image.width; canvas.height = image.height;
  var context = canvas.getContext("2d");
  context.drawImage(image, 0, 0);
  var data = context.getImageData(0, 0, image.width, image.height).data, colours = {};
  for (var k = 0; k < data.length; k += 4 * 97) colours[data[k] + "," + data[k + 1] + "," + data[k + 2]] = 1;
  done(Object.keys(colours).length);
};
image.onerror = function () { done(-1); };
image.src = "data:image/png;base64," + arguments[0];
"""

# Every element with its own text whose contrast against its background is below 4.5:1 (WCAG AA).
LOW_CONTRAST = """
function rgba(text) { var v = text.match(/[\\d.]+/g).map(Number); return v.length > 3 ? v : v.concat([1]); }
function luminance(c) {
  var l = c.slice(0, 3).map(function (v) {
    v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
  });
  return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2];
}
function background(element) {
  for (; element; element = element.parentElement) {
    var c = rgba(getComputedStyle(element).backgroundColor);
    if (c[3] > 0) return c;
  }
  return [255, 255, 255, 1];
}
var low = [];
document.querySelectorAll("body *").forEach(function (element) {
  var own = Array.prototype.some.call(element.childNodes, function (n) {
    return n.nodeType === 3 && n.textContent.trim();
  });
  if (!own || !element.getClientRects().length) return;
  var a = luminance(rgba(getComputedStyle(element).color)), b = luminance(background(element));
  var ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  if (ratio < 4.5) low.push(element.tagName + " " + ratio.toFixed(2) + " " + element.textContent.slice(0, 40));
});
return {low: low, background: luminance(background(document.body))};
"""


@pytest.mark.parametrize("name", ["run", "sweep"])
def test_the_page_loads_alone_without_errors(browser, pages, name):
    open_page(browser, pages[name])
    requests = [json.loads(entry["message"])["message"] for entry in browser.get_log("performance")]
    urls = [m["params"]["request"]["url"] for m in requests if m["method"] == "Network.requestWillBeSent"]
    assert urls and all(url.startswith(("file:", "data:")) for url in urls), urls
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
    sizes = browser.execute_script(
        "return Array.from(document.querySelectorAll('img, svg')).map(function (e) {"
        " var r = e.getBoundingClientRect();"
        " return [e.complete !== false && (e.naturalWidth || 1) > 0, r.width, r.height]; });")
    assert sizes and all(ok and w > 0 and h > 0 for ok, w, h in sizes), sizes


@pytest.mark.parametrize("name", ["run", "sweep"])
@pytest.mark.parametrize("width", [1280, 400])
def test_the_page_reads_at_each_width(browser, pages, name, width):
    open_page(browser, pages[name], width)
    overflow = browser.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.clientWidth];")
    assert overflow[0] <= overflow[1], f"the page scrolls sideways: {overflow}"
    shot = browser.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})["data"]
    if os.environ.get("SCREENSHOTS"):
        Path(os.environ["SCREENSHOTS"], f"{name}-{width}.png").write_bytes(base64.b64decode(shot))
    assert browser.execute_async_script(DISTINCT_COLOURS, shot) > 4, "a blank screenshot"


def test_run_page_values_are_results_csv(browser, pages):
    open_page(browser, pages["run"])
    cells = browser.execute_script(
        "return Array.from(document.querySelectorAll('#results-table td[data-model]')).map(function (td) {"
        " return [td.parentElement.cells[0].textContent, td.dataset.model, td.dataset.column, td.dataset.value]; });")
    expected = [[r["step"], r["model"], c, r[c]] for r in csv_rows(pages["run"].parent / "results.csv")
                for c in ("train_error", "test_error")]
    assert sorted(cells) == sorted(expected)


def test_sweep_page_values_are_summary_csv(browser, pages):
    open_page(browser, pages["sweep"])
    values = browser.execute_script(
        "return Array.from(document.querySelectorAll('#summary-table tbody tr')).map(function (tr) {"
        " return Array.from(tr.cells).filter(function (c) { return c.hasAttribute('data-std'); })"
        ".map(function (c) { return [c.dataset.value, c.dataset.std]; }); });")
    summary = csv_rows(pages["sweep"].parent / "summary.csv")
    assert values == [[[r[f"{k}_mean"], r[f"{k}_std"]] for k in ("train_error", "test_error", "test_mse")]
                      for r in summary]


@pytest.mark.parametrize("name", ["run", "sweep"])
def test_every_link_resolves(browser, pages, name):
    open_page(browser, pages[name])
    links = browser.execute_script("return Array.from(document.querySelectorAll('a[href]')).map(function (a) {"
                                   " return [a.getAttribute('href'), a.href]; });")
    assert links
    for href, url in links:
        if href.startswith("#"):
            assert browser.execute_script("return document.getElementById(arguments[0]) !== null;", href[1:]), href
        else:
            assert Path(unquote(urlparse(url).path)).exists(), href


def column_values(browser, table: str, column: int) -> list[str]:
    return browser.execute_script(
        "var column = arguments[1]; return Array.from(document.querySelectorAll(arguments[0] + ' tbody tr'))"
        ".map(function (tr) { return tr.cells[column].getAttribute('data-value'); });", f"#{table}", column)


def test_sorting_is_numeric(browser, pages):
    open_page(browser, pages["sweep"])
    headers = browser.find_elements(By.CSS_SELECTOR, "#summary-table thead th")
    column = next(k for k, h in enumerate(headers) if h.text.startswith("test error mean"))
    # Values whose text order is not their numeric order, set in the page: the sort must use the numbers.
    browser.execute_script(
        "var column = arguments[0], texts = ['10', '9', '1e-3', '', '-2'];"
        "document.querySelectorAll('#summary-table tbody tr').forEach(function (tr, k) {"
        " tr.cells[column].setAttribute('data-value', texts[k % 5]); });", column)
    button = headers[column].find_element(By.TAG_NAME, "button")
    button.click()
    ascending = column_values(browser, "summary-table", column)
    numbers = [float(v) for v in ascending if v != ""]
    assert numbers == sorted(numbers) and ascending[-1] == "" and numbers[0] == -2.0
    assert headers[column].get_attribute("aria-sort") == "ascending"
    button.click()
    descending = [float(v) for v in column_values(browser, "summary-table", column) if v != ""]
    assert descending == sorted(numbers, reverse=True)


def test_without_javascript_the_tables_are_complete(pages):
    driver = chromium(javascript=False)
    try:
        driver.get(pages["sweep"].as_uri())
        assert driver.find_elements(By.CSS_SELECTOR, "#summary-table th button") == []
        rows = driver.find_elements(By.CSS_SELECTOR, "#summary-table tbody tr")
        summary = csv_rows(pages["sweep"].parent / "summary.csv")
        assert len(rows) == len(summary)
        assert [r.find_elements(By.TAG_NAME, "td")[-1].text for r in rows] == [r["solver"] for r in summary]
        driver.get(pages["run"].as_uri())
        cells = driver.find_elements(By.CSS_SELECTOR, "#results-table td[data-model]")
        assert len(cells) == 2 * len(csv_rows(pages["run"].parent / "results.csv"))
    finally:
        driver.quit()


@pytest.mark.parametrize("name", ["run", "sweep"])
@pytest.mark.parametrize("dark", [True, False])
def test_text_contrast(browser, pages, name, dark):
    open_page(browser, pages[name], dark=dark)
    result = browser.execute_script(LOW_CONTRAST)
    assert (result["background"] < 0.05) == dark, "the colour scheme was not applied"
    assert result["low"] == []


@pytest.mark.parametrize("name", ["run", "sweep"])
def test_printing_to_pdf(browser, pages, name):
    open_page(browser, pages[name])
    pdf = base64.b64decode(browser.execute_cdp_cmd("Page.printToPDF", {"printBackground": False})["data"])
    pages_printed = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))
    assert pdf.startswith(b"%PDF") and 1 <= pages_printed <= 60, pages_printed
