"""No source file grows past what one reader can hold: split a long module by topic instead
(schemas beside the routes, resources in their own modules)."""

from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
MAX_LINES = 500


def _too_long(root: Path) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        # Migrations are generated, and squashing them is how they get shorter.
        if "migrations" in path.relative_to(root).parts:
            continue
        length = len(path.read_text(encoding="utf-8").splitlines())
        if length > MAX_LINES:
            found.append(f"{path.relative_to(root).as_posix()}: {length} lines")
    return found


def test_no_source_file_is_longer_than_the_limit():
    too_long = _too_long(SRC)
    assert not too_long, f"files above {MAX_LINES} lines:\n" + "\n".join(too_long)


def test_the_checker_names_a_long_file_and_its_length(tmp_path):
    app = tmp_path / "app"
    (app / "migrations").mkdir(parents=True)
    (app / "long.py").write_text("x = 1\n" * (MAX_LINES + 1))
    (app / "at_limit.py").write_text("x = 1\n" * MAX_LINES)
    (app / "migrations" / "0001_initial.py").write_text("x = 1\n" * (MAX_LINES + 1))
    assert _too_long(tmp_path) == [f"app/long.py: {MAX_LINES + 1} lines"]
