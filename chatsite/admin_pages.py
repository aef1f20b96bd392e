"""What the staff admin shows before and after a destructive change: a confirmation page, people and messages
named as people know them (never by raw ACS ids)."""

from django.template.response import TemplateResponse
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from chatsite.chat.selectors.accounts import display_name

PREVIEW_CHARS = 40


def person_label(user) -> str:
    """“Bob (bob)”: the name people see, and the account staff can search for."""
    return _("%(name)s (%(username)s)") % {"name": display_name(user), "username": user.get_username()}


def message_preview(message) -> str:
    """The first words of a message (presentation.Message), as plain text on one line."""
    text = strip_tags(message.content) if message.type == "html" else message.content
    return Truncator(" ".join(text.split())).chars(PREVIEW_CHARS)


def confirmation(
    request,
    model_admin,
    *,
    title: str,
    question: str,
    consequence: str,
    confirm: str,
    cancel_url: str,
    items: list[str] = (),
    hidden: list[tuple[str, object]] = (),
    action_url: str = "",
    obj=None,
):
    """Django's delete-confirmation pattern for any change that cannot be undone: GET (or an admin action
    without `post=yes`) shows what will happen; only the form's POST, with its CSRF token, does it."""
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "object": obj,
        "title": title,
        "question": question,
        "items": list(items),
        "consequence": consequence,
        "confirm": confirm,
        "cancel_url": cancel_url,
        "hidden": list(hidden),
        "action_url": action_url,
    }
    return TemplateResponse(request, "admin/confirm.html", context)
