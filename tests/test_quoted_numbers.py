"""Every number quoted in an exercise solution is backed by the notebook itself.

A solution that says "the loss ends at 0.485" must not be a number that someone once typed: the
same digits must appear in a stored output that nbval checks (typically a cell tagged
``remove-cell`` that computes and asserts them), or in the source of a code cell, where a number
is an input such as a learning rate. Numbers that carry information are those with at least two
digits after the decimal point, or written in scientific notation.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))
SOLUTION = re.compile(r"^(`{3,}|:{3,})\{solution\}.*?^\1\s*$", re.S | re.M)
NUMBER = re.compile(r"(?<![\w.])\d+\.\d{2,}(?:e[-+]?\d+)?|(?<![\w.])\d+(?:\.\d+)?e[-+]?\d+")
# The label line of a solution names its exercise (ex-04-...), which is not a number.
LABEL = re.compile(r"\{solution\}\s*\S+")


def _texts(nb) -> tuple[str, str]:
    """(every stored output as text, every code cell's source)."""
    outputs, sources = [], []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        sources.append(cell.source)
        for out in cell.get("outputs", []):
            if out.output_type == "stream":
                outputs.append(out.text)
            for key, value in out.get("data", {}).items():
                if key.startswith("text/"):
                    outputs.append(value if isinstance(value, str) else "".join(value))
    return "\n".join(outputs), "\n".join(sources)


def _quoted(nb) -> list[str]:
    found = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for block in SOLUTION.finditer(cell.source):
                found += NUMBER.findall(LABEL.sub("", block.group(0)))
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_numbers_in_solutions_are_backed(path):
    nb = nbformat.read(path, as_version=4)
    outputs, sources = _texts(nb)
    unbacked = sorted({n for n in _quoted(nb) if n not in outputs and n not in sources})
    assert not unbacked, f"numbers in solutions that no stored output or code shows: {unbacked}"
