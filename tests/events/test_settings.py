"""ACS_EVENTS and EVENTGRID_SECRET: production refuses to rely on Event Grid without a strong secret."""

import secrets

from tests.deploy.conftest import manage, production_env


def test_production_with_event_grid_requires_a_secret():
    result = manage("check", env=production_env(ACS_EVENTS="eventgrid"))

    assert result.returncode != 0
    assert "EVENTGRID_SECRET must be set." in result.stderr


def test_production_refuses_a_short_secret_and_an_unknown_mode():
    result = manage("check", env=production_env(ACS_EVENTS="push", EVENTGRID_SECRET="short"))

    assert result.returncode != 0
    assert "- ACS_EVENTS must be eventgrid or poll" in result.stderr
    assert "- EVENTGRID_SECRET must be random values of at least 32 characters each" in result.stderr


def test_production_with_event_grid_and_two_secrets_passes_the_deploy_check():
    two = f"{secrets.token_urlsafe(32)},{secrets.token_urlsafe(32)}"
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", env=production_env(ACS_EVENTS="eventgrid", EVENTGRID_SECRET=two)
    )

    assert result.returncode == 0, result.stderr
