"""The production storage for static files: WhiteNoise's compressed manifest (hashed names, gzip and brotli), with
the imports between the site's ES modules (static/js/) rewritten to the hashed files too.

Django rewrites `import … from "./poll.js"` (and `import "./x.js"`, `export … from`, `import("./x.js")`) only when
asked; without it a module loaded by its hashed name would import the others by their plain names, which production
does not cache for ever (or, with WHITENOISE_KEEP_ONLY_HASHED_FILES, does not serve at all). Only specifiers that
start with "." or "/" are rewritten, so the modules import each other by relative paths. Django finds them with
regular expressions that skip comments only where a match starts: the word "import" followed by a space in a comment
above an import swallows that import, which then keeps its plain name (tests/deploy/test_static_modules.py).
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class ManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    support_js_module_import_aggregation = True
