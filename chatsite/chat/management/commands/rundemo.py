"""`manage.py rundemo [addrport]`: migrate, make sure the demo accounts exist (embedded emulator only), print
them, then serve the site — so a newcomer can chat with themself in two browser windows.

It serves the ASGI application under uvicorn, as the production deployment does (chatsite/gunicorn_asgi_conf.py),
so pages get push (chat/push) out of the box; `--wsgi` serves it with runserver instead, where pages poll. Its
request lines go through the site's logging (settings.LOGGING), which writes credentials in URLs as [redacted]."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from chatsite.chat.services.accounts import account_create

DEMO_ACCOUNTS = [("ana", "Ana"), ("bruno", "Bruno")]


class Command(BaseCommand):
    help = _("Migrate, create two demo accounts when running on the embedded emulator, and run the site.")

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument(
            "--wsgi", action="store_true", help=_("Serve with runserver (no push: pages poll) instead of uvicorn.")
        )

    def handle(self, *args, addrport, wsgi, **options):
        call_command("migrate", interactive=False, verbosity=0)
        if settings.ACS_CONNECTION_STRING:
            self.stdout.write(_("Using the ACS resource from ACS_CONNECTION_STRING: no demo accounts."))
        else:
            self.stdout.write(_("Demo accounts (embedded ACS emulator):"))
            for username, name in DEMO_ACCOUNTS:
                self.stdout.write(f"  {username} / {self._ensure(username, name)}")
            self.stdout.write(_("Log in as each in two browser windows (one private) and chat."))
        if wsgi:
            call_command("runserver", addrport, use_reloader=False)
        else:
            self._serve_asgi(addrport)

    def _serve_asgi(self, addrport):
        import uvicorn

        from chatsite.asgi import application

        call_command("check")  # as runserver does before it serves
        host, _colon, port = addrport.rpartition(":")
        host = host.strip("[]") or "127.0.0.1"
        if not port.isdigit():
            message = _("%(addrport)s is not an address and port, like 127.0.0.1:8000.")
            raise CommandError(message % {"addrport": addrport})
        self.stdout.flush()  # the accounts before uvicorn's own lines, also when the output is a file
        # log_config=None: uvicorn's loggers go through settings.LOGGING (the redacting console handler).
        uvicorn.run(
            application, host=host, port=int(port), log_config=None, lifespan="off", timeout_graceful_shutdown=3
        )

    def _ensure(self, username, name):
        # A fresh password each run: the command prints it, and nothing else is ever stored in clear.
        password = secrets.token_urlsafe(9)
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            account_create(username=username, password=password, display_name=name)
        else:
            user.set_password(password)
            user.save(update_fields=["password"])
        return password
