"""The Halo adapter reads only through the apps' selectors: no model manager of its own."""

import ast
from pathlib import Path

import pytest

from tallyhour import halo

ADAPTER = [
    "views.py",
    "schemas.py",
    "translate.py",
    "translate_time.py",
    "filters.py",
    "text.py",
    "directory.py",
    "directory_schemas.py",
]


@pytest.mark.parametrize("name", ADAPTER)
def test_no_unscoped_querysets(name):
    tree = ast.parse((Path(halo.__file__).parent / name).read_text())
    managers = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in {"objects", "_default_manager"}
    ]
    assert managers == []
