"""`python -m chatsite.emulator`: the ACS emulator from the installed package, for any project's tests.

It migrates its own SQLite database in the data folder, prints the two settings a client needs, exactly as
`manage.py runemulator` does (`ACS_CONNECTION_STRING=…` and `ACS_CA_CERT=…`, first on stdout), then serves
until Ctrl-C or SIGTERM. `python -m chatsite.emulator [--data-dir DIR] events add|list|remove|deadletters …`
manages its Event Grid subscriptions (the options of `manage.py emulator_events`).
"""

import argparse
import os
import secrets
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m chatsite.emulator",
        description="Serve the ACS Identity + Chat emulator over HTTPS; prints ACS_CONNECTION_STRING and ACS_CA_CERT.",
        epilog="`events …` after the options manages Event Grid subscriptions (`events add --help`).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8443, help="port (default 8443; 0 = any free port)")
    parser.add_argument(
        "--data-dir",
        default=os.environ.get("ACS_EMULATOR_DATA_DIR", ".acs-emulator"),
        help="database, CA and key, kept across runs so the connection string and the CA stay the same "
        "(default $ACS_EMULATOR_DATA_DIR or ./.acs-emulator)",
    )
    parser.add_argument("--no-throttling", action="store_true", help="turn ACS's rate limits off")
    args, rest = parser.parse_known_args(argv)
    if rest and rest[0] != "events":
        parser.error(f"unrecognized arguments: {' '.join(rest)}")

    data = Path(args.data_dir).resolve()
    data.mkdir(parents=True, exist_ok=True)
    key = data / "secret-key"
    if not key.exists():
        key.touch(mode=0o600)
        key.write_text(secrets.token_urlsafe(50))
    # The emulator's own settings, whatever the calling project's environment says.
    os.environ["DJANGO_SETTINGS_MODULE"] = "chatsite.emulator.standalone"
    os.environ["ACS_EMULATOR_DATA_DIR"] = str(data)
    if args.no_throttling:
        os.environ["ACS_EMULATOR_THROTTLING"] = "false"

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    if rest:
        call_command("emulator_events", *rest[1:])
        return

    from chatsite.emulator import server

    try:
        running = server.make_server(args.host, args.port, quiet=False)
    except OSError as exc:
        parser.exit(1, f"Cannot listen on {args.host}:{args.port}: {exc.strerror or exc}\n")
    server.serve_in_foreground(running, stdout=sys.stdout)  # ends the process on Ctrl-C or SIGTERM


if __name__ == "__main__":
    main()
