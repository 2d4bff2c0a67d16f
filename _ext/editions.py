"""The book's two editions: every page links to the same page in the other language.

The English edition is built into _build/html and the Chinese one into _build/html/zh_CN, from the
same sources (tools/build_book.py). Each page of the book gets a visible link to its counterpart
at the top of its text, and a relative ``<link rel="alternate" hreflang=...>`` that names the
counterpart's language (the generated search and index pages have neither). The Chinese build
also gets the interface strings that come from configuration rather than from a theme's catalogue.
"""

from __future__ import annotations

import logging
import re
import zlib
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.locale import init as init_locale
from sphinx.transforms import SphinxTransform
from sphinx.util.i18n import docname_to_domain

ZH = "zh_CN"

#: Set from configuration, so no catalogue translates them: the Chinese build overrides them.
ZH_CONFIG = {"html_title": "损失函数实践",
             # sphinx-togglebutton's labels for a folded solution: its zh-cn catalogue is never
             # found (gettext looks for zh_CN or zh), and the default is fixed when it loads
             "togglebutton_hint": "点击显示", "togglebutton_hint_hide": "点击隐藏"}
ZH_THEME_OPTIONS = {"search_bar_text": "搜索本书……"}


def is_chinese(config) -> bool:
    return (config.language or "en") == ZH


def counterpart(pagename: str, chinese: bool) -> str:
    """The URL of ``pagename`` in the other edition, relative to the page itself."""
    up = "../" * pagename.count("/")
    return f"{up}../{pagename}.html" if chinese else f"{up}{ZH}/{pagename}.html"


def glossary_words(srcdir: Path) -> list[str]:
    """The glossary page's Chinese strings that are one word (its terms, and its title)."""
    from babel.messages.pofile import read_po

    with (srcdir / "locale" / ZH / "LC_MESSAGES" / "glossary.po").open("rb") as f:
        strings = [m.string for m in read_po(f) if m.id]
    return sorted({s for s in strings if s and re.fullmatch(r"[\u4e00-\u9fff]+", s)})


class _LatinTerms(list):
    """Sphinx's ``SearchChinese.latin_terms``, with a set beside the list.

    Sphinx appends every Latin word of the book to this list and asks ``word in latin_terms`` for
    every word it indexes, which is quadratic: 23 of the Chinese build's 42 s. Same contents, same
    answers, constant-time membership.
    """

    def __init__(self):
        super().__init__()
        self._members = set()

    def extend(self, words):
        words = list(words)
        self._members.update(words)
        super().extend(words)

    def __contains__(self, word):
        return word in self._members


def _chinese_config(app, config):
    if is_chinese(config):
        for name, value in ZH_CONFIG.items():
            setattr(config, name, value)
        options = config.html_theme_options
        logo = {**options.get("logo", {}), "alt_text": "损失函数实践 - 首页"}
        config.html_theme_options = {**options, **ZH_THEME_OPTIONS, "logo": logo}
        # No page depends on the hand-kept interface catalogue: its checksum in the HTML context
        # makes an edit of it rewrite every page.
        interface = Path(app.srcdir) / "locale" / ZH / "LC_MESSAGES" / "sphinx.po"
        config.html_context = {**config.html_context,
                               "interface_catalogue": zlib.crc32(interface.read_bytes())}
        _chinese_search(app, config)


def _chinese_search(app, config):
    """Sphinx's Chinese search, with the glossary's words and without its quadratic step.

    Sphinx cuts Chinese text into words with jieba, whose dictionary does not know 交叉熵 or
    损失函数: it would index 交叉 and 熵, and a search for the term would find nothing. The
    glossary's terms become a user dictionary, so each is also one word.
    """
    import jieba
    from sphinx.search.zh import SearchChinese

    jieba.setLogLevel(logging.WARNING)  # it logs its dictionary loading at DEBUG level
    text = "".join(f"{w}\n" for w in glossary_words(Path(app.srcdir)))
    # The checksum in the name changes html_search_options when the glossary does, and with it
    # every page's search entries (Sphinx keeps those of unchanged pages otherwise).
    words = Path(app.doctreedir) / f"jieba-glossary-{zlib.crc32(text.encode()):08x}.txt"
    words.parent.mkdir(parents=True, exist_ok=True)
    words.write_text(text, "utf-8")
    config.html_search_options = {**(config.html_search_options or {}), "dict": str(words)}
    SearchChinese.latin_terms = _LatinTerms()


_CATALOGUES: dict = {}


