"""Messages as the page shows them: names, system messages in words, html sanitized. Pure, no ACS call."""

import dataclasses
import hashlib
import html
import re
from datetime import datetime

import nh3
from django.utils.html import conditional_escape, format_html, urlize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from chatsite.acs import records
from chatsite.acs.service import known_id

from .selectors.accounts import names_by_acs_id

SYSTEM_TYPES = {"participantadded", "participantremoved", "topicupdated"}
# What html from other ACS clients may keep: formatting and links, nothing that runs or loads.
HTML_TAGS = {
    "p",
    "br",
    "b",
    "strong",
    "i",
    "em",
    "u",
    "s",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "span",
}

LINK_REL = "noopener noreferrer nofollow"
LINK_SCHEMES = {"http", "https", "mailto"}
# A message longer than this is clamped to a few lines on the page (static/css/chat.css) behind "Show more".
LONG_CHARACTERS = 600
LONG_LINES = 10
AVATAR_COLOURS = 8  # .avatar--0 … .avatar--7 in static/css/chat.css


@dataclasses.dataclass
class Message:
    id: str
    sequence_id: int
    type: str
    created_on: datetime
    sender_id: str | None = None
    sender_name: str = ""
    content: str = ""
    edited_on: datetime | None = None
    deleted_on: datetime | None = None
    # System messages: who acted, on whom, the new topic.
    initiator_id: str | None = None
    initiator_name: str = ""
    participant_ids: list[str] = dataclasses.field(default_factory=list)
    participant_names: list[str] = dataclasses.field(default_factory=list)
    topic: str = ""
    # The only participant named was the site's service identity (dropped from the names above).
    moderator_only: bool = False
    # Hidden by a moderator on the site (models.HiddenMessage): shown as "Removed by a moderator", never its words.
    moderated: bool = False

    @property
    def is_system(self) -> bool:
        return self.type in SYSTEM_TYPES

    @property
    def is_deleted(self) -> bool:
        return self.deleted_on is not None

    @property
    def is_edited(self) -> bool:
        return self.edited_on is not None and not self.is_deleted

    def sent_by(self, acs_user_id: str) -> bool:
        return not self.is_system and self.sender_id == acs_user_id

    @property
    def html(self) -> SafeString:
        """The content ready for a template. Text: escaped, its web and mail addresses made links (Django's
        urlize), line breaks kept. Html from other ACS clients: formatting and links only. Either way nh3 has the
        last word: only http, https and mailto links, each opening without the page's referrer or opener."""
        if self.type == "html":
            content, tags = self.content, HTML_TAGS
        else:
            content = urlize(self.content, nofollow=False, autoescape=True)
            content, tags = re.sub(r"\r\n|\r|\n", "<br>", content), {"a", "br"}
        return mark_safe(nh3.clean(content, tags=tags, link_rel=LINK_REL, url_schemes=LINK_SCHEMES))  # noqa: S308 - sanitized by nh3

    @property
    def is_long(self) -> bool:
        """Long enough to be shown clamped, with "Show more"."""
        return len(self.content) > LONG_CHARACTERS or self.content.count("\n") >= LONG_LINES

    @property
    def system_text(self) -> str:
        """The system message in words, as plain text (the admin, screen reader announcements)."""
        return self._system(str)

    @property
    def system_html(self) -> SafeString:
        """The same words for the page: each name and the topic isolated (<bdi>), so a right-to-left name keeps the
        sentence around it in order."""
        return mark_safe(self._system(lambda text: format_html("<bdi>{}</bdi>", text), escape=conditional_escape))  # noqa: S308 - every part escaped

    def _system(self, name, escape=str) -> str:
        others = [
            name(person)
            for pid, person in zip(self.participant_ids, self.participant_names, strict=True)
            if pid != self.initiator_id
        ]
        actor = name(self.initiator_name or _("Someone"))
        if self.type == "topicupdated":
            return escape(_("%(actor)s changed the topic to “%(topic)s”")) % {"actor": actor, "topic": name(self.topic)}
        if self.type == "participantadded":
            if not others and self.moderator_only:
                return escape(_("%(actor)s added a moderator")) % {"actor": actor}
            if not others:
                return escape(_("%(actor)s joined")) % {"actor": actor}
            return escape(_("%(actor)s added %(names)s")) % {"actor": actor, "names": _join(others, escape)}
        if not others and self.moderator_only:
            return escape(_("%(actor)s removed a moderator")) % {"actor": actor}
        if not others:
            return escape(_("%(actor)s left")) % {"actor": actor}
        return escape(_("%(actor)s removed %(names)s")) % {"actor": actor, "names": _join(others, escape)}


