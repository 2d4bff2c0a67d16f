"""Drop repeated <script> tags from every page of the book.

sphinx-thebe 0.3.1 registers its inline configuration script (``const THEBE_JS_URL = ...``) on
every ``env-before-read-docs`` event, and that event fires more than once in a Jupyter Book build.
Two copies of a ``const`` declaration are a SyntaxError in the browser, which the book's browser
check rightly reports. Keeping the first copy of each identical script fixes every such duplicate,
whatever registered it.
"""


def _unique_scripts(app, pagename, templatename, context, doctree):
    seen = set()
    unique = []
    for script in context.get("script_files", []):
        attributes = getattr(script, "attributes", {})
        # The copies differ in priority and in filename (None against ""), so neither is compared.
        filename = getattr(script, "filename", script) or ""
        key = (filename, tuple(sorted((k, str(v)) for k, v in attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    # In place: later handlers (MathJax among them) add to this same list through the builder.
    context["script_files"][:] = unique


def setup(app):
    # Early, because html-page-context stops at the first handler that returns a template name.
    app.connect("html-page-context", _unique_scripts, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
