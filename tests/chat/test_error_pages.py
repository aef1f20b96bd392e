"""Error pages are the site's own: styled like the rest, in the person's language, with a way back to their chats."""

from django.contrib.auth import get_user_model
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation
from django.views import defaults

BACK = f'href="{reverse("chat:thread_list")}"'
STYLED = "css/chat.css"


def test_a_bad_thread_url_answers_the_styled_404(ana):
    response = ana.get(reverse("chat:thread_detail", args=["19:no-such-thread@thread.v2"]))
    html = response.content.decode()
    assert response.status_code == 404
    assert STYLED in html and BACK in html
    assert "<h1 " in html and "Page not found" in html
    assert "Ana" in html  # the site's header, the person still logged in


def test_404_speaks_the_browser_language(ana):
    response = ana.get("/no/such/page/", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 404
    assert "Página no encontrada" in response.content.decode()


def test_a_csrf_failure_answers_the_styled_403(emulator):
    get_user_model().objects.create_user(username="ana", password="a-long-test-password-9")
    checked = Client(enforce_csrf_checks=True)
    response = checked.post(reverse("login"), {"username": "ana", "password": "a-long-test-password-9"})
    html = response.content.decode()
    assert response.status_code == 403
    assert STYLED in html and BACK in html
    assert "The form has expired" in html
    assert "CSRF verification failed" not in html  # not Django's bare page


def test_permission_denied_answers_the_styled_403(db):
    with translation.override("pt-br"):
        response = defaults.permission_denied(RequestFactory().get("/"), PermissionError())
    html = response.content.decode()
    assert response.status_code == 403
    assert STYLED in html and BACK in html
    assert "Você não pode ver esta página" in html


def test_500_renders_without_a_request_or_database():
    # Django renders 500.html with no context at all: nothing on it may need the request, the user or the database.
    response = defaults.server_error(RequestFactory().get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert STYLED in html and BACK in html
    assert "Something went wrong on our side" in html


def test_a_refused_htmx_post_shows_the_banner_and_swaps_nothing(ana, thread_id):
    checked = Client(enforce_csrf_checks=True)
    checked.force_login(ana.user)
    response = checked.post(
        reverse("chat:message_send", args=[thread_id]), {"content": "my long draft"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 403
    assert response["HX-Reswap"] == "none"  # the composer, and the draft in it, stay as they are
    assert 'hx-swap-oob="innerHTML"' in html and "This page is out of date" in html
    assert "<html" not in html
