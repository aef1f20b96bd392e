"""A locally generated certificate authority and server certificate for the emulator's HTTPS endpoint.

The CA is created once and kept in ACS_EMULATOR_CERT_DIR, so clients that trust `ca.pem` keep trusting the
emulator across restarts. Any ACS SDK can then use it with only a connection string and that CA file.
"""

import dataclasses
import os
from pathlib import Path

import trustme

CA_CERT, CA_KEY, SERVER_CERT, SERVER_KEY = "ca.pem", "ca-key.pem", "server.pem", "server-key.pem"


@dataclasses.dataclass(frozen=True)
class Certificates:
    ca_cert: Path
    server_cert: Path
    server_key: Path


def ensure_certificates(directory: Path, hosts: list[str]) -> Certificates:
    directory.mkdir(parents=True, exist_ok=True)
    ca_cert, ca_key = directory / CA_CERT, directory / CA_KEY
    if ca_cert.exists() and ca_key.exists():
        ca = trustme.CA.from_pem(ca_cert.read_bytes(), ca_key.read_bytes())
    else:
        ca = trustme.CA(organization_name="Chatsite ACS emulator (local)")
        _write(ca_key, ca.private_key_pem.bytes(), private=True)
        _write(ca_cert, ca.cert_pem.bytes())
    # The server certificate is cheap: issue a fresh one for exactly the hosts served this time.
    leaf = ca.issue_cert(*dict.fromkeys(["localhost", "127.0.0.1", "::1", *hosts]))
    server_cert, server_key = directory / SERVER_CERT, directory / SERVER_KEY
    _write(server_key, leaf.private_key_pem.bytes(), private=True)
    _write(server_cert, b"".join(blob.bytes() for blob in leaf.cert_chain_pems))
    return Certificates(ca_cert=ca_cert, server_cert=server_cert, server_key=server_key)


def _write(path: Path, data: bytes, private: bool = False) -> None:
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(data)
    if private:
        tmp.chmod(0o600)
    tmp.replace(path)  # atomic: two workers starting at once never read half a file
