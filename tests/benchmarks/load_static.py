"""The site as bench_static.py serves it: unchanged but for the static-files middleware, which BENCH_STATIC_SERVER
names (the site's own, plain WhiteNoise or ServeStatic), so each can be served from one STATIC_ROOT side by side.
`asgi_application` for chatsite/gunicorn_asgi_conf.py, `wsgi_application` for chatsite/gunicorn_conf.py."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatsite.settings")

from django.conf import settings  # noqa: E402

MIDDLEWARE = {
    "site": "chatsite.staticfiles.StaticFilesMiddleware",
    "WhiteNoise": "whitenoise.middleware.WhiteNoiseMiddleware",
    "ServeStatic": "servestatic.middleware.ServeStaticMiddleware",
}
# Before any application exists: each loads the middleware as it is built.
settings.MIDDLEWARE = [
    MIDDLEWARE[os.environ["BENCH_STATIC_SERVER"]] if name in MIDDLEWARE.values() else name
    for name in settings.MIDDLEWARE
]

from chatsite.asgi import application as asgi_application  # noqa: E402
from chatsite.wsgi import application as wsgi_application  # noqa: E402

__all__ = ["asgi_application", "wsgi_application"]
