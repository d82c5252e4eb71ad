"""What the tests of the HTML pages share (Tests/pipeline/test_html_report.py, Tests/browser): a run and a
small learning curve made through make as a user would, and the pages read with the standard library's
HTML parser."""
from __future__ import annotations

import csv
from html.parser import HTMLParser
from pathlib import Path

from ntk_testing import make, make_arguments, run_command

# A run with both baselines and every plot the page shows: `make spectra training-curves`.
RUN_PARAMS = {"D": 7, "M": 60, "M_TEST": 500, "INIT_SEEDS": "3 4 5", "TEACHER_SEED": 9, "C": 0.5,
              "BASELINES": "infinite trained", "GD_STEPS": 20}
SWEEP_VARIABLES = {"SWEEP_SEEDS": "1 2", "SWEEP_M": "40 80", "M_TEST": 1000, "GD_STEPS": 20, "D": 7}


def make_run(folder: Path) -> Path:
    make(folder, RUN_PARAMS, ["spectra", "training-curves"])
    return folder


def make_learning_curve(root: Path) -> Path:
    """The small learning curve, with its theory curve (the default with the infinite baseline); its report folder."""
    command = ["make", "-s", "-j", "2", *make_arguments({"SWEEP_ROOT": root, **SWEEP_VARIABLES}), "learning-curve"]
    result = run_command(command, timeout=600)
    assert result.returncode == 0, result.stderr
    return root / "learning-curve" / "report"


def csv_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


class Page(HTMLParser):
    """A page's elements (tag, attributes, text inside), in order."""

    def __init__(self, path: Path):
        super().__init__(convert_charrefs=True)
        self.elements: list[dict] = []
        self.open: list[dict] = []
        self.text: list[str] = []
        self.feed(path.read_text())

    def handle_starttag(self, tag, attrs):
        # An attribute written without a value (data-value of an empty field) has the value "".
        element = {"tag": tag, "attrs": {k: "" if v is None else v for k, v in attrs}, "text": ""}
        self.elements.append(element)
        if tag not in {"meta", "link", "img", "br", "hr", "input"}:
            self.open.append(element)

    def handle_endtag(self, tag):
        while self.open:
            if self.open.pop()["tag"] == tag:
                break

    def handle_data(self, data):
        self.text.append(data)
        for element in self.open:
            element["text"] += data

    def all(self, tag: str, **attrs) -> list[dict]:
        return [e for e in self.elements if e["tag"] == tag and all(e["attrs"].get(k) == v for k, v in attrs.items())]

    def table_rows(self, table_id: str) -> list[list[dict]]:
        """The body rows of table `table_id`, each a list of its cells (th and td)."""
        rows, inside, body = [], False, False
        for e in self.elements:
            if e["tag"] == "table":
                inside = e["attrs"].get("id") == table_id
            elif inside and e["tag"] in ("thead", "tbody"):
                body = e["tag"] == "tbody"
            elif inside and body and e["tag"] == "tr":
                rows.append([])
            elif inside and body and e["tag"] in ("td", "th") and rows:
                rows[-1].append(e)
        return rows

    def after(self, element_id: str, tag: str) -> list[dict]:
        """The `tag` elements from the element `element_id` to the next table."""
        start = next(k for k, e in enumerate(self.elements) if e["attrs"].get("id") == element_id)
        found = []
        for e in self.elements[start + 1:]:
            if e["tag"] == "table":
                break
            if e["tag"] == tag:
                found.append(e)
        return found

    def row_fields(self, row: list[dict]) -> list[str]:
        """A table row's fields as the CSV has them: each number's data-value (and data-std), else the text."""
        fields = []
        for cell in row:
            if "data-value" in cell["attrs"]:
                fields.append(cell["attrs"]["data-value"])
                fields += [cell["attrs"]["data-std"]] if "data-std" in cell["attrs"] else []
            else:
                fields.append(cell["text"])
        return fields

    def urls(self) -> list[str]:
        return [e["attrs"][a] for e in self.elements for a in ("href", "src") if a in e["attrs"]]
