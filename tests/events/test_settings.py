"""ACS_EVENTS, EVENTGRID_AUTH and their settings: production refuses to rely on Event Grid without a strong secret
or a complete Entra ID configuration."""

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


TENANT = "00000000-1111-2222-3333-444444444444"


def test_production_with_entra_id_needs_the_tenant_and_audience_but_no_secret():
    missing = manage("check", env=production_env(ACS_EVENTS="eventgrid", EVENTGRID_AUTH="entra"))
    assert missing.returncode != 0
    assert "- EVENTGRID_ENTRA_TENANT_ID must be set." in missing.stderr
    assert "- EVENTGRID_ENTRA_AUDIENCE must be set." in missing.stderr
    assert "EVENTGRID_SECRET" not in missing.stderr

    entra = production_env(
        ACS_EVENTS="eventgrid",
        EVENTGRID_AUTH="entra",
        EVENTGRID_ENTRA_TENANT_ID=TENANT,
        EVENTGRID_ENTRA_AUDIENCE="api://chatsite-events,55555555-6666-7777-8888-999999999999",
    )
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=entra)
    assert result.returncode == 0, result.stderr


def test_production_refuses_malformed_entra_settings():
    result = manage(
        "check",
        env=production_env(
            ACS_EVENTS="eventgrid",
            EVENTGRID_AUTH="entra",
            EVENTGRID_ENTRA_TENANT_ID="contoso.onmicrosoft.com",
            EVENTGRID_ENTRA_AUDIENCE="chatsite",
            EVENTGRID_ENTRA_JWKS_URL=f"http://login.example.com/{TENANT}/keys",
        ),
    )
    assert result.returncode != 0
    assert "- EVENTGRID_ENTRA_TENANT_ID must be the tenant id, a GUID" in result.stderr
    assert "- EVENTGRID_ENTRA_AUDIENCE must be the app registration's application id" in result.stderr
    assert "- EVENTGRID_ENTRA_JWKS_URL must be an https:// URL" in result.stderr


def test_production_while_migrating_needs_both_the_secret_and_entra_id():
    result = manage("check", env=production_env(ACS_EVENTS="eventgrid", EVENTGRID_AUTH="both"))
    assert result.returncode != 0
    for name in ("EVENTGRID_SECRET", "EVENTGRID_ENTRA_TENANT_ID", "EVENTGRID_ENTRA_AUDIENCE"):
        assert f"- {name} must be set." in result.stderr
    unknown = manage("check", env=production_env(ACS_EVENTS="eventgrid", EVENTGRID_AUTH="token"))
    assert "- EVENTGRID_AUTH must be secret, entra or both, not 'token'" in unknown.stderr
