"""What every benchmark script does before it measures: read its command line (answering --help before Django
starts), and start Django on a throw-away data folder."""

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def arguments(parser, smoke: dict, argv=None):
    """The parsed command line; with --smoke, `smoke` replaces the defaults (values given explicitly still win)."""
    args = parser.parse_args(argv)
    if args.smoke:
        parser.set_defaults(**smoke)
        args = parser.parse_args(argv)
    return args


def django_start(prefix: str) -> None:
    """Django on this checkout's settings, its files in a fresh temporary folder (unless CHATSITE_VAR_DIR is set)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatsite.settings")
    os.environ.setdefault("CHATSITE_VAR_DIR", tempfile.mkdtemp(prefix=prefix))
    import django

    django.setup()
