"""Apps import only downward: the layer order is stated once, here and in the README."""

import ast
import itertools
from collections import defaultdict
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "tallyhour"

# Lowest first. An app may import its own layer's earlier apps only where ALLOWED_SIDEWAYS
# says so, and any app of a lower layer. Composition roots sit on top.
LAYERS: list[set[str]] = [
    {"core"},
    {"accounts", "crm"},
    {"servicedesk", "timetracking"},
    {"timesheets"},
    {"contracts"},
    {"billing"},
    {"reports", "portal", "halo", "webhooks"},
    {"api", "demo", "urls", "settings", "cli", "wsgi", "asgi"},
]
# Within a layer: (importer, imported).
ALLOWED_SIDEWAYS = {("crm", "accounts"), ("timetracking", "servicedesk"), ("urls", "api")}
# Modules let through while their imports move to the right layer: none left.
PENDING_MOVES: set[str] = set()

LEVEL = {app: level for level, apps in enumerate(LAYERS) for app in apps}


def _app_of(path: Path) -> str:
    parts = path.relative_to(SRC).parts
    return parts[0] if len(parts) > 1 else parts[0].removesuffix(".py")


def _imported_apps(tree: ast.AST) -> set[tuple[str, int]]:
    """Every `tallyhour.<app>` a module imports, anywhere (functions and TYPE_CHECKING too)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module]
            if node.module == "tallyhour":
                names = [f"tallyhour.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "tallyhour" and len(parts) > 1:
                found.add((parts[1], node.lineno))
    return found


def _modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if "migrations" not in p.parts)


def _allowed(importer: str, imported: str) -> bool:
    if importer == imported:
        return True
    if LEVEL[imported] < LEVEL[importer]:
        return True
    return (importer, imported) in ALLOWED_SIDEWAYS


def test_every_app_has_a_layer():
    apps = {_app_of(path) for path in _modules()} - {"__init__"}
    assert apps <= set(LEVEL), f"add to LAYERS: {sorted(apps - set(LEVEL))}"


def test_apps_import_only_downward():
    wrong = []
    for path in _modules():
        relative = path.relative_to(SRC).as_posix()
        if relative in PENDING_MOVES:
            continue
        importer = _app_of(path)
        if importer == "__init__":
            continue
        for imported, line in _imported_apps(ast.parse(path.read_text())):
            if not _allowed(importer, imported):
                wrong.append(f"{relative}:{line} imports tallyhour.{imported}")
    assert not wrong, "imports against the layers:\n" + "\n".join(sorted(wrong))


def test_no_import_cycles_between_apps():
    graph: dict[str, set[str]] = defaultdict(set)
    for path in _modules():
        if path.relative_to(SRC).as_posix() in PENDING_MOVES:
            continue
        importer = _app_of(path)
        for imported, _line in _imported_apps(ast.parse(path.read_text())):
            if imported != importer:
                graph[importer].add(imported)
    cycles = [
        (a, b)
        for a, b in itertools.combinations(sorted(graph), 2)
        if _reaches(graph, a, b) and _reaches(graph, b, a)
    ]
    assert not cycles, f"apps that import each other (directly or not): {cycles}"


def _reaches(graph: dict[str, set[str]], start: str, goal: str) -> bool:
    seen, todo = set(), [start]
    while todo:
        app = todo.pop()
        if app == goal:
            return True
        if app not in seen:
            seen.add(app)
            todo.extend(graph.get(app, ()))
    return False


def test_the_checker_sees_imports_inside_functions():
    tree = ast.parse("def f():\n    from tallyhour.billing.models import Invoice\n")
    assert ("billing", 2) in _imported_apps(tree)
    assert not _allowed("crm", "billing")
    assert not _allowed("servicedesk", "timetracking")
    assert _allowed("timetracking", "servicedesk")
