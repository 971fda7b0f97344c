"""Settings for meijia, read from the environment (django-environ).

Secure by default: DEBUG is off unless asked for, the secret key is generated
into ``var/`` on first run and never committed, SQLite runs in WAL mode with
IMMEDIATE transactions so concurrent writers wait instead of failing.
"""

from __future__ import annotations

import datetime
import os
import secrets
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("MEIJIA_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

env = environ.Env(
    DEBUG=(bool, False),
    ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost"]),
    CSRF_TRUSTED_ORIGINS=(list, []),
    TIME_ZONE=(str, "Asia/Shanghai"),
    MEIJIA_HTTPS=(bool, False),
    MEIJIA_BEHIND_PROXY=(bool, False),
    MEIJIA_HSTS_SECONDS=(int, 365 * 24 * 3600),
    MEIJIA_HSTS_PRELOAD=(bool, False),
)
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def _secret_key() -> str:
    """Use SECRET_KEY from the environment, else one generated once into var/."""
    if env.str("SECRET_KEY", default=""):
        return env.str("SECRET_KEY")
    key_file = VAR_DIR / "secret_key"
    try:
        # Created readable by the owner only from the first byte; O_EXCL: two first starts never race.
        fd = os.open(key_file, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return key_file.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env("DEBUG")
ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "meijia.apps.MeijiaAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "csp",
    "talents",
    "contacts",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "talents.audit.AuditMiddleware",  # who acts, for the audit log (talents/audit.py)
    "django.contrib.messages.middleware.MessageMiddleware",
    "talents.accounts.SessionTimeoutMiddleware",
    "talents.accounts.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

ROOT_URLCONF = "meijia.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "talents.context_processors.organization",
                "talents.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "meijia.wsgi.application"
# Django's own widget templates written in Python, same HTML (meijia/form_renderer.py, issue 7).
FORM_RENDERER = "meijia.form_renderer.FastRenderer"


def _databases() -> dict:
    default = env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
    if default["ENGINE"] == "django.db.backends.sqlite3":
        # Measured: SQLite's defaults fail ~3 in 10 concurrent writes with
        # "database is locked"; WAL + IMMEDIATE + a busy timeout fails none.
        default.setdefault("OPTIONS", {}).update(
            {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            }
        )
        # Each worker keeps its connection (issue 7): SQLite's page cache lives in the connection, so a
        # new one per request re-reads the pages every query needs — measured 74 ms of CPU for the
        # cadre's home page instead of 44. Idle, a WAL connection holds no lock. PostgreSQL takes
        # conn_max_age in DATABASE_URL (docs/deployment.md).
        default.setdefault("CONN_MAX_AGE", 600)
    default.setdefault("ATOMIC_REQUESTS", False)
    return {"default": default}


DATABASES = _databases()
# No state in the process (issue 7, docs/deployment.md): sessions live in the database, and so does
# the cache unless CACHE_URL names Redis; several app servers behind nginx then share one database.
CACHES = {"default": env.cache_url("CACHE_URL", default="dbcache://meijia_cache")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts: 等保 2.0 level 2, 身份鉴别 (talents/accounts.py, docs/security.md) ----------------
# Passwords: at least PASSWORD_MIN_LENGTH characters mixing PASSWORD_MIN_CHARACTER_CLASSES of
# upper-case, lower-case, digits and symbols; not like the username or name; not a common password.
PASSWORD_MIN_LENGTH = env.int("PASSWORD_MIN_LENGTH", default=10)
PASSWORD_MIN_CHARACTER_CLASSES = env.int("PASSWORD_MIN_CHARACTER_CLASSES", default=3)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "talents.accounts.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {
        "NAME": "talents.accounts.CharacterClassesValidator",
        "OPTIONS": {"min_classes": PASSWORD_MIN_CHARACTER_CLASSES},
    },
]
# 定期更换: a password the user chose expires after PASSWORD_MAX_AGE_DAYS (0: never).
PASSWORD_MAX_AGE_DAYS = env.int("PASSWORD_MAX_AGE_DAYS", default=90)
if PASSWORD_MAX_AGE_DAYS < 0:
    raise ImproperlyConfigured("PASSWORD_MAX_AGE_DAYS must be 0 (never) or more.")
# The lockout check first (it authenticates no one), then the users table.
AUTHENTICATION_BACKENDS = ["talents.accounts.LockoutBackend", "talents.accounts.AccountBackend"]
# Lockout (django-axes): LOGIN_FAILURE_LIMIT failures lock the account, and the IP, for
# LOGIN_LOCKOUT_MINUTES; every failure and lockout is kept in AccessFailureLog, log-ins in AccessLog.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one reaching the limit locks
AXES_LOCKOUT_CALLABLE = "talents.accounts.lockout_response"
# Not axes' reset: it would also clear the IP's failures against other accounts (talents/accounts.py).
AXES_RESET_ON_SUCCESS = False
# Attempts while locked are recorded too, and the lock runs on from the latest of them.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# The client's address, for lockouts and the audit log (talents.accounts.client_ip): behind our TLS
# proxy (MEIJIA_BEHIND_PROXY), the address MEIJIA_PROXY_COUNT proxies from the right of X-Forwarded-For.
MEIJIA_BEHIND_PROXY = env("MEIJIA_BEHIND_PROXY")
MEIJIA_PROXY_COUNT = env.int("MEIJIA_PROXY_COUNT", default=1)
if MEIJIA_PROXY_COUNT < 1:
    raise ImproperlyConfigured("MEIJIA_PROXY_COUNT must be at least 1.")
AXES_CLIENT_IP_CALLABLE = "talents.accounts.client_ip"
# Sessions end after SESSION_IDLE_MINUTES without a request, and SESSION_MAX_HOURS after log-in.
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)
SESSION_MAX_HOURS = env.int("SESSION_MAX_HOURS", default=12)
if SESSION_IDLE_MINUTES < 1 or SESSION_MAX_HOURS < 1:
    raise ImproperlyConfigured("SESSION_IDLE_MINUTES and SESSION_MAX_HOURS must be at least 1.")