def initials(name: str) -> str:
    """Initials for an avatar: the first letters of the first and last words of a display name."""
    words = name.split()
    if not words:
        return ""
    return (words[0][0] + (words[-1][0] if len(words) > 1 else "")).upper()


def avatar_colour(acs_user_id: str) -> int:
    """One of AVATAR_COLOURS for a person: from their ACS id, so the same on every page for everyone."""
    return hashlib.sha256(acs_user_id.encode()).digest()[0] % AVATAR_COLOURS


PREVIEW_LENGTH = 200


def preview_text(content: str, message_type: str) -> str:
    """A message as one line of plain text for the thread list (html reduced to its text)."""
    text = content or ""
    if message_type.lower() == "html":
        text = html.unescape(nh3.clean(text, tags=set()))
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= PREVIEW_LENGTH else text[: PREVIEW_LENGTH - 1] + "…"


def _join(names: list[str], escape=str) -> str:
    if len(names) == 1:
        return names[0]
    return escape(_("%(first)s and %(last)s")) % {"first": escape(", ").join(names[:-1]), "last": names[-1]}


def present(items: list[records.Message]) -> list[Message]:
    """Messages for the page, with everyone's current display name looked up in one query."""
    service_id = known_id()
    messages = [_without_service_identity(_from_record(m), service_id) for m in items]
    ids = {m.sender_id for m in messages} | {m.initiator_id for m in messages}
    ids |= {pid for m in messages for pid in m.participant_ids}
    names = names_by_acs_id(ids - {None})
    for message in messages:
        message.sender_name = names.get(message.sender_id, message.sender_name) or _("Someone")
        message.initiator_name = names.get(message.initiator_id, message.initiator_name)
        message.participant_names = [
            names.get(pid, name) or _("someone")
            for pid, name in zip(message.participant_ids, message.participant_names, strict=True)
        ]
    return messages


def _without_service_identity(message: Message, service_id: str | None) -> Message:
    """The site's service identity is staff at work: never listed as a participant, named as moderation."""
    kept = [
        (pid, name)
        for pid, name in zip(message.participant_ids, message.participant_names, strict=True)
        if pid != service_id
    ]
    message.moderator_only = bool(message.participant_ids) and not kept
    message.participant_ids = [pid for pid, _name in kept]
    message.participant_names = [name for _pid, name in kept]
    if service_id is not None and message.initiator_id == service_id:
        message.initiator_name = _("A moderator")
    return message


def moderated(messages: list[Message], hidden: frozenset[int]) -> list[Message]:
    """Messages a moderator hid keep their place (and sender, time) without their words: ACS still has them, and
    only the sender could delete them there."""
    for message in messages:
        if message.id.isdigit() and int(message.id) in hidden and not message.is_system:
            message.moderated, message.content = True, ""
    return messages


def _from_record(item: records.Message) -> Message:
    return Message(
        id=item.id,
        sequence_id=item.sequence_id,
        type=item.type,
        created_on=item.created_on,
        sender_id=item.sender_id,
        sender_name=item.sender_display_name,
        content=item.content,
        edited_on=item.edited_on,
        deleted_on=item.deleted_on,
        initiator_id=item.initiator_id,
        participant_ids=[p.acs_user_id for p in item.participants],
        participant_names=[p.display_name for p in item.participants],
        topic=item.topic,
    )
