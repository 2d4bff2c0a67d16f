"""The rendered book, both editions: they build with zero warnings, and every page works offline.

`python3 run.py book` builds the English edition into _build/html and the Chinese one into
_build/html/zh_CN; both render the stored notebook outputs and execute nothing. The browser check
serves _build/html on 127.0.0.1, opens every page of both editions in Debian's headless Chromium
with every request to another host refused, and checks that maths was typeset by the MathJax
served from the build, that every image loaded, that no request failed and that nothing was logged
as a console error. It keeps a full-page screenshot of every page under _build/screenshots/ for a
person to look at.
"""

from __future__ import annotations

import functools
import http.server
import re
import subprocess
import sys
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlparse

import pytest
from _browser import chromium

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"
ZH = "zh_CN"
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def build_log() -> str:
    """Build both editions once for this module, as the README's command does; return the log."""
    result = subprocess.run([sys.executable, "tools/build_book.py"],
                            cwd=ROOT, capture_output=True, text=True)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-6000:]
    return log


def test_book_builds_without_warnings(build_log):
    assert "WARNING" not in build_log, build_log[-6000:]
    assert (HTML / "index.html").exists() and (HTML / ZH / "index.html").exists()
    # MyST-NB writes its files beside the output directory: nothing of the kind inside the site.
    assert not (HTML / "jupyter_execute").exists()
    # Nothing was executed at build time: the stored outputs are what the reader sees.
    assert "Executing" not in build_log


@pytest.mark.parametrize("override", sorted((ROOT / "_templates").glob("*.html")), ids=lambda p: p.name)
def test_template_overrides_match_the_theme(override):
    # Each override is sphinx-book-theme's own component with its tooltip put through gettext:
    # if a new theme version changes the component, this fails instead of hiding the change.
    import sphinx_book_theme

    theme = Path(sphinx_book_theme.__file__).parent / "theme" / "sphinx_book_theme" / "components"
    def bare(template: str) -> str:  # without Jinja comments
        return re.sub(r"\{#.*?#\}\n?", "", template, flags=re.S).strip()

    ours = re.sub(r"\{\{ _\('([^']*)'\) \}\}", r"\1", override.read_text())
    assert bare(ours) == bare((theme / override.name).read_text())


def test_chinese_doctrees_do_not_carry_the_environment(build_log):
    # Translated nodes kept a reference to the document their message was parsed in, and with it
    # the build environment, until _ext/editions.py pointed them at their page: chapter 08's
    # Chinese doctree was 7.7 times its English one, and the Chinese build took 96 s, not 24.
    doctrees = ROOT / "_build" / ".doctrees-html-en"
    for name in pages(editions=("",)):
        english = doctrees / name.replace(".html", ".doctree")
        chinese = ROOT / "_build" / ".doctrees-html-zh_CN" / english.relative_to(doctrees)
        ratio = chinese.stat().st_size / english.stat().st_size
        assert ratio < 1.5, f"{chinese.name}: {ratio:.1f} times the English doctree"


@pytest.mark.parametrize("edition", [HTML, HTML / ZH], ids=["en", ZH])
def test_mathjax_is_served_from_the_build(build_log, edition):
    assert (edition / "_static" / "mathjax" / "tex-chtml.js").exists()
    page = (edition / "chapters" / "01_background.html").read_text()
    assert "_static/mathjax/tex-chtml.js" in page
    assert "cdn.jsdelivr.net" not in page


def pages(editions=("", f"{ZH}/")) -> list[str]:
    """Every page of the editions, from _toc.yml: the list is known before the build runs."""
    import yaml

    def files(node):
        if isinstance(node, dict):
            if "file" in node or "root" in node:
                yield node.get("file", node.get("root"))
            for value in node.values():
                yield from files(value)
        elif isinstance(node, list):
            for item in node:
                yield from files(item)

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [f"{edition}{name}.html" for edition in editions for name in files(toc)]


