"""Gunicorn settings: `gunicorn -c chatsite/gunicorn_conf.py` (command-line options override these).

gthread workers, because a request can wait on ACS over HTTPS for up to ACS_TIMEOUT seconds; a thread waiting
on the network should not hold a whole process. Workers share nothing in memory: state lives in PostgreSQL and
Redis, so any number of processes (and machines) can serve the same site.
"""

import os

wsgi_app = "chatsite.wsgi:application"
# PORT is what most platforms (App Service, Container Apps, Heroku-likes) hand to the process.
bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
# gthread's timeout is the worker's heartbeat, not a per-request limit: generous enough for a slow ACS call.
timeout = 60
graceful_timeout = 30
keepalive = 5
# Recycling stays only as a backstop against a slow leak, far rarer than gunicorn's usual 2000: a new worker loads
# the application again (0.43 s of CPU) and makes its database, Redis and ACS connections anew. Measured with
# `tests/benchmarks/bench_load.py` (2 workers × 8 threads, saturated idle polls, both configurations loaded in turns
# on the shared 2-core machine): max_requests=2000 gave 395 req/s against 443 with recycling off (-11 %, 3 boots
# in 16 s); with --recycle-duration 64, 389 against 446 (-13 %, 12 boots). At 100 000 requests (about an hour for a
# worker serving 100 open pages) the same cost is 50 times rarer, about 0.2 %. Jitter staggers the workers' restarts.
max_requests = 100_000
max_requests_jitter = 10_000
accesslog = "-"
errorlog = "-"
# Event Grid's deliveries carry the webhook's secret in the query (?secret=…): the access log shows it as [redacted].
# A dotted path, resolved once gunicorn has put the project on sys.path.
logger_class = "chatsite.gunicorn_logger.RedactingLogger"
