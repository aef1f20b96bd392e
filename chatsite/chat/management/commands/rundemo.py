"""`manage.py rundemo [addrport]`: migrate, make sure the demo accounts exist (embedded emulator only), print
them, then runserver — so a newcomer can chat with themself in two browser windows."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from chatsite.chat.services.accounts import account_create

DEMO_ACCOUNTS = [("ana", "Ana"), ("bruno", "Bruno")]


class Command(BaseCommand):
    help = _("Migrate, create two demo accounts when running on the embedded emulator, and run the site.")

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, addrport, **options):
        call_command("migrate", interactive=False, verbosity=0)
        if settings.ACS_CONNECTION_STRING:
            self.stdout.write(_("Using the ACS resource from ACS_CONNECTION_STRING: no demo accounts."))
        else:
            self.stdout.write(_("Demo accounts (embedded ACS emulator):"))
            for username, name in DEMO_ACCOUNTS:
                self.stdout.write(f"  {username} / {self._ensure(username, name)}")
            self.stdout.write(_("Log in as each in two browser windows (one private) and chat."))
        call_command("runserver", addrport, use_reloader=False)

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
