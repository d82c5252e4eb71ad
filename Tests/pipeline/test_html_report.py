"""The HTML pages without a browser (docs/sweeps-and-plots.md, "One page to look at"): ntk-html-report's run page
and sweep page read back with Python's HTML parser. Every number cell holds the exact text of results.csv
(summary.csv) in data-value; no URL leaves the page; every string from a file or a parameter is escaped (a run
folder, a parameter and a CSV label holding <, &, quotes); two pages from the same files differ in one line;
an artifact one of whose inputs changed since its stamp was written is flagged stale; a sweep's page has a line
per point and links to each point's page. The browser's checks: Tests/browser."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from html_report_testing import Page, csv_rows, make_learning_curve, make_run
from ntk_testing import run_stage

NASTY = "a<b>&amp;\"q\"'s"


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    return make_run(tmp_path_factory.mktemp("html") / "run")


@pytest.fixture(scope="module")
def learning_curve(tmp_path_factory) -> Path:
    return make_learning_curve(tmp_path_factory.mktemp("html-sweep"))


def results_cells(page: Page) -> dict[tuple[str, str, str], str]:
    """(step, model, column) → data-value of the run page's results table."""
    cells = {}
    for row in page.table_rows("results-table"):
        step = row[0]["text"]
        for cell in row[1:]:
            if "data-model" in cell["attrs"]:
                cells[step, cell["attrs"]["data-model"], cell["attrs"]["data-column"]] = cell["attrs"]["data-value"]
    return cells


def test_run_page_values_are_results_csv(run):
    page = Page(run / "report.html")
    expected = {(r["step"], r["model"], column): r[column] for r in csv_rows(run / "results.csv")
                for column in ("train_error", "test_error")}
    assert results_cells(page) == expected
    assert {"ntk_infinite", "krr_infinite", "net_trained"} <= {model for _, model, _ in expected}
    alignment = csv_rows(run / "alignment.csv")
    rows = page.table_rows("alignment-table")
    assert [page.row_fields(row) for row in rows] == [list(r.values()) for r in alignment]


def test_run_page_shows_every_plot_inline_and_links_only_within(run):
    page = Page(run / "report.html")
    images = page.all("img")
    assert len(images) == 6 and all(i["attrs"]["src"].startswith("data:image/svg+xml;base64,") for i in images)
    assert all(i["attrs"]["alt"] for i in images)
    for url in page.urls():
        assert url.startswith(("#", "data:")) or ("://" not in url and not url.startswith("//")), url
        if not url.startswith(("#", "data:")):
            assert (run / url).exists(), url
    anchors = {e["attrs"]["id"] for e in page.elements if "id" in e["attrs"]}
    assert {url[1:] for url in page.urls() if url.startswith("#")} <= anchors
    assert page.all("html")[0]["attrs"]["lang"] == "en"
    assert all(t["attrs"].get("scope") for t in page.all("th"))
    assert "url(" not in (run / "report.html").read_text()


def test_pages_from_the_same_files_differ_in_one_line(run, tmp_path):
    folder = tmp_path / "run"
    shutil.copytree(run, folder)
    pages = []
    for _ in range(2):
        result = run_stage("html-report", "run", folder, "--given=M=60", "--parameter=C=1", "--quiet")
        assert result.returncode == 0, result.stderr
        pages.append((folder / "report.html").read_text().splitlines())
    assert len(pages[0]) == len(pages[1])
    differing = [a for a, b in zip(*pages) if a != b]
    assert len(differing) <= 1 and all(line.startswith("<footer><p>Written ") for line in differing)


