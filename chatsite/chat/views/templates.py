"""Where each partial of the thread page lives: the page itself, or the file of out-of-band responses."""

PAGE = "chat/thread_detail.html"
OOB = "chat/thread_oob.html"
_OOB_PARTIALS = {"poll-update", "older", "status-update", "gone-update", "banner-oob"}
# TEMPORARY until the template consolidation lands: the manage partials still live in manage.html.
_LEGACY = {
    "topic": "chat/manage.html", "topic-form": "chat/manage.html", "panel": "chat/manage.html",
    "participants": "chat/manage.html", "add-form": "chat/manage.html", "status": "chat/manage.html",
    "status-update": "chat/manage.html", "gone-update": "chat/manage.html",
    "poll-update": PAGE, "older": PAGE, "banner-oob": PAGE,
}


def partial(name: str) -> str:
    return f"{_LEGACY.get(name) or (OOB if name in _OOB_PARTIALS else PAGE)}#{name}"