def _display_maths(page: Path) -> list[str]:
    """A page's display formulas, in order, without their \\text{} words and without spaces."""
    blocks = re.findall(r'<div class="math notranslate nohighlight"[^>]*>(.*?)</div>',
                        page.read_text(), re.S)
    return [re.sub(r"<span class=\"eqno\">.*?</span>|\\text\{[^{}]*\}|\s", "", block, flags=re.S)
            for block in blocks]


def _article(page: Path) -> str:
    """The page's own text, without the navigation that every page shares."""
    html = page.read_text()
    return html[html.index("<article"):html.index("</article>")]


# What a translation may not change about a page: its paragraphs, list items, headings, tables,
# figures, admonitions, code, maths, emphasis and links.
STRUCTURE = ["<p", "<li", "<td", "<th", "<h1", "<h2", "<h3", "<img", "<figure", "<table",
             'class="admonition', "<code", 'class="math', "<strong", "<em", '<a class="reference']


@pytest.mark.parametrize("name", pages(editions=("",)), ids=str)
def test_chinese_pages_have_the_english_structure(build_log, name):
    english, chinese = _article(HTML / name), _article(HTML / ZH / name)
    changed = {tag: (english.count(tag), chinese.count(tag)) for tag in STRUCTURE
               if english.count(tag) != chinese.count(tag)}
    assert not changed, f"{name}: (English, Chinese) counts differ: {changed}"


class _Outputs(HTMLParser):
    """The text and images of every code cell output on a page; figure captions are left out."""

    VOID = {"img", "br", "hr", "meta", "link", "input", "source", "col", "wbr"}

    def __init__(self):
        super().__init__()
        self.outputs, self._open, self._caption = [], 0, 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self._open and tag == "img":
            self.outputs[-1] += f"<img {Path(attrs.get('src', '')).name}>"
        if tag in self.VOID:
            return
        if self._open:
            self._open += 1
            self._caption += bool(self._caption or tag == "figcaption")
        elif "cell_output" in (attrs.get("class") or "").split():
            self._open = 1
            self.outputs.append("")

    def handle_endtag(self, tag):
        if self._open and tag not in self.VOID:
            self._open -= 1
            self._caption -= bool(self._caption)

    def handle_data(self, data):
        if self._open and not self._caption:
            self.outputs[-1] += data


def _outputs(page: Path) -> list[str]:
    parser = _Outputs()
    parser.feed(page.read_text())
    return parser.outputs


@pytest.mark.parametrize("name", pages(editions=("",)), ids=str)
def test_chinese_pages_show_the_tested_outputs(build_log, name):
    # Outputs are the tested bytes: MyST-NB renders a cell's Markdown tables as prose, which
    # gettext would extract, so _ext/editions.py keeps outputs out of translation.
    english, chinese = _outputs(HTML / name), _outputs(HTML / ZH / name)
    assert chinese == english, f"{name}: a cell output differs between the editions"


@pytest.mark.parametrize("name", pages(editions=("",)), ids=str)
def test_chinese_formulas_are_the_english_ones(build_log, name):
    # Sphinx translates a display formula through reStructuredText's "::", which MyST reads as a
    # paragraph: the formula became "::" until _ext/editions.py translated formulas itself.
    english, chinese = _display_maths(HTML / name), _display_maths(HTML / ZH / name)
    assert chinese == english, f"{name}: the Chinese page's display formulas differ"


@pytest.fixture(scope="module")
def server(build_log):
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    httpd = _QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest's output readable
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # The browser closes connections it no longer needs (a page it has left); that is not a
        # failure of the book. Real failures show up in the browser as failed requests.
        pass


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


class PageProblems:
    """Collects what went wrong while one page loaded."""

    def __init__(self, page, base: str):
        self.errors: list[str] = []
        host = urlparse(base).netloc
        page.on("console", lambda m: m.type == "error" and self.errors.append(f"console: {m.text}"))
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: self.errors.append(f"request failed: {r.url}"))
        page.on("response", lambda r: r.status >= 400 and self.errors.append(f"HTTP {r.status}: {r.url}"))

        def refuse_other_hosts(route):
            if urlparse(route.request.url).netloc == host:
                route.continue_()
            else:  # the book must not need the network: record and refuse
                self.errors.append(f"external request: {route.request.url}")
                route.abort()

        page.route("**/*", refuse_other_hosts)


