"""Security hardening: deploy checks, CSP without inline script, cookies, hashing, lockout."""

import os
import re
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth.hashers import get_hasher
from django.test import Client as HttpClient

from tests.conftest import login

pytestmark = pytest.mark.django_db


@pytest.mark.slow
def test_production_settings_pass_deploy_check(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DEBUG": "0",
        "HTTPS": "1",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "psa.example.com",
        "TALLYHOUR_HOME": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-m", "tallyhour.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_generated_secret_key_is_kept_private(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env["TALLYHOUR_HOME"] = str(tmp_path)
    env["DJANGO_SETTINGS_MODULE"] = "tallyhour.settings"
    code = (
        "import django; django.setup(); "
        "from django.conf import settings; print(settings.SECRET_KEY)"
    )
    run = [sys.executable, "-c", code]
    first = subprocess.run(run, env=env, capture_output=True, text=True, check=True).stdout
    second = subprocess.run(run, env=env, capture_output=True, text=True, check=True).stdout
    assert first == second and len(first.strip()) >= 50
    assert (tmp_path / "var" / "secret_key").stat().st_mode & 0o077 == 0


def test_passwords_are_hashed_with_argon2():
    # Tests swap in a fast hasher; the configured production default is what matters.
    from tallyhour import settings as configured

    assert configured.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert get_hasher("argon2").algorithm == "argon2"


def test_pages_send_a_strict_content_security_policy(engineer):
    response = login(engineer).get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy


def test_json_answers_allow_nothing_and_the_api_docs_keep_the_page_policy(engineer):
    http = login(engineer)
    for response in (http.get("/api/v1/timers"), HttpClient().get("/api/v1/timers")):
        assert response["Content-Type"].startswith("application/json")
        assert response.headers["Content-Security-Policy"] == (
            "default-src 'none'; frame-ancestors 'none'"
        )
    docs = HttpClient().get("/api/v1/docs")
    assert docs.status_code == 200 and docs["Content-Type"].startswith("text/html")
    assert "script-src 'self'" in docs.headers["Content-Security-Policy"]


PAGES = ["/", "/login/", "/approvals/", "/billing/", "/reports/utilisation/"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_have_no_inline_script_or_foreign_assets(path, admin, engineer):
    http = HttpClient() if path == "/login/" else login(admin)
    html = http.get(path).content.decode()
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag, f"inline script on {path}: {tag}"
    assert not re.search(r"""(src|href)=["']https?://""", html), f"external asset on {path}"


def test_session_and_csrf_cookies_are_http_only_and_same_site(engineer):
    assert settings.SESSION_COOKIE_HTTPONLY
    assert settings.SESSION_COOKIE_SAMESITE == "Lax" and settings.CSRF_COOKIE_SAMESITE == "Lax"


def test_repeated_failed_sign_ins_lock_the_account(engineer):
    http = HttpClient()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = http.post("/login/", {"username": "engineer", "password": "wrong"})
        assert response.status_code == 200  # the form again, with an error
    response = http.post("/login/", {"username": "engineer", "password": "wrong"})
    assert response.status_code == 429
    # Locked now: even the right password is refused, with a clear page.
    response = http.post("/login/", {"username": "engineer", "password": "pw"})
    assert response.status_code == 429
    assert b"Too many failed sign-ins" in response.content
    assert "_auth_user_id" not in http.session


def test_successful_sign_in_works_and_resets_failures(engineer):
    http = HttpClient()
    http.post("/login/", {"username": "engineer", "password": "wrong"})
    response = http.post("/login/", {"username": "engineer", "password": "pw"})
    assert response.status_code == 302
    assert http.session["_auth_user_id"] == str(engineer.pk)
