"""Where ACS is: the configured resource (ACS_CONNECTION_STRING) or, locally, the embedded emulator."""

import dataclasses

from django.conf import settings

from chatsite.acs import connection_string as connection_strings


@dataclasses.dataclass(frozen=True)
class AcsConfig:
    endpoint: str
    connection_string: str
    # CA bundle path the SDK clients trust, or True for the system CAs.
    verify: str | bool

    def __repr__(self) -> str:
        # The connection string holds the access key: keep it out of logs and error pages.
        return f"AcsConfig(endpoint={self.endpoint!r})"


def current() -> AcsConfig:
    connection_string = settings.ACS_CONNECTION_STRING
    ca_cert = settings.ACS_CA_CERT
    if not connection_string:
        from chatsite.emulator.server import embedded
        from chatsite.events.local import subscribe_embedded

        running = embedded()
        subscribe_embedded()  # the site learns of the emulator's changes through Event Grid, as in production
        connection_string, ca_cert = running.connection_string, running.ca_cert
    return AcsConfig(
        endpoint=connection_strings.parse(connection_string).endpoint,
        connection_string=connection_string,
        verify=str(ca_cert) if ca_cert else True,
    )

