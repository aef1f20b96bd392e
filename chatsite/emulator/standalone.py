"""Django settings of the emulator on its own (`python -m chatsite.emulator`): the emulator's app alone, with its
SQLite database, CA and key in one data folder, and nothing of the site (no site settings, no environment
variables of the project it serves, whose DATABASE_URL or SECRET_KEY belong to that project).

`ACS_EMULATOR_DATA_DIR` (set by __main__) names the folder; `ACS_EMULATOR_THROTTLING=false` turns ACS's rate
limits off.
"""

import os
from pathlib import Path

DATA_DIR = Path(os.environ["ACS_EMULATOR_DATA_DIR"])
# Made once per data folder by __main__: the same folder gives the same access key, hence connection string.
SECRET_KEY = (DATA_DIR / "secret-key").read_text().strip()
DEBUG = False
ALLOWED_HOSTS: list[str] = []  # the emulator answers whatever name it is reached by (docs/wire.md)
USE_TZ = True
INSTALLED_APPS = ["chatsite.emulator"]
ROOT_URLCONF = "chatsite.emulator.urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA_DIR / "emulator.sqlite3",
        # As the site's: wait for the write lock rather than fail, and write-ahead logging (docs/wire.md).
        "OPTIONS": {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        },
    }
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "acs-emulator"}}
ACS_EMULATOR_CERT_DIR = DATA_DIR / "tls"
ACS_EMULATOR_THROTTLING = os.environ.get("ACS_EMULATOR_THROTTLING", "true").lower() not in ("0", "false", "no", "off")
