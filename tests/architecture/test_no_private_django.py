"""No `_`-prefixed name is imported from Django, Ninja or pydantic: their internals change
without notice between releases."""

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "tallyhour"
FRAMEWORKS = ("django", "ninja", "pydantic")
# Removed with the modules themselves (they are being replaced by supported features).
KNOWN_OFFENDERS: set[str] = set()


def _private_imports(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            if node.module.split(".")[0] not in FRAMEWORKS:
                continue
            parts = [*node.module.split("."), *(alias.name for alias in node.names)]
            found += [(node.lineno, f"{node.module}: {p}") for p in parts if p.startswith("_")]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] in FRAMEWORKS and any(p.startswith("_") for p in parts):
                    found.append((node.lineno, alias.name))
    return found


def test_no_private_framework_names_are_imported():
    wrong = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        if "migrations" in path.parts or relative in KNOWN_OFFENDERS:
            continue
        for line, name in _private_imports(ast.parse(path.read_text())):
            wrong.append(f"{relative}:{line} {name}")
    assert not wrong, "private framework names imported:\n" + "\n".join(wrong)


def test_the_checker_finds_private_names():
    tree = ast.parse("from django.db.models.sql import _private\nimport django._x\n")
    assert len(_private_imports(tree)) == 2
    assert not _private_imports(ast.parse("from django.db import models\n"))