def _open(browser, base: str, path: str, scheme: str = "light"):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    problems = PageProblems(page, base)
    page.goto(f"{base}/{path}", wait_until="load")
    return context, page, problems


MATH_DONE = """async () => {
  const math = document.querySelectorAll('.math');
  if (math.length === 0) return true;
  for (let i = 0; i < 200 && !(window.MathJax && MathJax.startup && MathJax.startup.promise); i++) {
    await new Promise(done => setTimeout(done, 50));  // the deferred MathJax script is starting
  }
  if (!(window.MathJax && MathJax.startup && MathJax.startup.promise)) return false;
  await MathJax.startup.promise;
  return document.querySelectorAll('mjx-container').length >= math.length;
}"""

UNLOADED_IMAGES = """async () => {
  const images = Array.from(document.images);
  for (const img of images) { img.loading = 'eager'; img.scrollIntoView(); }
  await Promise.all(images.map(img => img.complete ? null :
      new Promise(done => { img.onload = img.onerror = done; })));
  window.scrollTo(0, 0);
  return images.filter(img => img.naturalWidth === 0).map(img => img.src);
}"""

# Source text that rendering should have consumed, left on the page: which of ``markers`` appear in
# the text of ``root`` once the ``removed`` elements (code, typeset maths...) are taken out.
LEFTOVERS = """([root, removed, markers]) => {
  const clone = document.querySelector(root).cloneNode(true);
  clone.querySelectorAll(removed).forEach(n => n.remove());
  const text = clone.innerText;
  return markers.filter(s => text.includes(s));
}"""
RAW_TEX = ["main, article, body", "pre, code, mjx-container, script, .highlight",
           ["$$", "\\frac", "\\sum", "\\begin{"]]


@pytest.mark.parametrize("path", pages())
def test_page_in_browser(browser, server, path):
    context, page, problems = _open(browser, server, path)
    try:
        assert page.evaluate(MATH_DONE), f"{path}: maths was not typeset"
        assert page.evaluate(LEFTOVERS, RAW_TEX) == [], f"{path}: raw TeX left on the page"
        assert page.evaluate(UNLOADED_IMAGES) == [], f"{path}: images did not load"
        # Playwright does not report the browser's favicon request, so fetch the target here.
        icon = page.evaluate("document.querySelector('link[rel~=\"icon\"]')?.href")
        assert icon, f"{path}: no favicon link"
        assert page.request.get(icon).status == 200, f"{path}: favicon {icon} is missing"
        page.wait_for_load_state("networkidle")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / (path.replace("/", "__") + ".png")), full_page=True)
        assert problems.errors == [], f"{path}: " + "\n".join(problems.errors)
    finally:
        context.close()


# Each figure of a page, drawn onto a canvas (which ignores the theme's CSS): the share of its
# border pixels that are opaque and light. A transparent figure would put black labels on the
# dark theme's background.
FIGURE_BORDERS = """() => Array.from(document.querySelectorAll('.cell_output img')).map(img => {
  const c = document.createElement('canvas');
  c.width = img.naturalWidth; c.height = img.naturalHeight;
  const g = c.getContext('2d'); g.drawImage(img, 0, 0);
  const d = g.getImageData(0, 0, c.width, c.height).data;
  let light = 0, total = 0;
  for (let y = 0; y < c.height; y += 4) for (const x of [0, c.width - 1]) {
    const i = 4 * (y * c.width + x); total++;
    if (d[i + 3] > 250 && d[i] > 200 && d[i + 1] > 200 && d[i + 2] > 200) light++;
  }
  return light / total;
})"""


# The Chinese pages show the same figures on the same theme: the English ones stand for both.
@pytest.mark.parametrize("path", pages(editions=("",)))
def test_dark_mode_screenshot(browser, server, path):
    context, page, problems = _open(browser, server, path, scheme="dark")
    try:
        assert page.evaluate(MATH_DONE)
        assert page.evaluate("document.documentElement.dataset.theme") == "dark"
        page.evaluate(UNLOADED_IMAGES)
        borders = page.evaluate(FIGURE_BORDERS)
        assert all(share > 0.9 for share in borders), f"{path}: figure on a dark background"
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / ("dark__" + path.replace("/", "__") + ".png")), full_page=True)
        assert problems.errors == [], "\n".join(problems.errors)
    finally:
        context.close()


