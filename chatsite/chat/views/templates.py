"""The thread page's template and the file of its out-of-band responses (each partial commented with its endpoint)."""

PAGE = "chat/thread_detail.html"
OOB = "chat/thread_oob.html"
_OOB_PARTIALS = {"live-update", "older", "gone-update", "banner-oob"}


def partial(name: str) -> str:
    return f"{OOB if name in _OOB_PARTIALS else PAGE}#{name}"
