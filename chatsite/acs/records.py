"""Plain values the ACS gateway returns: the rest of the site never sees an SDK object."""

import dataclasses
from datetime import datetime


@dataclasses.dataclass(frozen=True)
class Member:
    acs_user_id: str
    display_name: str = ""
    share_history_time: datetime | None = None


@dataclasses.dataclass(frozen=True)
class Refused:
    """A participant ACS would not add; `code` is ACS's ("403": thread full, "404": no such identity)."""

    acs_user_id: str
    code: str | None


@dataclasses.dataclass(frozen=True)
class ThreadProperties:
    id: str
    topic: str
    created_by: str | None


@dataclasses.dataclass(frozen=True)
class ThreadItem:
    id: str
    topic: str
    last_message_received_on: datetime | None
    deleted_on: datetime | None


@dataclasses.dataclass(frozen=True)
class Message:
    id: str
    sequence_id: int
    type: str  # lower case: text, html, participantadded, participantremoved, topicupdated
    created_on: datetime
    version: str = ""
    sender_id: str | None = None
    sender_display_name: str = ""
    content: str = ""
    edited_on: datetime | None = None
    deleted_on: datetime | None = None
    initiator_id: str | None = None
    participants: tuple[Member, ...] = ()
    topic: str = ""
    metadata: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class Receipt:
    acs_user_id: str
    message_id: str


@dataclasses.dataclass(frozen=True)
class Page[T]:
    items: list[T]
    continuation: str | None  # the opaque part of ACS's link to the next page (continuation.py), None on the last
