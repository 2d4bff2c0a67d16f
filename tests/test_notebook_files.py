"""Rules for the stored notebooks that nbval does not check (DESIGN.md section 4).

nbval re-executes each notebook and compares outputs; these tests read the files themselves:
what a reader downloads must show no path of the machine that ran it, must be one clean run, and
must keep to the book's limits on cell length and on ignored outputs.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))
MAX_CELL_LINES = 30
MAX_TRACEBACK_LINES = 8
# The rendered code column holds 76 characters; a longer printed line is cut off on the page.
MAX_OUTPUT_WIDTH = 76

# What would give away the machine that stored an output: a site-packages directory, a virtual
# environment, this checkout's own location, or an absolute path under a usual top directory.
MACHINE_PATH = re.compile(
    r"site-packages|dist-packages|\.venv|" + re.escape(str(ROOT)) + "|"
    r"(?<![\w.:/])/(?:home|root|work|tmp|usr|opt|var|Users|private|mnt)/|[A-Za-z]:\\\\"
)
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _code_cells(path: Path) -> dict[int, nbformat.NotebookNode]:
    """The code cells by their index among all cells (the index JupyterLab's cell list shows)."""
    cells = nbformat.read(path, as_version=4).cells
    return {n: c for n, c in enumerate(cells) if c.cell_type == "code"}


def _output_texts(cell) -> list[str]:
    texts = []
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            texts.append(out.text)
        elif out.output_type == "error":
            texts += [out.ename, out.evalue, *out.traceback]
        else:
            texts += [v for k, v in out.get("data", {}).items() if k.startswith("text/")]
    return [ANSI.sub("", t if isinstance(t, str) else "".join(t)) for t in texts]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_output_shows_a_machine_path(path):
    for n, cell in _code_cells(path).items():
        for text in _output_texts(cell):
            match = MACHINE_PATH.search(text)
            assert match is None, f"cell {n}: {text[max(match.start() - 60, 0):][:160]!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_one_clean_run(path):
    cells = _code_cells(path)
    assert [c.execution_count for c in cells.values()] == list(range(1, len(cells) + 1))
    for n, cell in cells.items():
        names = [o.get("name") for o in cell.outputs if o.output_type == "stream"]
        assert "stderr" not in names, f"cell {n} wrote to stderr"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_errors_shown_on_purpose_are_short(path):
    for n, cell in _code_cells(path).items():
        for out in cell.outputs:
            if out.output_type == "error":
                assert "raises-exception" in cell.metadata.get("tags", []), f"cell {n}"
                lines = sum(t.count("\n") + 1 for t in out.traceback)
                assert lines <= MAX_TRACEBACK_LINES, f"cell {n}: {lines}-line traceback"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_code_cells_are_short(path):
    long = {n: len(c.source.splitlines()) for n, c in _code_cells(path).items()
            if len(c.source.splitlines()) > MAX_CELL_LINES}
    assert not long, f"code cells over {MAX_CELL_LINES} lines (cell: lines): {long}"


def _printed_width(cell) -> int:
    """The length of the longest line the cell printed (stdout and stderr), 0 if none."""
    return max((len(line) for out in cell.get("outputs", []) if out.output_type == "stream"
                for line in out.text.splitlines()), default=0)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_printed_lines_fit_the_code_column(path):
    widths = {n: _printed_width(c) for n, c in _code_cells(path).items()
              if "remove-cell" not in c.metadata.get("tags", [])}
    wide = {n: w for n, w in widths.items() if w > MAX_OUTPUT_WIDTH}
    assert not wide, f"printed lines over {MAX_OUTPUT_WIDTH} characters (cell: width): {wide}"


def test_ignored_outputs_are_rare_and_explained():
    cells = [c for path in NOTEBOOKS for c in _code_cells(path).values()]
    ignored = [c for c in cells if c.source.lstrip().startswith("# NBVAL_IGNORE_OUTPUT")]
    assert len(ignored) * 10 < len(cells), f"{len(ignored)} of {len(cells)} code cells ignored"
    for cell in ignored:
        lines = cell.source.lstrip().splitlines()
        assert len(lines) > 1 and lines[1].startswith("#"), f"unexplained: {lines[0]!r}"


def _toc_files(node) -> list[str]:
    if isinstance(node, dict):
        found = [node["file"]] if "file" in node else []
        return found + [f for value in node.values() for f in _toc_files(value)]
    if isinstance(node, list):
        return [f for item in node for f in _toc_files(item)]
    return []


def test_every_chapter_is_in_the_table_of_contents():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    listed = {f for f in _toc_files(toc) if f.startswith("chapters/")}
    assert listed == {f"chapters/{p.stem}" for p in NOTEBOOKS}
