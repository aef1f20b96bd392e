"""Reading settings from environment variables.

Every problem is collected and reported together, each naming its variable, so a deployment learns everything
that is wrong from one failed start instead of one mistake per restart.
"""

import base64
import binascii
import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off"}


class Environment:
    def __init__(self, environ: Mapping[str, str] = os.environ):
        self.environ = environ
        self.problems: list[str] = []

    def __call__(self, name: str, default: str | None = None, *, required: bool = False) -> str | None:
        """The variable's value, stripped; unset or blank counts as missing."""
        value = self.environ.get(name, "").strip()
        if value:
            return value
        if required:
            self.invalid(name, "must be set")
        return default

    def invalid(self, name: str, reason: str) -> None:
        self.problems.append(f"{name} {reason}.")

    def flag(self, name: str, default: bool) -> bool:
        value = self(name)
        if value is None:
            return default
        if value.lower() in TRUE | FALSE:
            return value.lower() in TRUE
        self.invalid(name, f"must be true or false, not {value!r}")
        return default

    def integer(self, name: str, default: int, *, minimum: int = 0) -> int:
        value = self(name)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            number = minimum - 1
        if number < minimum:
            self.invalid(name, f"must be a whole number of at least {minimum}, not {value!r}")
            return default
        return number

    def csv(self, name: str, default: str | None = None, *, required: bool = False) -> list[str]:
        value = self(name, default, required=required) or ""
        return [item.strip() for item in value.split(",") if item.strip()]

    def origins(self, name: str) -> list[str]:
        origins = self.csv(name)
        for origin in origins:
            parts = urlsplit(origin)
            if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
                self.invalid(name, f"must list origins such as https://chat.example.com, not {origin!r}")
        return origins

    def secret_key(self, name: str, *, required: bool) -> str | None:
        value = self(name, required=required)
        # The bar `check --deploy` sets (security.W009).
        if (
            required
            and value
            and (len(value) < 50 or len(set(value)) < 5 or value.startswith("django-insecure-"))
        ):
            self.invalid(name, "must be a random value of at least 50 characters")
        return value

    def existing_file(self, name: str) -> str | None:
        value = self(name)
        if value is not None and not Path(value).is_file():
            self.invalid(name, f"must be the path of a readable file; {value!r} is not one")
        return value

    def acs_connection_string(self, name: str, *, required: bool) -> str | None:
        """The resource's connection string as the Azure portal shows it: endpoint=https://…/;accesskey=…"""
        value = self(name, required=required)
        if value is None:
            return None
        parts = dict(
            (key.strip().lower(), item.strip())
            for key, _, item in (pair.partition("=") for pair in value.split(";") if pair.strip())
        )
        endpoint = urlsplit(parts.get("endpoint", ""))
        try:
            key_ok = bool(base64.b64decode(parts.get("accesskey", ""), validate=True))
        except (binascii.Error, ValueError):
            key_ok = False
        if endpoint.scheme != "https" or not endpoint.hostname or not key_ok:
            # Never echo the value: it holds the access key.
            self.invalid(
                name, "must look like endpoint=https://<resource>.communication.azure.com/;accesskey=<key>"
            )
        return value

    def raise_problems(self) -> None:
        if self.problems:
            raise ImproperlyConfigured(
                "Chatsite cannot start; fix these environment variables:\n  - " + "\n  - ".join(self.problems)
            )
