"""The site's WSGI application as bench_load.py serves it under gunicorn: the site unchanged, plus one bare
login-required view (`/bench/bare/`, 204) as the baseline an idle poll is compared with. It lives here, not in
the site, so production has no URL that exists only for a benchmark.

With BENCH_PROFILE=<dir>, every request of a worker is profiled (cProfile, one request at a time) and the worker writes
<dir>/worker-<pid>.prof every PROFILE_EVERY requests, for `python -m pstats`: where a request's time goes.
"""

import cProfile
import os
import threading

from django.contrib.auth.decorators import login_required
from django.core.wsgi import get_wsgi_application
from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.http import require_GET

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatsite.settings")
application = get_wsgi_application()


@require_GET
@login_required
def bare(request):
    """What every request of a signed-in person pays (middleware, session, user) and nothing else."""
    return HttpResponse(status=204)


urlpatterns = [path("bench/bare/", bare), path("", include("chatsite.urls"))]

from django.conf import settings  # noqa: E402 - after the application has configured Django

settings.ROOT_URLCONF = __name__

PROFILE_DIR = os.environ.get("BENCH_PROFILE")
PROFILE_EVERY = 200

if PROFILE_DIR:
    # One profiler per process (since Python 3.12 cProfile hooks the whole process), so requests are profiled
    # one at a time: run the profiled gunicorn with --threads 1.
    _site = application
    _profile = cProfile.Profile()
    _lock = threading.Lock()
    _served = 0

    def application(environ, start_response):  # noqa: F811 - the profiled application replaces the plain one
        global _served
        with _lock:
            # Consumed inside the profile: the whole request, rendering included.
            result = _profile.runcall(lambda: list(_site(environ, start_response)))
            _served += 1
            if _served % PROFILE_EVERY == 0:
                _profile.dump_stats(os.path.join(PROFILE_DIR, f"worker-{os.getpid()}.prof"))
        return result
