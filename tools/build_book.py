"""Build the book's two editions from the same stored notebooks; nothing is executed.

    python3 run.py book               English into _build/html, Chinese into _build/html/zh_CN
    python3 run.py book --catalogues  re-extract the English messages into _build/gettext and
                                      update locale/zh_CN/LC_MESSAGES/*.po with sphinx-intl

The Chinese edition is the English sources rendered through Sphinx's gettext catalogues in
locale/zh_CN (one .po per page). Code cells, their comments and their outputs are not messages:
both editions show the same tested bytes. Each build uses -W -n --keep-going, as the English
build always has.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"
# Each edition is built in a directory of its own, because MyST-NB writes its output files next to
# the output directory (<out>/../jupyter_execute): built straight into _build/html/zh_CN, the
# Chinese build would leave 10 MB that nothing links to inside the English site.
LANGUAGES = {"en": BUILD / "html", "zh_CN": BUILD / "zh_CN" / "html"}
PUBLISHED = {"en": BUILD / "html", "zh_CN": BUILD / "html" / "zh_CN"}


def sphinx(builder: str, out: Path, language: str = "en", fresh: bool = False) -> int:
    """One Sphinx build through Jupyter Book's own entry point, with -W -n --keep-going.

    ``fresh`` re-reads every source: Sphinx does not notice when an extension's code changes.
    """
    from jupyter_book.sphinx import build_sphinx

    overrides = {
        "language": language,
        "nitpicky": True,
        "external_toc_path": "_toc.yml",
        "latex_individualpages": False,  # Jupyter Book's build command always passes this key
    }
    return build_sphinx(ROOT, out, noconfig=True, path_config=ROOT / "_config.yml",
                        confoverrides=overrides, builder=builder, warningiserror=True,
                        keep_going=True, freshenv=fresh,
                        doctreedir=BUILD / f".doctrees-{builder}-{language}")


def build_editions() -> int:
    # Left inside the English site by Chinese builds before the editions had directories of their own.
    shutil.rmtree(PUBLISHED["en"] / "jupyter_execute", ignore_errors=True)
    for language, out in LANGUAGES.items():
        started = time.perf_counter()
        code = sphinx("html", out, language)
        if code:
            return code
        if PUBLISHED[language] != out:  # a fresh copy, so that a renamed page leaves nothing behind
            shutil.rmtree(PUBLISHED[language], ignore_errors=True)
            shutil.copytree(out, PUBLISHED[language])
        print(f"build_book: {language} edition in {PUBLISHED[language].relative_to(ROOT)} "
              f"({time.perf_counter() - started:.0f} s)", flush=True)
    return 0


def update_catalogues() -> int:
    """Extract every English message, then merge the catalogues in locale/zh_CN."""
    pot = BUILD / "gettext"
    shutil.rmtree(pot, ignore_errors=True)  # a deleted page's old .pot would bring its .po back
    code = sphinx("gettext", pot, fresh=True)  # 12 s; a stale environment would extract stale text
    if code:
        return code
    # sphinx.pot holds the strings of _templates/ only. sphinx.po also holds interface strings of
    # Sphinx's and the themes' own code, which no extraction finds, so it is kept by hand.
    (pot / "sphinx.pot").unlink(missing_ok=True)
    # -w 0: no line wrapping; --no-obsolete: a message the English no longer has is dropped (git
    # keeps its old translation), rather than kept as a commented-out "#~" entry.
    return subprocess.run([sys.executable, "-m", "sphinx_intl", "update", "-p", str(pot),
                           "-l", "zh_CN", "-d", str(ROOT / "locale"), "-w", "0",
                           "--no-obsolete"]).returncode


def main(argv: list[str]) -> int:
    if argv == ["--catalogues"]:
        return update_catalogues()
    if argv:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    return build_editions()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