def page_catalogue(transform: SphinxTransform):
    """The Chinese catalogue of the page that ``transform`` is working on, or None."""
    if not is_chinese(transform.config):
        return None
    dirs = tuple(str(Path(transform.env.srcdir) / d) for d in transform.config.locale_dirs)
    domain = docname_to_domain(transform.env.docname, transform.config.gettext_compact)
    key = (dirs, transform.config.language, domain)
    if key not in _CATALOGUES:  # each call of init() would add the same .mo as a fallback again
        catalogue, found = init_locale(list(dirs), transform.config.language, domain)
        _CATALOGUES[key] = catalogue if found else None
    return _CATALOGUES[key]


class KeepOutputsAsTheyAre(SphinxTransform):
    """Take the text of code cells' outputs out of translation; figure captions stay in it.

    MyST-NB renders a cell's Markdown output (the tables that chapters print) into ordinary
    paragraphs and tables, which gettext would extract like prose. Outputs are the tested bytes,
    so both editions show them as they are. Runs before extraction and before the Locale
    transform (priority 20).
    """

    default_priority = 18

    def apply(self, **kwargs):
        for output in self.document.findall(nodes.container):
            if "cell_output" not in output["classes"]:
                continue
            for node in output.findall(nodes.TextElement):
                if not any(isinstance(n, nodes.caption) for n in _ancestry(node, output)):
                    node["translatable"] = False


def _ancestry(node, stop):
    """``node`` and its ancestors up to, not including, ``stop``."""
    while node is not None and node is not stop:
        yield node
        node = node.parent


class TranslateDisplayMaths(SphinxTransform):
    """Translate display formulas before Sphinx's Locale transform breaks them.

    Sphinx translates a literal node by parsing "::" followed by the indented translation, which
    is reStructuredText; MyST reads it as a paragraph "::", and the formula rendered as "::".
    This puts the translation in place and makes it the node's source, so that the Locale
    transform (priority 20), which looks a literal node up by its source, leaves it alone.
    """

    default_priority = 19

    def apply(self, **kwargs):
        catalogue = page_catalogue(self)
        for formula in self.document.findall(nodes.math_block) if catalogue else ():
            if not formula.get("translatable", True):  # inside a cell output
                continue
            english = formula.rawsource or formula.astext()
            chinese = catalogue.gettext(english)
            if chinese != english:
                formula.rawsource = chinese
                formula[:] = [nodes.Text(chinese)]


class TranslateTocCaptions(SphinxTransform):
    """Translate the captions of the toctrees that sphinx-external-toc inserts.

    Sphinx translates a toctree's caption in its Locale transform (priority 20), but
    sphinx-external-toc inserts the toctrees later (priority 100), so the part titles of _toc.yml
    ("Chapters", ...) would stay English. The gettext builder does extract them: this looks them
    up in the page's own catalogue, before the toctree collector reads them (priority 880).
    """

    default_priority = 110

    def apply(self, **kwargs):
        catalogue = page_catalogue(self)
        for toctree in self.document.findall(addnodes.toctree) if catalogue else ():
            if toctree.get("caption"):
                toctree["caption"] = catalogue.gettext(toctree["caption"])


def _forget_message_documents(app, doctree):
    """Point every node at its page's document, not at the one its translation was parsed in.

    Sphinx parses each translated message as a document of its own and moves the result into the
    page, but the moved nodes keep a reference to that small document, whose settings hold the
    whole build environment. Every page's pickled doctree then carried copies of the environment:
    7.7 times the English size for chapter 08, and most of the Chinese build's time went into
    unpickling them again for each {numref}.
    """
    if not is_chinese(app.config):  # only translated nodes keep such a reference
        return
    for node in doctree.findall(include_self=False):
        if node.__dict__.get("_document") not in (None, doctree):
            node.document = doctree


def _link_the_other_edition(app, pagename, templatename, context, doctree):
    if "body" not in context:  # search, genindex: generated pages without a source document
        return
    chinese = is_chinese(app.config)
    url = counterpart(pagename, chinese)
    lang, label = ("en", "English") if chinese else ("zh-CN", "中文版")
    context["metatags"] = (context.get("metatags", "")
                           + f'\n<link rel="alternate" hreflang="{lang}" href="{url}" />')
    context["body"] = (f'<p class="edition-switch"><a href="{url}" hreflang="{lang}" '
                       f'lang="{lang}">{label}</a></p>\n' + context["body"])


def setup(app):
    # Before other extensions read the configuration (sphinx-togglebutton does at config-inited).
    app.connect("config-inited", _chinese_config, priority=100)
    app.add_transform(KeepOutputsAsTheyAre)
    app.add_transform(TranslateDisplayMaths)
    app.add_transform(TranslateTocCaptions)
    app.connect("doctree-read", _forget_message_documents)
    app.connect("html-page-context", _link_the_other_edition)
    # Sphinx reuses a saved environment unless an extension's env_version changes: this file's
    # checksum makes an edit here re-read every page.
    return {"env_version": zlib.crc32(Path(__file__).read_bytes()),
            "parallel_read_safe": True, "parallel_write_safe": True}
