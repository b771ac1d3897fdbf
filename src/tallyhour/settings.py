"""Settings read from the environment; defaults give a local SQLite install with no set-up."""

import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = Path(os.environ.get("TALLYHOUR_HOME", BASE_DIR.parent.parent))
VAR_DIR = PROJECT_DIR / "var"

DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept in var/ (mode 0600).

    Several app servers must share one key, so multi-machine installs set SECRET_KEY.
    """
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "csp",
    "axes",
    "tallyhour.core",
    "tallyhour.accounts",
    "tallyhour.crm",
    "tallyhour.servicedesk",
    "tallyhour.timetracking",
    "tallyhour.timesheets",
    "tallyhour.contracts",
    "tallyhour.billing",
    "tallyhour.reports",
    "tallyhour.api",
    "tallyhour.halo",
    "tallyhour.webhooks",
    "tallyhour.portal",
    "tallyhour.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "tallyhour.core.middleware.ContentSecurityPolicy",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tallyhour.core.middleware.PageMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    # Client contacts: the portal only (after authentication, before any staff view).
    "tallyhour.portal.middleware.PortalGate",
    "tallyhour.core.middleware.DatabaseUnavailableMiddleware",
    # Page views raise domain errors; this shows them (the API answers with its own JSON).
    "tallyhour.core.pageerrors.DomainErrorMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "tallyhour.accounts.backends.LockoutBackend",
    "tallyhour.accounts.backends.UserBackend",
]

ROOT_URLCONF = "tallyhour.urls"
WSGI_APPLICATION = "tallyhour.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # An installation's own templates first (e.g. billing/document.html, the invoice
        # document), then the built-in ones.
        "DIRS": [
            Path(os.environ.get("TEMPLATES_DIR", PROJECT_DIR / "templates")),
            BASE_DIR / "templates",
        ],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tallyhour.timetracking.context_processors.header",
            ],
        },
    },
    {
        # Only for partials repeated hundreds of times a page (core/jinja.py).
        "NAME": "jinja2",
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "APP_DIRS": True,
        "OPTIONS": {"environment": "tallyhour.core.jinja.environment"},
    },
]


def _database() -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        config: dict[str, Any] = dict(
            dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
        )
        config["TEST"] = {"NAME": f"{config['NAME']}_test"}
        if config["ENGINE"] == "django.db.backends.postgresql":
            # Django's backend with timestamps read in C (core/postgresql/base.py).
            config["ENGINE"] = "tallyhour.core.postgresql"
        if "postgresql" in config["ENGINE"] and os.environ.get("DATABASE_PREPARE", "1") != "0":
            # Values bound on the server, and psycopg prepares a statement from its fifth run
            # on a connection (Django turns that off by default): the database parses and
            # plans the hot API queries once per connection, about half its CPU per API write.
            # DATABASE_PREPARE=0 behind a pooler that cannot keep prepared statements.
            options = config.setdefault("OPTIONS", {})
            options["server_side_binding"] = True
            options["prepare_threshold"] = 5
        return config
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("SQLITE_PATH", str(VAR_DIR / "tallyhour.sqlite3")),
        "OPTIONS": {
            # IMMEDIATE takes the write lock at BEGIN, so two writers queue on the busy
            # timeout instead of failing with "database is locked" half-way through.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }


DATABASES = {"default": _database()}


def _caches() -> dict[str, Any]:
    """Local memory by default (per process); REDIS_URL shares counters across app servers."""
    if os.environ.get("REDIS_URL"):
        return {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": os.environ["REDIS_URL"],
            }
        }
    return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


CACHES = _caches()
# API requests per minute allowed for each token, and for each user's browser session; 0 turns
# the limit off.
API_RATE_LIMIT = int(os.environ.get("API_RATE_LIMIT", "600"))
# POST /auth/token (HaloPSA client credentials) per minute: per client id, and per caller
# address (all clients behind one proxy share that one); 0 turns a limit off.
HALO_TOKEN_RATE_LIMIT = int(os.environ.get("HALO_TOKEN_RATE_LIMIT", "60"))
HALO_TOKEN_ADDRESS_RATE_LIMIT = int(os.environ.get("HALO_TOKEN_ADDRESS_RATE_LIMIT", "600"))
# Live tokens an API application keeps; a new one revokes the oldest beyond this.
HALO_TOKENS_PER_APPLICATION = int(os.environ.get("HALO_TOKENS_PER_APPLICATION", "10"))
# SQLite cannot hold unique constraints with NULLS NOT DISTINCT; the rate service checks that
# uniqueness itself, so the warning is noise there.
SILENCED_SYSTEM_CHECKS = ["models.W047"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# WhiteNoise serves static files from the app server itself; finders mean no collectstatic step.
WHITENOISE_USE_FINDERS = True

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "tallyhour@localhost")
# The SMTP server invoices and reminders go through (with EMAIL_BACKEND set to Django's smtp one).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 30  # a hung server fails the attempt (retried) instead of holding the worker

# --- security -------------------------------------------------------------------------------
# HTTPS=1 is the production switch: TLS redirect, HSTS and secure cookies (see README).
HTTPS = env_bool("HTTPS", False)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", HTTPS)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", HTTPS)
SECURE_SSL_REDIRECT = HTTPS
# Load balancers probe health over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", 31536000 if HTTPS else 0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", HTTPS)
if env_bool("TRUST_X_FORWARDED_PROTO", False):  # behind a TLS-terminating load balancer
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# No inline script anywhere: pages load JS and CSS from our own static files only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Login throttling: 5 failures for one username from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("PROXY_COUNT", 0)) or None

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
