"""Gunicorn serving the site's ASGI application: `gunicorn -c chatsite/gunicorn_asgi_conf.py`.

Everything as chatsite/gunicorn_conf.py, but with uvicorn workers (the `uvicorn-worker` package): an open
server-sent events stream (/live/stream/) is a coroutine, not one of a worker's 8 threads. Sync views still run on a
thread per request (Django's ASGI handler), so PostgreSQL connections come from psycopg's pool (DATABASE_POOL_SIZE,
read by chatsite/settings.py) instead of one kept per thread.

The application is loaded once, in the master, and the workers forked from it share those pages (preload_app): a
worker's proportional memory (PSS) at 300 open streams went from 94 to 70 MB (tests/benchmarks/bench_memory.py). A
code change then needs a restart of the master, not a HUP: deploys replace the process anyway.
"""

import os

from chatsite.gunicorn_conf import *  # noqa: F403 - the same bind, workers, timeouts, logging and recycling

wsgi_app = "chatsite.asgi:application"
worker_class = "uvicorn_worker.UvicornWorker"
# Per worker process: at most this many requests hold a connection at once, the rest wait up to 10 s for one.
os.environ.setdefault("DATABASE_POOL_SIZE", "16")
preload_app = True


def when_ready(server):
    """In the master, after it loaded the application and before the first fork: what the workers would each
    import at their first request, loaded once (chatsite/preload.py)."""
    if not server.cfg.preload_app:  # turned off in a configuration built on this one: nothing loaded to warm
        return
    from chatsite import preload

    preload.warm()


def post_worker_init(worker):
    """uvicorn's workers write their own request lines (not gunicorn's access_log_format, so not through its
    RedactingLogger), on gunicorn's log handlers: they get the same redaction as every other log, or an Event Grid
    delivery's `?secret=` would be written in the clear (tests/deploy/test_access_log.py)."""
    import logging

    from chatsite.redaction import RedactUrlSecrets

    for name in ("uvicorn.access", "uvicorn.error"):
        logging.getLogger(name).addFilter(RedactUrlSecrets())
