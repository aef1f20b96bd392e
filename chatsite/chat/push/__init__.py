"""Push: server-sent events telling a person's open pages that a thread they may see moved to a new change marker.

A hint carries no content: the page then makes its one poll, answered from the cache as today (chat/live). Every
change lands in one place, the thread's MARKER bump (live/cache.py), which publishes the hint (broker.py); each
open stream (stream.py, /live/stream/) checks the person's part in the thread before sending it.
"""
