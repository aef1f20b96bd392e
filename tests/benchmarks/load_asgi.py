"""The site's ASGI application as bench_asgi.py serves it under gunicorn's uvicorn workers: the site unchanged, plus
load_wsgi.py's bare login-required view (`/bench/bare/`), the baseline."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatsite.settings")
application = get_asgi_application()

from django.conf import settings  # noqa: E402 - after the application has configured Django

settings.ROOT_URLCONF = "load_wsgi"  # its urlpatterns: /bench/bare/ and the site's
