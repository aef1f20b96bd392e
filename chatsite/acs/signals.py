"""Signals the ACS layer sends; tests and metrics connect to them."""

from django.dispatch import Signal

# Sent once per HTTP request that goes out to ACS (retries included), with `method` and `path`.
acs_request = Signal()