def test_theme_switch_and_search(browser, server):
    context, page, problems = _open(browser, server, "intro.html")
    try:
        before = page.evaluate("document.documentElement.dataset.theme")
        page.locator("button.theme-switch-button").first.click()
        after = page.evaluate("document.documentElement.dataset.theme")
        assert after != before, "the light/dark switch did nothing"
        page.goto(f"{server}/search.html?q=entropy", wait_until="load")
        page.wait_for_selector("#search-results li", timeout=20_000)
        assert page.locator("#search-results li").count() > 0
        assert problems.errors == [], "\n".join(problems.errors)
    finally:
        context.close()


def test_each_chapter_offers_its_notebook(server, build_log):
    import urllib.request

    for chapter in sorted((ROOT / "chapters").glob("*.ipynb")):
        html = (HTML / "chapters" / f"{chapter.stem}.html").read_text()
        href = f"_sources/chapters/{chapter.name}"
        assert href in html, f"{chapter.name}: no download link"
        with urllib.request.urlopen(f"{server}/{href}") as response:
            assert response.status == 200


# The Chinese edition. Its words must be in its search index (Sphinx segments Chinese with jieba;
# without jieba the words silently vanish), its pages must say they are Chinese, the browser must
# have a font with Chinese glyphs, and no paragraph of English may be left behind.

def test_chinese_words_are_in_the_search_index(build_log):
    import json

    script = (HTML / ZH / "searchindex.js").read_text()
    index = json.loads(script[script.index("(") + 1:script.rindex(")")])
    # A word that is in a page's headings is listed for that page under titleterms only.
    words = index["terms"].keys() | index["titleterms"].keys()
    for word in ("交叉熵", "损失函数"):
        assert word in words, f"{word} is not a word of the Chinese search index"


SEARCH_FINISHED = """() => {
  const status = document.querySelector('.search-summary')?.innerText || '';
  const count = status.match(/\\d+/);
  return count && document.querySelectorAll('#search-results li').length === Number(count[0]);
}"""


@pytest.mark.parametrize("word", ["交叉熵", "损失函数"])
def test_chinese_search_finds_the_chapters(browser, server, word):
    # Every chapter whose Chinese text uses the word must be among the results.
    using = {p.name for p in (HTML / ZH / "chapters").glob("*.html") if word in _article(p)}
    context, page, problems = _open(browser, server, f"{ZH}/search.html?q={word}")
    try:
        # Sphinx shows the results one by one and then states their number: wait for it.
        page.wait_for_function(SEARCH_FINISHED, timeout=20_000)
        found = set(page.eval_on_selector_all(
            "#search-results li a", "links => links.map(a => a.pathname.split('/').pop())"))
        assert using and using <= found, f"{word}: not found in {sorted(using - found)}"
        assert problems.errors == [], "\n".join(problems.errors)
    finally:
        context.close()


# Draws Chinese text and a character no font has: the same pixels mean the Chinese came out as
# empty boxes too.
CJK_GLYPHS = """() => {
  const draw = text => {
    const c = document.createElement('canvas'); c.width = 200; c.height = 40;
    const g = c.getContext('2d');
    g.font = '24px ' + getComputedStyle(document.body).fontFamily;
    g.fillText(text, 0, 30);
    return Array.from(g.getImageData(0, 0, 200, 40).data).join();
  };
  return draw('损失函数') !== draw('\\u{10FFFD}\\u{10FFFD}\\u{10FFFD}\\u{10FFFD}');
}"""

