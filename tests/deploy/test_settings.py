"""Configuration from the environment: production refuses to start misconfigured and passes `check --deploy`;
the local defaults need nothing; /healthz tells a load balancer whether the database and cache answer."""

import ast
import json
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from chatsite.configuration import acs_connection_string, new_env, origins, raise_problems

from .conftest import clean_env, manage, production_env

REQUIRED_IN_PRODUCTION = ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "ACS_CONNECTION_STRING"]


def test_check_deploy_passes_in_production():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_local_defaults_need_no_environment(tmp_path):
    result = manage("check", env=clean_env(CHATSITE_VAR_DIR=str(tmp_path)))

    assert result.returncode == 0, result.stderr


def test_production_names_every_missing_setting():
    result = manage("check", env=production_env(**dict.fromkeys(REQUIRED_IN_PRODUCTION)))

    assert result.returncode != 0
    for name in REQUIRED_IN_PRODUCTION:
        assert f"{name} must be set." in result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SECRET_KEY", "django-insecure-short"),
        ("DATABASE_URL", "sqlite:////tmp/chatsite.sqlite3"),
        ("DATABASE_URL", "nonsense://"),
        ("REDIS_URL", "localhost:6379"),
        ("ACS_CONNECTION_STRING", "endpoint=http://acs.example.com/;accesskey=c2VjcmV0"),
        ("ACS_CA_CERT", "/nonexistent/ca.pem"),
        ("CSRF_TRUSTED_ORIGINS", "chat.example.com"),
        ("DEBUG", "true"),
        ("SECURE_HSTS_SECONDS", "a year"),
        ("CHATSITE_ENV", "prod"),
    ],
)
def test_production_refuses_a_malformed_setting(name, value):
    result = manage("check", env=production_env(**{name: value}))

    assert result.returncode != 0
    assert f"- {name} " in result.stderr


def test_the_access_key_is_never_echoed():
    value = "endpoint=acs.example.com;accesskey=not-base64-but-secret"

    result = manage("check", env=production_env(ACS_CONNECTION_STRING=value))

    assert "- ACS_CONNECTION_STRING " in result.stderr
    assert "not-base64-but-secret" not in result.stderr


def test_settings_are_read_on_environs_public_api_only():
    # A private name (environs' `_get_value` was overridden once) can change in any release, bound or not.
    package = Path(__file__).resolve().parents[2] / "chatsite"
    for module in ("configuration.py", "settings.py"):
        tree = ast.parse((package / module).read_text())
        private = [
            node.attr
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
        ]
        subclasses = [
            node.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ClassDef) and any("Env" in ast.unparse(base) for base in node.bases)
        ]
        assert private == [] and subclasses == [], module


class TestEnvironment:
    def test_blank_counts_as_unset(self, monkeypatch):
        monkeypatch.setenv("ALLOWED_HOSTS", "  ")
        env = new_env()

        assert env.csv("ALLOWED_HOSTS", ["localhost"]) == ["localhost"]
        raise_problems(env)  # none

    def test_blank_required_value_must_be_set(self, monkeypatch):
        monkeypatch.setenv("SECRET_KEY", " ")
        env = new_env()
        env.text("SECRET_KEY")

        with pytest.raises(ImproperlyConfigured, match="SECRET_KEY must be set."):
            raise_problems(env)

    def test_values_are_read_stripped(self, monkeypatch):
        monkeypatch.setenv("CHATSITE_ENV", " production\n")
        monkeypatch.setenv("ACS_TIMEOUT", " 7 ")
        monkeypatch.setenv("DEBUG", " off ")
        env = new_env()

        assert env.choice("CHATSITE_ENV", "local", choices=("local", "production")) == "production"
        assert env.whole_number("ACS_TIMEOUT", 10, minimum=1) == 7
        assert env.flag("DEBUG", True) is False
        raise_problems(env)  # none

    def test_a_choice_names_the_choices(self, monkeypatch):
        monkeypatch.setenv("ACS_EVENTS", "webhook")
        env = new_env()
        env.choice("ACS_EVENTS", "poll", choices=("eventgrid", "poll"))

        with pytest.raises(ImproperlyConfigured, match="ACS_EVENTS must be eventgrid or poll, not 'webhook'."):
            raise_problems(env)

    def test_problems_are_reported_together(self, monkeypatch):
        monkeypatch.setenv("DEBUG", "maybe")
        monkeypatch.setenv("ACS_TIMEOUT", "0")
        monkeypatch.delenv("SECRET_KEY", raising=False)
        env = new_env()
        env.flag("DEBUG", False)
        env.whole_number("ACS_TIMEOUT", 10, minimum=1)
        env.text("SECRET_KEY")

        with pytest.raises(ImproperlyConfigured) as error:
            raise_problems(env)

        message = str(error.value)
        assert "DEBUG must be true or false, not 'maybe'." in message
        assert "ACS_TIMEOUT must be a whole number of at least 1, not '0'." in message
        assert "SECRET_KEY must be set." in message

    def test_origins(self, monkeypatch):
        monkeypatch.setenv("CSRF_TRUSTED_ORIGINS", "https://chat.example.com, http://localhost:8000")
        env = new_env()

        assert env.csv("CSRF_TRUSTED_ORIGINS", [], validate=origins) == [
            "https://chat.example.com",
            "http://localhost:8000",
        ]
        raise_problems(env)  # none

    def test_connection_string_as_the_portal_shows_it(self, monkeypatch):
        value = "endpoint=https://chat.communication.azure.com/;accesskey=c2VjcmV0c2VjcmV0"
        monkeypatch.setenv("ACS", value)
        env = new_env()

        assert env.text("ACS", validate=acs_connection_string) == value
        raise_problems(env)  # none


@pytest.mark.django_db
def test_healthz_reports_database_and_cache(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy(client):
    policy = client.get("/healthz")["Content-Security-Policy"]

    assert "script-src 'self';" in policy
    assert "unsafe-inline" not in policy


# Runs in a subprocess so the site starts with a broken service from the outset, as a worker would.
HEALTHZ = """
from django.test import Client
response = Client(HTTP_HOST="localhost").get("/healthz")
print(response.status_code, response.content.decode())
"""


def _healthz_in_subprocess(env):
    result = manage("shell", "-c", HEALTHZ, env=env)
    assert result.returncode == 0, result.stderr
    status, body = result.stdout.strip().splitlines()[-1].split(" ", 1)
    return int(status), body, result


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path, closed_port):
    env = clean_env(
        CHATSITE_VAR_DIR=str(tmp_path), DATABASE_URL=f"postgres://chatsite@127.0.0.1:{closed_port}/x"
    )

    status, body, result = _healthz_in_subprocess(env)

    assert status == 503
    assert json.loads(body) == {"status": "error", "checks": {"database": "error", "cache": "ok"}}
    # The failure is logged for the operator, not shown to whoever asked.
    assert "Health check database failed" in result.stderr
    assert str(closed_port) not in body


def test_healthz_is_503_when_redis_is_unreachable(tmp_path, closed_port):
    env = clean_env(CHATSITE_VAR_DIR=str(tmp_path), REDIS_URL=f"redis://127.0.0.1:{closed_port}/0")

    status, body, _ = _healthz_in_subprocess(env)

    assert status == 503
    assert json.loads(body)["checks"] == {"database": "ok", "cache": "error"}
