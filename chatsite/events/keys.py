"""The cache keys of the events package (the rest of the site's are in chat/live/keys.py, which events must not
import: chat listens to events, not the other way round)."""


def purge_gate() -> str:
    """Holds True while old received events were purged lately (views._purge_now_and_then)."""
    return "events:purge"