# Paragraph-like text of the article that has four or more English words and no Chinese
# character. Code, outputs, maths, citations and the bibliography are left out: they are the
# tested bytes and the sources' own titles.
ENGLISH_LEFT = """() => {
  const article = document.querySelector('article').cloneNode(true);
  article.querySelectorAll('pre, code, .cell_output, mjx-container, .math, script, '
      + '.bibliography, .citation, .edition-switch, .headerlink').forEach(n => n.remove());
  return Array.from(article.querySelectorAll('p, li, dt, dd, h1, h2, h3, h4, figcaption, th, td'))
    .map(n => n.innerText.trim())
    .filter(t => !/[\\u4e00-\\u9fff]/.test(t) && (t.match(/[A-Za-z]{3,}/g) || []).length >= 4);
}"""


# Markup that a translation broke shows up as its raw characters: CommonMark leaves "**" in
# place when the closing marker follows full-width punctuation, and a mistyped role stays text.
RAW_MARKUP = ["article", "pre, code, .cell_output, mjx-container, .math, script",
              ["**", "{term}", "{ref}", "{numref}", "{eq}", "{cite", "](", "`"]]


# Tooltips, labels and placeholders of the page around the article.
INTERFACE_ATTRIBUTES = """() => Array.from(document.querySelectorAll(
    '[title], [aria-label], [placeholder], [alt], [data-bs-title]'))
  .filter(n => !n.closest('article'))
  .flatMap(n => ['title', 'aria-label', 'placeholder', 'alt', 'data-bs-title']
    .map(a => n.getAttribute(a)).filter(Boolean))"""
# sphinx-book-theme writes these two landmark names (read by screen readers, never shown) into
# layout.html and sbt-sidebar-nav.html without gettext.
HARD_CODED = {"Main", "Page"}


@pytest.mark.parametrize("path", pages(editions=(f"{ZH}/",)))
def test_chinese_page(browser, server, path):
    context, page, problems = _open(browser, server, path)
    try:
        assert page.evaluate("document.documentElement.lang") == "zh-CN"
        assert page.evaluate(CJK_GLYPHS), f"{path}: no font with Chinese glyphs"
        left = page.evaluate(ENGLISH_LEFT)
        assert left == [], f"{path}: {len(left)} English paragraphs, first: {left[:2]}"
        assert page.evaluate(LEFTOVERS, RAW_MARKUP) == [], f"{path}: raw markup on the page"
        # Interface strings that neither Sphinx's nor the themes' zh_CN catalogues translate come
        # from locale/zh_CN/LC_MESSAGES/sphinx.po and the configuration (_ext/editions.py).
        interface = page.evaluate("""() => [
            ...Array.from(document.querySelectorAll('a.headerlink')).map(a => a.title),
            document.querySelector('.copyright')?.innerText, toggleHintShow]""")
        assert all(text and CJK.search(text) for text in interface), f"{path}: {interface}"
        english = [text for text in page.evaluate(INTERFACE_ATTRIBUTES)
                   if re.search(r"[A-Za-z]{2}", text) and not CJK.search(text)]
        assert set(english) <= HARD_CODED, f"{path}: interface text in English: {english}"
        # The part titles of the navigation come from _toc.yml, through their own transform.
        parts = page.eval_on_selector_all(".bd-sidebar .caption-text",
                                          "nodes => nodes.map(n => n.innerText)")
        assert parts and all(CJK.search(p) for p in parts), f"{path}: navigation parts {parts}"
        assert problems.errors == [], "\n".join(problems.errors)
    finally:
        context.close()


def _other_edition(path: str) -> str:
    """The page that ``path``'s language link points to, relative to _build/html."""
    from posixpath import dirname, join, normpath

    match = re.search(r'<p class="edition-switch"><a href="([^"]+)"', (HTML / path).read_text())
    assert match, f"{path}: no link to the other edition"
    return normpath(join(dirname(path), match.group(1)))


@pytest.mark.parametrize("path", pages())
def test_each_page_links_to_the_same_page_in_the_other_edition(build_log, path):
    other = _other_edition(path)
    assert (HTML / other).exists(), f"{path} links to {other}, which does not exist"
    assert other.startswith(f"{ZH}/") != path.startswith(f"{ZH}/"), f"{path}: same edition"
    assert _other_edition(other) == path, f"{other} does not link back to {path}"
