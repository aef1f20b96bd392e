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
# Recycling stays only as a backstop against a slow leak, and far rarer than gunicorn's usual 2000: a new worker
# loads the application again (0.44 s of CPU, measured) and then makes its database and ACS connections anew,
# against about 10 s of work per 2000 idle polls on one core, so recycling every 2000 requests costs 4 % or more.
# Measured by `tests/benchmarks/bench_load.py` (2 workers × 8 threads, saturated idle polls, both configurations
# loaded in turns on the shared 2-core machine): 382 req/s with max_requests=2000 (2 boots in 16 s) against 394
# with recycling off, -3 %; runs on a quieter machine moved between -5 % and +13 %, within the machine's noise, so
# the figure that decides is the boot's cost. At 100 000 requests (about an hour of a busy worker) it is 0.1 %.
# Jitter staggers the workers' restarts.
max_requests = 100_000
max_requests_jitter = 10_000
accesslog = "-"
errorlog = "-"
