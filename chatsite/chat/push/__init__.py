"""Push: server-sent events telling a person's open pages that a thread they may see moved to a new change marker,
with the change itself when it can be laid out for them.

Every change lands in one place, the thread's MARKER bump (live/cache.py), which publishes a hint (broker.py); each
open stream (stream.py, /live/stream/) checks the person's part in the thread, then sends the change as their poll
would show it, rendered once per presentation class in the process (change.py), or the bare hint, after which the
page makes its one poll, answered from the cache as before (chat/live).
"""
