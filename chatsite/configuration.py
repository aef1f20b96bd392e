"""Reading settings from the environment: this site's parsers and wording over environs' public API.

environs with eager=False collects every problem and reports them together when sealed, each under its variable's
name, so a deployment learns everything that is wrong from one failed start instead of one mistake per restart.
Each parser here is a marshmallow field registered with `Env.add_parser_from_field`; the fields read a value
stripped, a blank one counting as unset (as `FOO=` in a unit file means), so environs itself is used as published.
"""

from urllib.parse import urlsplit

import environs
import marshmallow
from django.core.exceptions import ImproperlyConfigured

from chatsite.acs import connection_string

NOT_SET = "Environment variable not set."  # environs' message for a required variable that is unset


class Setting(marshmallow.fields.Field):
    """A value stripped, blank counting as unset: the default if there is one, else "must be set"."""

    default_error_messages = {"required": NOT_SET}

    def __init__(self, **kwargs):
        # environs gives no default as `missing`: then the variable is required, blank or unset (environs 14 passes
        # required=False itself, 15 passes nothing).
        no_default = kwargs.get("load_default", marshmallow.missing) is marshmallow.missing
        kwargs["required"] = kwargs.get("required", False) or no_default
        super().__init__(**kwargs)

    def deserialize(self, value, attr=None, data=None, **kwargs):
        if isinstance(value, str):
            value = value.strip() or marshmallow.missing
        return super().deserialize(value, attr, data, **kwargs)


class Text(Setting, marshmallow.fields.String):
    pass


class Flag(Setting, marshmallow.fields.Boolean):
    # marshmallow's spellings: true/false, yes/no, on/off, 1/0 (and their capitalised forms).
    default_error_messages = {"invalid": "must be true or false, not {input!r}"}


class WholeNumber(Setting, marshmallow.fields.Integer):
    def __init__(self, *, minimum=0, **kwargs):
        # Range sees the parsed number: quoted so both messages read like the value as given.
        message = f"must be a whole number of at least {minimum}, not "
        kwargs.setdefault("error_messages", {})["invalid"] = message + "{input!r}"
        range_ = marshmallow.validate.Range(min=minimum, error=message + "'{input}'")
        super().__init__(validate=[range_, *validators(kwargs.pop("validate", None))], **kwargs)


class Choice(Text):
    def __init__(self, *, choices, **kwargs):
        error = f"must be {', '.join(choices[:-1])} or {choices[-1]}, not {{input!r}}"
        one_of = marshmallow.validate.OneOf(choices, error=error)
        super().__init__(validate=[one_of, *validators(kwargs.pop("validate", None))], **kwargs)


class CommaSeparated(Setting):
    """A list such as ALLOWED_HOSTS: items stripped, empty ones dropped."""

    def _deserialize(self, value, attr, data, **kwargs):
        return [item.strip() for item in value.split(",") if item.strip()]


class DatabaseUrl(Setting):
    def _deserialize(self, value, attr, data, **kwargs):
        import dj_database_url

        try:
            database = dj_database_url.parse(value, conn_max_age=60, conn_health_checks=True)
        except ValueError:
            raise invalid("must be a database URL such as postgres://user:password@host:5432/name") from None
        if database["ENGINE"] == "django.db.backends.postgresql":
            # A database that does not answer fails the request (and /healthz) instead of hanging a worker thread.
            database.setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
        return database


class ProxySslHeader(Setting):
    """The header the TLS-terminating proxy sets, e.g. "X-Forwarded-Proto: https", as Django wants it."""

    def _deserialize(self, value, attr, data, **kwargs):
        name, _, expected = value.partition(":")
        name, expected = name.strip(), expected.strip() or "https"
        if not name or not all(ch.isalnum() or ch == "-" for ch in name):
            raise invalid(f"must be like X-Forwarded-Proto: https, not {value!r}")
        return ("HTTP_" + name.upper().replace("-", "_"), expected)


PARSERS = {
    "text": Text,
    "flag": Flag,
    "whole_number": WholeNumber,
    "choice": Choice,
    "csv": CommaSeparated,
    "database_url": DatabaseUrl,
    "proxy_ssl_header": ProxySslHeader,
}


def new_env() -> environs.Env:
    """An environs reader with this site's parsers: env.text, env.flag, env.whole_number(minimum=…),
    env.choice(choices=…), env.csv, env.database_url and env.proxy_ssl_header (a default of `...`: required)."""
    env = environs.Env(eager=False)
    for name, field in PARSERS.items():
        env.add_parser_from_field(name, field)
    return env


def raise_problems(env: environs.Env) -> None:
    """Stops start-up naming every variable that is missing or malformed, each with what it must be."""
    try:
        env.seal()
    except environs.EnvValidationError as error:
        problems = [
            f"{name} {'must be set' if message == NOT_SET else message}."
            for name, messages in error.error_messages.items()
            for message in messages
        ]
        raise ImproperlyConfigured(
            "Chatsite cannot start; fix these environment variables:\n  - " + "\n  - ".join(problems)
        ) from None


# --- Validators ----------------------------------------------------------------------------------------


def validators(validate):
    return [] if validate is None else [validate] if callable(validate) else list(validate)


def invalid(*messages: str) -> marshmallow.ValidationError:
    return marshmallow.ValidationError(list(messages))


def rule(test, message):
    """A validator refusing, with `message`, a value that fails `test`."""

    def validate(value):
        if not test(value):
            raise invalid(message.format(value=repr(value)))

    return validate


def origins(values):
    def is_origin(origin):
        parts = urlsplit(origin)
        return parts.scheme in ("http", "https") and parts.netloc and parts.path in ("", "/")

    if bad := [origin for origin in values if not is_origin(origin)]:
        raise invalid(*(f"must list origins such as https://chat.example.com, not {origin!r}" for origin in bad))


def acs_connection_string(value):
    try:
        connection_string.parse(value)
    except ValueError:
        # Never echo the value: it holds the access key.
        raise invalid(
            "must look like endpoint=https://<resource>.communication.azure.com/;accesskey=<key>"
        ) from None
