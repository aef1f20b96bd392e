"""The ASGI application (uvicorn workers: chatsite/gunicorn_asgi_conf.py; `rundemo`; the browser tests' live server).

Django runs each request's sync code (signal receivers, the session, the ORM) on a thread of the request's own
(asgiref's ThreadSensitiveContext), started at its first sync call and ended with the request. For a push stream
(chat/push/stream.py) the request lasts as long as the page is open, so every open stream held an idle thread:
~100 KB of a worker's memory each and a thread per page (tests/benchmarks/bench_memory.py). A stream's sync calls
are few and short (opening it; a heartbeat every 25 s; the rest runs on the shared executor), so its requests run
without that context and their sync calls take turns on asgiref's one shared thread instead.
"""

import os

import django
from django.core.handlers.asgi import ASGIHandler
from django.urls import reverse

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatsite.settings")


class Application(ASGIHandler):
    def __init__(self):
        super().__init__()
        self.stream_path = reverse("live_stream")

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["path"].endswith(self.stream_path):
            await self.handle(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)


django.setup(set_prefix=False)  # as django.core.asgi.get_asgi_application does
application = Application()
