"""The live path's shape, read from the source (AST): every cache key comes from the keys modules, every poll
parameter is read and written by the live-state module, every thread URL goes through @thread_view.

Each check is also run on a small snippet with the violation it looks for, so it cannot pass by finding nothing.
"""

import ast
import re
from pathlib import Path

import pytest
from django.urls import URLPattern

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "chatsite"
# Where keys may be written out: the site's map of the cache, and the two packages below chat that must not import
# it. The emulator is ACS's side (it imports nothing from the site) and counts ACS's windows in keys of its own.
KEY_MODULES = {"chatsite/chat/live/keys.py", "chatsite/acs/keys.py", "chatsite/events/keys.py"}
EMULATOR = "chatsite/emulator/"
# The live-state module parses and writes the polls' parameters; forms.py declares the form it parses them with.
LIVE_STATE = "chatsite/chat/live/page.py"
POLL_FORMS_MODULE = "chatsite/chat/forms.py"

CACHE_METHODS = {
    "get", "set", "add", "delete", "incr", "decr", "get_many", "set_many", "delete_many", "has_key", "touch",
    "get_or_set", "incr_version", "decr_version",
}  # fmt: skip
MANY = {"get_many", "delete_many"}
# The cache mechanics (live.cache): their name and scope arguments make the key.
MECHANICS = {"Counter": 1, "run_locked": 2, "shared_once": 2, "gate": 2, "within_budget": 2}
KEY_BUILDERS = {"key", "_key", "_record_key"}

POLL_PARAMETERS = {"marker", "seq", "day", "v", "r", "t", "o", "own"}
POLL_FORMS = {"PollForm", "InboxPollForm"}
# A poller's URL in a template: which poll, and the query string after it.
POLLER_URL = re.compile(r"\{% url 'chat:(thread_poll|thread_list_poll)'[^%]*%\}([^\"]*)\"")
QUERY_READS = {"get", "getlist", "pop", "lists", "dict", "__getitem__", "__contains__"}


def _sources():
    for path in sorted(SOURCE.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if not relative.startswith(EMULATOR) and "/migrations/" not in relative:
            yield relative, path.read_text()


def _name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _string_bindings(tree: ast.AST) -> dict[str, ast.AST]:
    """Names assigned anywhere in a module, with what they were assigned (a key may be put in a variable first)."""
    bound = {}
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, ast.AnnAssign | ast.NamedExpr) and node.value is not None else []  # fmt: skip
        for target in targets:
            if isinstance(target, ast.Name):
                bound[target.id] = node.value
    return bound


def _written_out(node: ast.AST, bound: dict, seen=()) -> bool:
    """Whether an expression spells a string out: a literal, an f-string, a concatenation, a format or join of a
    literal, or a name assigned one of those."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return _written_out(node.left, bound, seen) or _written_out(node.right, bound, seen)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return isinstance(node.func.value, ast.Constant) and isinstance(node.func.value.value, str)
    if isinstance(node, ast.Name) and node.id in bound and node.id not in seen:
        return _written_out(bound[node.id], bound, (*seen, node.id))
    return False


def _is_cache(node: ast.AST) -> bool:
    name = _name(node)
    if isinstance(node, ast.Subscript):
        name = _name(node.value)
    return bool(name) and name.lower().endswith(("cache", "caches"))


def _cache_keys(call: ast.Call) -> list[ast.AST]:
    """The keys a cache call names."""
    if not call.args:
        return []
    first, method = call.args[0], call.func.attr
    if method in MANY and isinstance(first, ast.List | ast.Tuple | ast.Set):
        return list(first.elts)
    if method in MANY and isinstance(first, ast.ListComp | ast.SetComp | ast.GeneratorExp):
        return [first.elt]
    if method == "set_many" and isinstance(first, ast.Dict):
        return [k for k in first.keys if k is not None]
    if method == "set_many" and isinstance(first, ast.DictComp):
        return [first.key]
    return [first]


def key_literals(source: str, path: str = "<snippet>") -> list[str]:
    """Every cache key spelled out in `source`: given to a cache method, to a cache mechanic as its name or scope,
    or to a key builder."""
    tree = ast.parse(source)
    bound = _string_bindings(tree)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in CACHE_METHODS and _is_cache(func.value):
            named = _cache_keys(node)
        elif _name(func) in MECHANICS:
            named = node.args[: MECHANICS[_name(func)]]
        elif isinstance(func, ast.Name) and func.id in KEY_BUILDERS:
            named = node.args[:1]
        else:
            continue
        found += [f"{path}:{arg.lineno}: {ast.unparse(node)}" for arg in named if _written_out(arg, bound)]
    return found


def _is_query(node: ast.AST, bound: dict, seen=()) -> bool:
    """request.GET, request.POST, a QueryDict, or a name assigned one of them."""
    if isinstance(node, ast.Attribute) and node.attr in {"GET", "POST"}:
        return True
    if isinstance(node, ast.Call) and _name(node.func) == "QueryDict":
        return True
    if isinstance(node, ast.BoolOp):  # request.POST or None
        return any(_is_query(value, bound, seen) for value in node.values)
    if isinstance(node, ast.Name) and node.id in bound and node.id not in seen:
        return _is_query(bound[node.id], bound, (*seen, node.id))
    return False


def _parameter(node: ast.AST, bound: dict) -> str | None:
    if isinstance(node, ast.Name) and node.id in bound:
        node = bound[node.id]
    if isinstance(node, ast.Constant) and node.value in POLL_PARAMETERS:
        return node.value
    return None


def poll_parameter_reads(source: str, path: str = "<snippet>") -> list[str]:
    """Every poll parameter `source` reads by itself: from request.GET / request.POST / a QueryDict by name, or by
    handing a query to the polls' forms (which only the live-state module uses)."""
    tree = ast.parse(source)
    bound = _string_bindings(tree)
    found = []
    for node in ast.walk(tree):
        read = None
        if isinstance(node, ast.Subscript) and _is_query(node.value, bound):
            read = _parameter(node.slice, bound)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in QUERY_READS:
            if _is_query(node.func.value, bound) and node.args:
                read = _parameter(node.args[0], bound)
        elif isinstance(node, ast.Compare) and any(_is_query(c, bound) for c in node.comparators):
            read = _parameter(node.left, bound)
        elif isinstance(node, ast.Name | ast.Attribute) and _name(node) in POLL_FORMS:
            read = _name(node)
        if read is not None:
            found.append(f"{path}:{node.lineno}: {read}: {ast.unparse(node)}")
    return found


