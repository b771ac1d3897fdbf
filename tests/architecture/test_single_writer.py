"""Each table has one writer: only the app whose models.py defines a model writes its rows.

The source under src/ is read (ast, nothing imported) for writes:
- `Model.objects.create/update/delete/bulk_create/bulk_update/update_or_create/get_or_create`,
  also at the end of a chain (`Model.objects.filter(...).update(...)`);
- `.save(` and `.delete(` on a variable whose model the function makes plain: a parameter
  annotated with the model, `x = Model(...)`, `x = Model.objects....get/first/create(...)`,
  `for x in Model.objects....`;
- `Model._meta.db_table` (the table named in hand-written SQL) and `insert_statement(Model)`
  (core/sqlrows.py).
Writes through related managers (`invoice.lines.update(...)`) are not seen: the test is a
net for the usual shapes, not a proof.
"""

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "tallyhour"

WRITE_METHODS = {
    "create",
    "update",
    "delete",
    "bulk_create",
    "bulk_update",
    "update_or_create",
    "get_or_create",
}
# Calls whose result is one model instance of the queryset's model.
INSTANCE_METHODS = {"get", "first", "last", "create", "latest", "earliest"}

# Known writes to another app's table, each to be removed when its owner takes it over:
# none left. (file under src/tallyhour, model)
ALLOWED: set[tuple[str, str]] = set()
# Composition roots write through every app (the demo loader becomes its own package).
ROOTS = ("demo/",)  # the demo loader, a composition root


@dataclass(frozen=True)
class Write:
    path: str
    line: int
    model: str
    writer: str
    owner: str


def _models() -> dict[str, str]:
    """Model class name → the app whose models.py defines it."""
    owners: dict[str, str] = {}
    for models_py in sorted(SRC.glob("*/models.py")):
        for node in ast.parse(models_py.read_text()).body:
            if isinstance(node, ast.ClassDef) and node.bases:
                owners.setdefault(node.name, models_py.parent.name)
    return owners


def _root_model(node: ast.AST, models: dict[str, str]) -> str | None:
    """The model at the start of a chain like `Model.objects.filter(...).update`."""
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            if (
                node.attr in ("objects", "_default_manager")
                and isinstance(node.value, ast.Name)
                and node.value.id in models
            ):
                return node.value.id
            node = node.value
        else:
            return None


def _annotated_model(annotation: ast.AST | None, models: dict[str, str]) -> str | None:
    if isinstance(annotation, ast.Name) and annotation.id in models:
        return annotation.id
    if isinstance(annotation, ast.BinOp):  # Model | None
        return _annotated_model(annotation.left, models) or _annotated_model(
            annotation.right, models
        )
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        return annotation.value if annotation.value in models else None
    return None


def _instance_model(value: ast.AST, models: dict[str, str]) -> str | None:
    if isinstance(value, ast.Call):
        func = value.func
        if isinstance(func, ast.Name) and func.id in models:
            return func.id
        if isinstance(func, ast.Attribute) and func.attr in INSTANCE_METHODS:
            return _root_model(func, models)
    return None


def _function_writes(
    function: ast.FunctionDef | ast.AsyncFunctionDef, models: dict[str, str]
) -> Iterator[tuple[int, str]]:
    known: dict[str, str] = {}
    arguments = function.args
    for arg in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
        if model := _annotated_model(arg.annotation, models):
            known[arg.arg] = model
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and (model := _instance_model(node.value, models)):
                known[target.id] = model
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            if model := _annotated_model(node.annotation, models):
                known[node.target.id] = model
        elif (
            isinstance(node, ast.For)
            and isinstance(node.target, ast.Name)
            and (model := _root_model(node.iter, models))
        ):
            known[node.target.id] = model
    for node in ast.walk(function):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        method, receiver = node.func.attr, node.func.value
        if method in ("save", "delete") and isinstance(receiver, ast.Name) and receiver.id in known:
            yield node.lineno, known[receiver.id]


def _writes() -> Iterator[Write]:
    models = _models()
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        if "/migrations/" in relative:
            continue
        writer = relative.split("/")[0] if "/" in relative else "root"
        tree = ast.parse(path.read_text())
        found: set[tuple[int, str]] = set()
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "insert_statement"
                and node.args
                and isinstance(node.args[0], ast.Name)
                and node.args[0].id in models
            ):
                found.add((node.lineno, node.args[0].id))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                if node.func.attr in WRITE_METHODS and (model := _root_model(node.func, models)):
                    found.add((node.lineno, model))
            elif isinstance(node, ast.Attribute) and node.attr == "db_table":
                meta = node.value
                if (
                    isinstance(meta, ast.Attribute)
                    and meta.attr == "_meta"
                    and isinstance(meta.value, ast.Name)
                    and meta.value.id in models
                ):
                    found.add((node.lineno, meta.value.id))
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                found.update(_function_writes(node, models))
        for line, model in sorted(found):
            yield Write(relative, line, model, writer, models[model])


def _allowed(write: Write) -> bool:
    return (
        write.writer == write.owner
        or write.path.startswith(ROOTS)
        or (write.path, write.model) in ALLOWED
        or (write.path, "*") in ALLOWED
    )


def test_apps_write_only_their_own_tables():
    foreign = [
        f"{w.path}:{w.line} writes {w.model} (owned by {w.owner})"
        for w in _writes()
        if not _allowed(w)
    ]
    assert foreign == [], "\n".join(foreign)


def test_every_allowed_exception_is_still_needed():
    # When an exception's write moves to its owner, its line above goes too.
    foreign = [w for w in _writes() if w.writer != w.owner]
    seen = {(w.path, w.model) for w in foreign} | {(w.path, "*") for w in foreign}
    assert sorted(ALLOWED - seen) == []


def test_the_scan_sees_the_usual_shapes():
    # A guard for the test itself: it finds writes it must find.
    writes = {(w.path, w.model) for w in _writes()}
    assert ("timetracking/claims.py", "TimeEntry") in writes  # a chained .update(
    assert ("timetracking/sql.py", "TimeEntry") in writes  # hand-written SQL
    assert ("timetracking/sql.py", "Timer") in writes  # insert_statement(Timer)
    assert ("timetracking/services.py", "TimeEntry") in writes  # entry.save()
    assert ("timetracking/timers.py", "Timer") in writes  # timer.delete()
    assert ("billing/runs.py", "InvoiceLine") in writes  # bulk_create
