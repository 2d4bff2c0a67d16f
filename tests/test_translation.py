"""The Chinese edition's catalogues: complete, in step with the English, and markup intact.

The Chinese edition renders the English sources through locale/zh_CN/LC_MESSAGES/**/*.po. These
tests fail when a message is untranslated or fuzzy, when the English has changed since the
catalogues were updated (so an English edit cannot land without its translation), and when a
translation has lost or changed what must survive translation: cross-references, citations,
glossary links, maths, display formulas and inline code. (Labels such as ``(sec-x)=`` are not
messages at all, and a reference to a lost one fails the -W build.)
"""

from __future__ import annotations

import functools
import re
import sys
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
CATALOGUES = ROOT / "locale" / "zh_CN" / "LC_MESSAGES"
PO_FILES = sorted(CATALOGUES.rglob("*.po"))
CJK = re.compile(r"[\u4e00-\u9fff]")

# What a translation keeps byte for byte. A reference keeps its target, and its display text, if
# it has one, is translated. {term} is absent: it names the glossary's Chinese term, and Sphinx
# links the translated term to the same entry.
KEPT = {
    "reference": re.compile(r"(?<!`)\{(?:ref|numref|eq|doc|cite(?::p|:t|:ps|:ts)?)\}`[^`]*`"),
    "maths": re.compile(r"\$\$.+?\$\$|\$[^$\n]+\$", re.S),
    "inline code": re.compile(r"(?<![`{}])`[^`]+`(?!`)"),
    "link target": re.compile(r"\]\(([^)]+)\)"),
}
TERM = re.compile(r"(?<!`)\{term\}`[^`]*`")
# Roles (not code spans that show one, such as `{ref}`) are taken out before looking for code
# spans: otherwise a role's closing backtick would open a "code span" of the prose up to the next
# backtick.
ROLE = re.compile(r"(?<!`)\{[\w:-]+\}`[^`]*`")
MATHS = KEPT["maths"]


@functools.cache
def _catalogue(path: Path):
    """A catalogue, parsed once for every test that reads it."""
    with path.open("rb") as f:
        return read_po(f)


def messages(path: Path):
    """The real messages of a catalogue (not its header)."""
    return [m for m in _catalogue(path) if m.id]


def _name(path: Path) -> str:
    return str(path.relative_to(CATALOGUES))


def test_every_page_has_a_catalogue():
    # One per page of _toc.yml, and the hand-kept sphinx.po: no more (a deleted page's is gone).
    pages = re.findall(r"(?:file|root): (\S+)", (ROOT / "_toc.yml").read_text())
    assert pages and {_name(p)[:-3] for p in PO_FILES} == {*pages, "sphinx"}


@pytest.mark.parametrize("path", PO_FILES, ids=_name)
def test_every_message_is_translated(path):
    missing = [m.id[:70] for m in messages(path) if not m.string]
    fuzzy = [m.id[:70] for m in messages(path) if m.fuzzy]
    assert not missing, f"{len(missing)} untranslated, first: {missing[:3]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy (check, then remove the flag): {fuzzy[:3]}"
    obsolete = list(_catalogue(path).obsolete)
    assert not obsolete, f"{len(obsolete)} obsolete '#~' entries: update with --no-obsolete"


def _target(role: str) -> str:
    """``{ref}`text <label>``` -> ``{ref}`label```: where a reference points, not what it shows."""
    name, content = role.split("`", 1)
    explicit = re.fullmatch(r"(?s).*<([^<>]+)>`", content)
    return f"{name}`{explicit.group(1) if explicit else content[:-1]}`"


@pytest.mark.parametrize("path", PO_FILES, ids=_name)
def test_translations_keep_references_maths_and_code(path):
    for m in messages(path):
        if not m.string:
            continue  # reported by the completeness test
        for what, pattern in KEPT.items():
            if what == "reference":  # what it points to is kept; a display text is translated
                source = Counter(map(_target, pattern.findall(m.id)))
                target = Counter(map(_target, pattern.findall(m.string)))
            else:
                source = Counter(pattern.findall(ROLE.sub("", m.id)))
                target = Counter(pattern.findall(ROLE.sub("", m.string)))
            assert source == target, (f"{what} changed in {m.id[:60]!r}: lost "
                                      f"{list(source - target)}, added {list(target - source)}")
        english = sorted(GLOSSARY[_term(role)] for role in TERM.findall(m.id))
        chinese = sorted(_term(role) for role in TERM.findall(m.string))
        assert english == chinese, f"{{term}} links changed in {m.id[:60]!r}: {english} {chinese}"
        if m.id.startswith("\n"):  # a display formula: only the words in \text{} may change
            assert _formula(m.id) == _formula(m.string), f"formula changed: {m.id[:60]!r}"


def _term(role: str) -> str:
    """The glossary entry that a ``{term}`` role links to, lower-cased as Sphinx looks it up."""
    return _target(role).split("`")[1].strip().lower()


def _formula(text: str) -> str:
    return re.sub(r"\\text\{[^{}]*\}|\s", "", text)


