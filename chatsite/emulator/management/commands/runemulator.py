"""`manage.py runemulator`: the ACS emulator alone, in the foreground, for any ACS SDK or another process.

The first two lines of output are the settings a client needs, as `NAME=value` so a script can read them.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from chatsite.emulator import server


class Command(BaseCommand):
    help = "Serve the ACS Identity + Chat emulator over HTTPS; prints ACS_CONNECTION_STRING and ACS_CA_CERT."
    requires_migrations_checks = False  # checked below, as a refusal rather than a warning

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1).")
        parser.add_argument("--port", type=int, default=8443, help="Port (default 8443; 0 = any free port).")

    def handle(self, *args, host, port, **options):
        _refuse_unapplied_migrations()
        try:
            running = server.make_server(host, port, quiet=False)
        except OSError as exc:
            raise CommandError(f"Cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
        server.serve_in_foreground(running, stdout=self.stdout)  # ends the process on Ctrl-C or SIGTERM


def _refuse_unapplied_migrations() -> None:
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        apps = sorted({migration.app_label for migration, _ in plan})
        raise CommandError(
            f"{len(plan)} unapplied migration(s) for app(s): {', '.join(apps)}. "
            "The emulator keeps its state in the database; run `python manage.py migrate` first."
        )
