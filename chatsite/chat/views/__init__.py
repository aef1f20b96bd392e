"""Views by resource: thin (parse the request, call a service or selector, render), one error policy (policy.py)."""