def _glossary() -> dict[str, str]:
    """English glossary term -> its Chinese term (the headwords of glossary.md's glossary)."""
    block = (ROOT / "glossary.md").read_text().split("```{glossary}", 1)[1].split("```", 1)[0]
    english = {line.strip() for line in block.splitlines() if line and not line[0].isspace()}
    return {m.id.lower(): m.string.lower() for m in messages(CATALOGUES / "glossary.po")
            if m.id in english}


GLOSSARY = _glossary()


@functools.cache
def _myst():
    from markdown_it.renderer import RendererHTML
    from myst_parser.config.main import MdParserConfig
    from myst_parser.parsers.mdit import create_md_parser

    extensions = {"amsmath", "colon_fence", "deflist", "dollarmath"}  # as in _config.yml
    return create_md_parser(MdParserConfig(enable_extensions=extensions), RendererHTML)


def markup(text: str) -> Counter:
    """What MyST makes of a message, text aside: bold, italics, code, roles, maths, links, lists."""
    tokens = [t for block in _myst().parse(text) for t in [block, *(block.children or [])]]
    return Counter(t.type + (":" + t.meta["name"] if t.type == "myst_role" else "")
                   for t in tokens if t.type not in ("text", "softbreak", "hardbreak", "inline"))


@pytest.mark.parametrize("path", PO_FILES, ids=_name)
def test_translations_keep_the_markup(path):
    # Emphasis next to full-width punctuation is a trap: in "**交叉熵（CE）**是" the closing ** is
    # not right-flanking, so the asterisks would be printed. Parsing both texts catches it.
    for m in messages(path):
        if m.string:
            source, target = markup(m.id), markup(m.string)
            assert source == target, (f"markup changed in {m.id[:60]!r}: lost "
                                      f"{dict(source - target)}, added {dict(target - source)}")


@pytest.mark.parametrize("path", PO_FILES, ids=_name)
def test_translations_are_chinese(path):
    # A message with words in it is translated into Chinese, not copied: names, numbers and
    # formulas may stay as they are. A display formula is a message of its own that starts with
    # a newline; inline maths is taken out before the words are counted.
    copied = [m.id[:70] for m in messages(path)
              if m.string and not m.id.startswith("\n")
              and len(re.findall(r"[A-Za-z]{3,}", MATHS.sub("", m.id))) >= 4
              and not CJK.search(m.string)]
    assert not copied, f"{len(copied)} messages left in English, first: {copied[:3]}"


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> dict[str, set[str]]:
    """Every English message of the book now, from Sphinx's gettext builder."""
    sys.path.insert(0, str(ROOT / "tools"))
    from build_book import sphinx

    out = tmp_path_factory.mktemp("gettext")
    assert sphinx("gettext", out, fresh=True) == 0, "the gettext build failed"
    return {str(p.relative_to(out))[:-4]: {m.id for m in messages(p)} for p in out.rglob("*.pot")}


def test_catalogues_follow_the_english(extracted):
    # An English edit changes the extracted messages; run `python3 run.py book --catalogues`,
    # translate what is new, and this passes again.
    for page, english in extracted.items():
        po = CATALOGUES / f"{page}.po"
        assert po.exists(), f"{page}: no catalogue"
        translated = {m.id for m in messages(po)}
        if page == "sphinx":  # the templates' strings, in the hand-kept interface catalogue
            assert english <= translated, f"sphinx.po lacks {sorted(english - translated)}"
            continue
        new, gone = english - translated, translated - english
        assert not new, f"{page}: {len(new)} English messages not in its catalogue: {sorted(new)[:2]}"
        assert not gone, f"{page}: {len(gone)} obsolete messages: {sorted(gone)[:2]}"


def test_the_checks_catch_what_they_are_for():
    # The CJK trap: the closing ** follows a full-width bracket and precedes a letter.
    assert markup("**cross-entropy (CE)** is") != markup("**交叉熵（CE）**是")
    assert markup("**cross-entropy** (CE) is") == markup("**交叉熵**（CE）是")
    # A reference may change what it shows, not where it points.
    shown = _target("{ref}`MSE against BCE <sec-05-mse-bce>`")
    assert shown == _target("{ref}`比较 <sec-05-mse-bce>`")
    assert _target("{ref}`sec-05-mse-bce`") != _target("{ref}`sec-05-mse`")
    # A code span that shows a role is code; a role is not.
    prose = "the `{ref}` role, {ref}`ch-x` and `code`"
    assert KEPT["inline code"].findall(ROLE.sub("", prose)) == ["`{ref}`", "`code`"]
    assert KEPT["reference"].findall(prose) == ["{ref}`ch-x`"]
    # A glossary link must go to the same entry, and a formula may change its words only.
    assert GLOSSARY[_term("{term}`logits <logit>`")] == _term("{term}`logit`")
    assert GLOSSARY[_term("{term}`binary cross-entropy`")] != _term("{term}`交叉熵`")
    assert _formula("\n\\text{similar pair,} d^2\n") == _formula("\n\\text{相似对，} d^2\n")
    assert _formula("\na + b\n") != _formula("\na - b\n")
