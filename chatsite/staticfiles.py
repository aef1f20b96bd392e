"""Static files in production: WhiteNoise's compressed manifest storage (hashed names, gzip), with the imports between
the site's ES modules (static/js/) rewritten to the hashed files too; and WhiteNoise's middleware, which under ASGI
hands Django the file's body as an async iterator.

Django rewrites `import … from "./poll.js"` (and `import "./x.js"`, `export … from`, `import("./x.js")`) only when
asked; without it a module loaded by its hashed name would import the others by their plain names, which production
does not cache for ever (or, with WHITENOISE_KEEP_ONLY_HASHED_FILES, does not serve at all). Only specifiers that
start with "." or "/" are rewritten, so the modules import each other by relative paths. Django finds them with
regular expressions that skip comments only where a match starts: the word "import" followed by a space in a comment
above an import swallows that import, which then keeps its plain name (tests/deploy/test_static_modules.py).

WhiteNoise, not its ASGI fork ServeStatic: measured side by side (tests/benchmarks/bench_static.py), ServeStatic
served the largest files about 3× slower under ASGI (it starts a thread per file it sends) and, its middleware being
async only, ran every request of the gthread configuration through an event loop started for it (static files 6-10×
slower, every other request slower too). docs/configuration.md has the figures.
"""

from django.core.handlers.asgi import ASGIRequest
from whitenoise.middleware import WhiteNoiseMiddleware
from whitenoise.storage import CompressedManifestStaticFilesStorage


class ManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    support_js_module_import_aggregation = True


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise's middleware. Its response streams the open file, a sync iterator: under ASGI Django would hand it
    to a thread once more to read it whole, and warn ("StreamingHttpResponse must consume synchronous iterators")
    once per worker. This middleware is sync only, so under ASGI it already runs on a thread: the file is read there and
    handed over as an async iterator. The files are small (the largest, the admin's xregexp.js, 317 KB) and Django
    held them whole before too."""

    @staticmethod
    def serve(static_file, request):
        response = WhiteNoiseMiddleware.serve(static_file, request)
        if isinstance(request, ASGIRequest):
            body = b""
            if response.file_to_stream is not None:  # None for HEAD and 304: no body
                with response.file_to_stream as file:
                    body = file.read()
            response.streaming_content = _once(body)
        return response


async def _once(body):
    if body:
        yield body
