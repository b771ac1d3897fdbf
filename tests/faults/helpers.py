"""Run the app in a fresh process, so a fault (a dead database, a full disk, a SIGKILL) is real
rather than mocked and cannot leak into the test's own database connection."""

import os
import subprocess
import sys
import textwrap


def app_env(env: dict[str, str]) -> dict[str, str]:
    """The test's environment without its database, plus `env` (the fault's database)."""
    return {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SQLITE_PATH")},
        "DJANGO_SETTINGS_MODULE": "tallyhour.settings",
        "ALLOWED_HOSTS": "testserver",
        **env,
    }


def run_app(script: str, env: dict[str, str], timeout: int = 120) -> subprocess.CompletedProcess:
    """Run `script` with Django set up in a fresh process (its own settings and database)."""
    code = "import django; django.setup()\n" + textwrap.dedent(script)
    return subprocess.run(
        [sys.executable, "-c", code],
        env=app_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
