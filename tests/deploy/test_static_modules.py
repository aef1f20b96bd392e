"""`collectstatic` with the production storage: the site's ES modules (static/js/) import each other by their
hashed names, so a page loads every module from a file cached for ever and none by its plain name (which a
deployment keeping only hashed files would not serve at all)."""

import json
import posixpath
import re
from pathlib import Path

import pytest

from .conftest import BASE_DIR

# A static import as the modules write them, one per line: `import * as page from "./page.js";`, `import "./x.js";`.
IMPORT = re.compile(r"""^import\b[^;"']*?["']([^"']+)["'];""", re.MULTILINE)
HASHED = re.compile(r"\.[0-9a-f]{12}\.js$")
SOURCES = sorted(path.relative_to(BASE_DIR / "static").as_posix() for path in (BASE_DIR / "static/js").rglob("*.js"))


@pytest.fixture(scope="module")
def collected(collected_static):
    """STATIC_ROOT after `collectstatic` in production, and its manifest (plain name -> hashed name)."""
    return collected_static, json.loads((collected_static / "staticfiles.json").read_text())["paths"]


def imports(path: Path) -> list[str]:
    return IMPORT.findall(path.read_text())


@pytest.mark.parametrize("name", SOURCES)
def test_each_module_imports_the_hashed_files_of_what_it_imports(collected, name):
    root, manifest = collected
    hashed = manifest[name]
    wanted = imports(BASE_DIR / "static" / name)

    found = imports(root / hashed)

    assert len(found) == len(wanted)
    for source_specifier, specifier in zip(wanted, found, strict=True):
        assert specifier.startswith(("./", "../")), specifier
        target = posixpath.normpath(posixpath.join(posixpath.dirname(name), source_specifier))
        assert posixpath.normpath(posixpath.join(posixpath.dirname(hashed), specifier)) == manifest[target]
        assert HASHED.search(specifier), specifier
        assert (root / manifest[target]).is_file()


def test_the_thread_page_reaches_every_module_by_hashed_names_only(collected):
    root, manifest = collected
    reached, todo = set(), [manifest["js/thread.js"]]
    while todo:
        hashed = todo.pop()
        if hashed in reached:
            continue
        reached.add(hashed)
        for specifier in imports(root / hashed):
            todo.append(posixpath.normpath(posixpath.join(posixpath.dirname(hashed), specifier)))

    shared = {"js/thread.js", "js/storage.js", "js/stream.js"}  # the entry point and what the list shares with it
    modules = {name for name in SOURCES if name.startswith("js/thread/")} | shared
    assert len(modules) >= 8
    assert reached == {manifest[name] for name in modules}
    assert all(HASHED.search(name) for name in reached)
