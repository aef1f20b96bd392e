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
# Recycle workers now and then so a slow leak cannot grow without bound; jitter staggers the restarts.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