def test_no_cache_key_is_written_out_outside_the_keys_modules():
    found = [hit for path, source in _sources() if path not in KEY_MODULES for hit in key_literals(source, path)]

    assert found == []


@pytest.mark.parametrize(
    "violation",
    [
        'cache.get("chat:shown:1")',
        'cache.set(f"chat:synced:{scope}", synced, None)',
        'cache.add("events:" + name, True, 60)',
        'probe = f"chatsite:healthz:{token}"\ncache.delete(probe)',
        'cache.get_many([f"chat:state:{t}:{pk}", keys.deleted(t)])',
        'cache.set_many({f"chat:history-from:{t}:{a}": at for a in ids})',
        'gate("receipt", scope, seconds=3)',
        'gate(Gate.RECEIPT, f"{thread_id}:{pk}", seconds=3)',
        'run_locked("poll", scope, work, ttl=30)',
        'MARKER = Counter("marker")',
        'key("shared", thread_id)',
        'caches["default"].get(":".join(["chat", "shared", thread_id]))',
    ],
)
def test_the_key_check_finds_a_key_written_out(violation):
    assert len(key_literals(violation)) == 1


def test_the_key_check_lets_keys_from_the_keys_module_pass():
    source = """
cache.get(keys.synced(scope))
cache.get_many([MARKER.key(t), keys.deleted(t)])
cache.set_many({keys.history_from(t, a): at for a in ids}, timeout=None)
gate(Gate.RECEIPT, keys.person_scope(t, pk), seconds=3)
run_locked(Lock.POLL, scope, work, ttl=30)
shown = keys.shown(t, pk)
cache.set(shown, 1, 60)
"""
    assert key_literals(source) == []


def test_no_poll_parameter_is_read_outside_the_live_state_module():
    found = [
        hit
        for path, source in _sources()
        if path not in {LIVE_STATE, POLL_FORMS_MODULE}
        for hit in poll_parameter_reads(source, path)
    ]

    assert found == []


@pytest.mark.parametrize(
    "violation",
    [
        'marker = request.GET["marker"]',
        'own = request.GET.get("own") or None',
        'days = request.POST.getlist("day")',
        'if "v" in request.GET:\n    pass',
        'query = request.GET\nseq = query["seq"]',
        'name = "t"\ntyping = request.GET.get(name)',
        'QueryDict(url.query).get("o")',
        'params = parsed(PollForm, request.GET)',
        'version = parsed(forms.InboxPollForm, request.GET)',
    ],
)
def test_the_poll_parameter_check_finds_a_read(violation):
    assert len(poll_parameter_reads(violation)) == 1


def test_the_poll_parameter_check_lets_other_parameters_pass():
    source = """
page = parsed(ThreadListForm, request.GET)["page"]
confirmed = request.POST.get("post") != "yes"
state = PageState.parse(request.GET)
"""
    assert poll_parameter_reads(source) == []


def test_the_pollers_urls_are_written_by_the_live_state_module():
    """A poller's query string in a template is the live-state record's own (`.query`), never spelled out."""
    pollers = []
    for template in sorted((ROOT / "templates").rglob("*.html")):
        text = template.read_text()
        for match in re.finditer(POLLER_URL, text):
            pollers.append((template.name, match[1], match[2]))

    assert {name for _, name, _ in pollers} == {"thread_poll", "thread_list_poll"}
    assert all(re.fullmatch(r"\?\{\{ [\w.]+\.query \}\}", query) for _, _, query in pollers), pollers


def test_every_thread_url_goes_through_thread_view():
    from chatsite.chat import urls

    thread_urls = [p for p in urls.urlpatterns if isinstance(p, URLPattern) and str(p.pattern).startswith("threads/<")]

    assert len(thread_urls) >= 15
    assert [str(p.pattern) for p in thread_urls if not hasattr(p.callback, "thread_view")] == []