def test_every_string_from_a_file_or_parameter_is_escaped(run, tmp_path):
    folder = tmp_path / f"run {NASTY}"
    shutil.copytree(run, folder)
    rows = (folder / "results.csv").read_text().splitlines()
    label = NASTY.replace('"', '""')
    rows[1] = rows[1].replace(",classifier,", f',"net_{label}",', 1)
    (folder / "results.csv").write_text("\n".join(rows) + "\n")
    result = run_stage("html-report", "run", folder, f"--given=C={NASTY}", f"--parameter=DATA={NASTY}",
                       f"--commit={NASTY}", "--quiet")
    assert result.returncode == 0, result.stderr
    page = Page(folder / "report.html")
    # No element came from the strings: the only <b> would be theirs; they read back exactly.
    assert not page.all("b") and len(page.all("script")) == 1
    text = "".join(page.text)
    assert f"Run {folder}" in text and f"net_{NASTY}" in text and f"C={NASTY}" in text.replace("'\\''", "'")
    assert [e for e in page.elements if e["attrs"].get("data-model") == f"net_{NASTY}"]
    assert NASTY in [e["text"] for e in page.all("code")]


def test_an_artifact_whose_input_changed_since_its_stamp_is_stale(run, tmp_path):
    """W/eval.h5's stamp records W/svm.h5's content digest; a different one now (its sidecar) makes it stale."""
    folder = tmp_path / "run"
    shutil.copytree(run, folder)
    page = Page(run / "report.html")
    assert "0 stale" in page.all("p", id="stale-summary")[0]["text"]
    (folder / "W" / ".svm.h5.digest").write_text("0" * 32 + "\n")
    assert run_stage("html-report", "run", folder, "--quiet").returncode == 0
    page = Page(folder / "report.html")
    summary = page.all("p", id="stale-summary")[0]
    assert summary["attrs"]["data-stale"] == "1"
    section = page.all("section", id="artifact-W-eval-h5")[0]
    assert "stale" in section["text"] and "W/svm.h5 changed since" in section["text"]
    assert "up to date" in page.all("section", id="artifact-truth-h5")[0]["text"]


def test_a_missing_table_is_one_line_and_no_page(tmp_path):
    result = run_stage("html-report", "run", tmp_path)
    assert result.returncode != 0 and not (tmp_path / "report.html").exists()
    assert result.stderr == f"ntk-html-report: error: {tmp_path}/results.csv: cannot be read as UTF-8 text\n"


def test_sweep_page_values_points_and_command(learning_curve):
    page = Page(learning_curve / "index.html")
    summary = csv_rows(learning_curve / "summary.csv")
    rows = page.table_rows("summary-table")
    assert len(rows) == len(summary)
    constants = page.after("summary-table-constants", "span")
    assert {"d", "m_test", "n_seeds"} <= {e["attrs"]["data-column"] for e in constants}
    for row, expected in zip(rows, summary):
        fields = page.row_fields(row) + [e["attrs"]["data-value"] for e in constants]
        assert sorted(fields) == sorted(expected.values())
        assert [c["attrs"]["data-std"] for c in row if "data-std" in c["attrs"]] == [
            expected[k] for k in ("train_error_std", "test_error_std", "test_mse_std")]
    points = page.table_rows("points-table")
    assert len(points) == 8 and all(row[1]["text"] == "done" for row in points)
    for e in page.all("a"):
        href = e["attrs"]["href"]
        assert href.startswith("#") or (learning_curve / href).exists(), href
    assert len([e for e in page.all("a") if e["attrs"]["href"].endswith("/report.html")]) == 8
    assert len(page.all("img")) == 2 and page.all("table", id="theory-table")
    assert "SWEEP_M=40\\ 80" in page.all("pre")[0]["text"] and page.all("pre")[0]["text"].endswith("learning-curve")


def test_sweep_page_says_which_points_are_missing(learning_curve, tmp_path):
    report = tmp_path / "learning-curve" / "report"
    shutil.copytree(learning_curve.parent, tmp_path / "learning-curve")
    points = sorted(p for p in report.parent.iterdir() if p.name.startswith("layers-"))
    (points[0] / "results.csv").unlink()
    result = run_stage("html-report", "sweep", report, "--name=learning-curve", "--command=make learning-curve",
                       "--points", *points, "--quiet")
    assert result.returncode == 0, result.stderr
    page = Page(report / "index.html")
    assert page.all("p", id="progress-line")[0]["text"] == "8 points: 7 done, 0 stale, 1 missing."