SESSION_COOKIE_AGE = SESSION_MAX_HOURS * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True  # shared office computers

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns at start-up when it is missing
# WhiteNoise serves static files from the app itself: intranet installs need no separate web server.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))

LOGIN_URL = "login"
LOGOUT_REDIRECT_URL = "login"
LOGIN_REDIRECT_URL = "/"

SESSION_COOKIE_HTTPONLY = True

# --- Transport and headers: 等保 2.0 level 2, 通信传输 (docs/security.md) --------------------
# `make run` serves plain HTTP on 127.0.0.1 for a demonstration; a real install sets MEIJIA_HTTPS
# and then `manage.py check --deploy` has nothing to warn about (tests/test_security_headers.py).
if env.str("SECURE_COOKIES", default=""):
    raise ImproperlyConfigured("SECURE_COOKIES was replaced by MEIJIA_HTTPS=true (README, 配置).")
MEIJIA_HTTPS = env("MEIJIA_HTTPS")
if env("MEIJIA_BEHIND_PROXY") and not MEIJIA_HTTPS:
    raise ImproperlyConfigured("MEIJIA_BEHIND_PROXY is for a proxy that terminates HTTPS: set MEIJIA_HTTPS=true too.")
if env("MEIJIA_BEHIND_PROXY"):
    # Trusted only because the proxy sets this header on every request (and drops the client's own).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = MEIJIA_HTTPS
SESSION_COOKIE_SECURE = MEIJIA_HTTPS
CSRF_COOKIE_SECURE = MEIJIA_HTTPS
# HSTS: browsers refuse plain HTTP for this host (and its subdomains) for a year once they saw HTTPS.
SECURE_HSTS_SECONDS = env("MEIJIA_HSTS_SECONDS") if MEIJIA_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = MEIJIA_HTTPS
# Preloading is a decision for whoever runs the registrable domain (often the county's gov.cn),
# hard to undo, and meaningless for an intranet name: off unless asked for, and its check silenced.
SECURE_HSTS_PRELOAD = MEIJIA_HTTPS and env("MEIJIA_HSTS_PRELOAD")
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"  # our own pages still send it: Django's CSRF check over HTTPS uses it
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp 4): our own files only, nothing inline unless it carries the
# request's nonce (`nonce="{{ request.csp_nonce }}"`), no plugins, no framing, forms post only to us.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "upgrade-insecure-requests": MEIJIA_HTTPS,
    }
}

# No mail unless EMAIL_URL names a server: urgent items still show in the app (R7).
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="dummymail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="meijia@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}

# --- The contact work -----------------------------------------------------------------
# From this month-day on, talents not yet contacted this year show a reminder (R9).
CONTACT_REMINDER_FROM = tuple(int(x) for x in env.str("CONTACT_REMINDER_FROM", default="10-01").split("-"))
# Default deadlines of the demand ledger by urgency, in working days (R14; petition-office practice).
DEMAND_DUE_WORKING_DAYS = {"urgent": 1, "pressing": 3, "normal": 10, "complex": 30}
# Overdue demands go to the leader in charge after this many days past their due date.
DEMAND_ESCALATE_AFTER_DAYS = env.int("DEMAND_ESCALATE_AFTER_DAYS", default=3)
# Photos from phones: refused above this size, stored re-encoded at most this many pixels a side.
PHOTO_MAX_BYTES = env.int("PHOTO_MAX_BYTES", default=10 * 1024 * 1024)
PHOTO_MAX_SIDE = 1600
PHOTO_MAX_PIXELS = 50_000_000  # a 50-megapixel phone camera; about 150 MB decoded
PHOTOS_PER_CONTACT = 6
