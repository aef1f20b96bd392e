"""The one error policy for every chat view, what every thread URL repeats (thread_view), and the one htmx-aware
redirect."""

import dataclasses
import functools
import logging

from django.conf import settings
from django.contrib.auth import decorators
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import BadRequest
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect, reswap

from chatsite.acs.errors import AcsError, AcsForbidden, AcsNotFound, AcsThrottled

from ..actors import Actor
from ..selectors.membership import member_roster
from .templates import partial

logger = logging.getLogger(__name__)

THROTTLED_RETRY_AFTER = 3  # seconds, when ACS's 429 named no wait


def acs_error_policy(view=None, *, quiet: bool = False):
    """Answer ACS trouble the same way everywhere; views raise AcsError and never catch it themselves.

    - Not found (or not one's thread): the site's 404 page.
    - A parameter no page sends (`forms.parsed`): an htmx request gets the banner (400) and nothing swapped, a
      background one a bare 400, a full page the site's 400 page.
    - A background request (`quiet`: typing reports): 204, the page's next poll tries again; a
      refusal (no longer part of the chat) is a bare 403.
    - An htmx request: the banner, out of band, with the error's status and nothing else swapped, so whatever
      the person typed stays where it is.
    - A full page: the error page with the error's status and a way back.
    """

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                return view(request, *args, **kwargs)
            except AcsNotFound:
                raise Http404 from None
            except BadRequest:
                if quiet:
                    return reswap(HttpResponse(status=400), "none")  # the list's poll swaps the list otherwise
                if request.htmx:
                    message = _("This page sent something the site does not understand. Reload it to go on.")
                    banner = render(request, partial("banner-oob"), {"error": message}, status=400)
                    return reswap(banner, "none")
                raise
            except AcsForbidden as error:
                if quiet:
                    return HttpResponse(status=error.status)
                return _shown(request, error)
            except AcsError as error:
                if quiet:
                    return HttpResponse(status=204)
                return _shown(request, error)

        return wrapper

    return decorate(view) if view is not None else decorate


def _shown(request, error: AcsError) -> HttpResponse:
    if request.htmx:
        response = reswap(render(request, partial("banner-oob"), {"error": error.message}, status=error.status), "none")
    else:
        response = render(request, "chat/unavailable.html", {"error": error.message}, status=error.status)
    if isinstance(error, AcsThrottled) or getattr(error, "retry_after", None):
        # The page's outbox waits this long and sends again (static/js/thread.js); ACS's windows are 10 s.
        response["Retry-After"] = str(getattr(error, "retry_after", None) or THROTTLED_RETRY_AFTER)
    return response


def varies_by_htmx(response: HttpResponse) -> HttpResponse:
    """Say that the answer depends on HX-Request: the same URL answers htmx with a fragment and a browser with a
    page, so a cache or the back button must never hand one for the other."""
    patch_vary_headers(response, ("HX-Request",))
    return response


def csrf_failure(request, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a post from a page older than the session (logged in or out elsewhere).

    htmx gets the banner out of band and nothing swapped, so a draft stays where it was typed; a plain form post
    gets the styled 403 page with a way back.
    """
    if getattr(request, "htmx", False):
        message = _("This page is out of date: you logged in or out elsewhere. Reload it to go on.")
        banner = render(request, "includes/banner.html", {"place": "oob", "message": message}, status=403)
        return varies_by_htmx(reswap(banner, "none"))
    return varies_by_htmx(render(request, "403_csrf.html", status=403))


def login_required(view):
    """Django's login_required, answered so htmx can act on it.

    A plain request is redirected to the login page as usual. An htmx request from a page whose session ended
    (logged out elsewhere, expired) would follow that redirect and swap the login form into a part of the page,
    or, for a background poll (hx-swap="none"), drop it and poll on as if nothing happened: it gets 401 with
    HX-Redirect, so the whole page goes to the login page and comes back to where it was after logging in.

    Every chat view comes through here, so this is where each answer says it varies by HX-Request.
    """
    checked = decorators.login_required(view)

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.htmx and not request.user.is_authenticated:
            page = request.htmx.current_url_abs_path
            to = redirect_to_login(page).url if page else resolve_url(settings.LOGIN_URL)
            response = HttpResponse(status=401)
            response["HX-Redirect"] = to
            return varies_by_htmx(response)
        return varies_by_htmx(checked(request, *args, **kwargs))

    return wrapper


@dataclasses.dataclass(frozen=True)
class ThreadView:
    """How a view under threads/<id>/ is served (thread_view's arguments)."""

    methods: tuple[str, ...]
    member: bool
    quiet: bool


def thread_view(*, methods: tuple[str, ...] = ("GET",), member: bool = False, quiet: bool = False):
    """What every view under threads/<id>/ repeats, in one place, in this order: the methods it allows (405 for
    any other), login (`login_required`), the error policy (`acs_error_policy`; `quiet` for background requests),
    and with `member` the membership check (selectors.membership.member_roster): a current participant goes on,
    someone whose part ended is told they are no longer part of the chat (403), anyone else gets the 404 of a
    thread that does not exist.

    The view is called with the actor (`who`) and, with `member`, the roster the check was made on (`roster`).
    Without `member` the view's selector decides where that costs less: the poll within the one cache round trip
    of its snapshot (selectors.live), the page by asking ACS about someone the cached roster does not have yet
    (selectors.messages).
    """

    def decorate(view):
        @functools.wraps(view)
        def checked(request, *args, **kwargs):
            who = actor(request)
            if member:
                kwargs["roster"] = member_roster(actor=who, thread_id=kwargs["thread_id"])
            return view(request, *args, who=who, **kwargs)

        served = require_http_methods(list(methods))(login_required(acs_error_policy(checked, quiet=quiet)))
        served.thread_view = ThreadView(tuple(methods), member, quiet)
        return served

    return decorate


def htmx_redirect(request, url: str) -> HttpResponse:
    """htmx follows HX-Redirect with a full page load; a plain form post gets an ordinary redirect."""
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def actor(request) -> Actor:
    return Actor.person(request.user)
