"""Tags the chat's templates share."""

from django import template
from django.utils.html import format_html

from ..presentation import avatar_colour, initials

register = template.Library()


@register.simple_tag
def avatar(name: str, acs_user_id: str | None):
    """A person's initials on their colour. Decoration only (aria-hidden): their name is always written beside it."""
    return format_html(
        '<span class="avatar avatar--{}" aria-hidden="true">{}</span>',
        avatar_colour(acs_user_id or name),
        initials(name),
    )
