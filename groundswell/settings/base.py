"""Settings shared by every profile. Everything that differs between machines comes from the environment."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
import xstatic.pkg.leaflet as xstatic_leaflet
import xstatic.pkg.leaflet_markercluster as xstatic_markercluster
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent  # the groundswell package
REPO_DIR = BASE_DIR.parent
VAR_DIR = Path(os.environ.get("GROUNDSWELL_VAR_DIR", REPO_DIR / "var"))
# The open data the demo, tests and benchmarks read (boundaries, results, ...): shipped in the repository.
DATA_DIR = Path(os.environ.get("GROUNDSWELL_DATA", REPO_DIR / "data"))


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-change-me")
# Old keys still accepted when checking signatures (sessions, callers' seat tokens, unsubscribe links in emails
# already sent) while a new SECRET_KEY takes over: docs/operations.md, "Secrets and key rotation".
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "django_filters",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "groundswell.core",
    "groundswell.geography",
    "groundswell.people",
    "groundswell.accounts",
    "groundswell.audit",
    "groundswell.questions",
    "groundswell.register",
    "groundswell.canvassing",
    "groundswell.gotv",
    "groundswell.phonebank",
    "groundswell.targeting",
    "groundswell.surveys",
    "groundswell.ballots",
    "groundswell.selections",
    "groundswell.bench",
    "anymail",
    "groundswell.messaging",
    "groundswell.donations",
    "groundswell.events",
    "groundswell.complaints",
    "groundswell.spending",
    "groundswell.payments",
    "groundswell.dues",
    "groundswell.fundraising",
    "groundswell.tours",
    "groundswell.ops",
]

MIDDLEWARE = [
    "groundswell.core.metrics.RequestMetricsMiddleware",  # first, so its timing covers every other middleware
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "groundswell.accounts.middleware.RequireTwoFactorMiddleware",
    "groundswell.core.middleware.UnstorableTextMiddleware",  # a NUL PostgreSQL cannot store: 400, not 500
]

# SQLite ignores an index's INCLUDE columns (the events map's covering index is for PostgreSQL); said once here.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

ROOT_URLCONF = "groundswell.urls"
WSGI_APPLICATION = "groundswell.wsgi.application"

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
                "groundswell.core.context_processors.groundswell",
            ],
        },
    }
]

DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'groundswell.sqlite3'}"
# Persistent connections, checked before reuse so the app carries on after a database restart.
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers carry on while an import writes; the timeout makes concurrent writers wait
    # instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
# Behind PgBouncer in transaction mode a server-side cursor (QuerySet.iterator) cannot outlive its transaction.
if env_bool("DATABASE_TRANSACTION_POOLING"):
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The phonebank's caller API: `next` and `result` served beside Django's request cycle (groundswell/core/fastpath.py),
# and contacts handed out from per-process blocks (groundswell/phonebank/leasing.py; PostgreSQL).
PHONEBANK_LEAN_API = env_bool("PHONEBANK_LEAN_API", True)
PHONEBANK_BLOCK_SIZE = int(os.environ.get("PHONEBANK_BLOCK_SIZE", "16"))
PHONEBANK_BLOCK_SECONDS = int(os.environ.get("PHONEBANK_BLOCK_SECONDS", "60"))

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "core:dashboard"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_ALLOW_REGISTRATION = False
ACCOUNT_ADAPTER = "groundswell.accounts.adapters.AccountAdapter"
ACCOUNT_LOGOUT_ON_GET = False
# Lockout: after 5 failed logins for one account (from any address) it is refused for 15 minutes.
ACCOUNT_RATE_LIMITS = {"login_failed": "5/15m/key,20/15m/ip"}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Groundswell"
# Accept the code either side of the current 30 s window: phone clocks drift, and a code typed at :29 lands at :31.
MFA_TOTP_TOLERANCE = 1

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# Uploaded files (invoices, evidence) are private: no MEDIA_URL is served; views stream them after an access
# check. `groundswell backup` includes this directory.
MEDIA_ROOT = Path(os.environ.get("GROUNDSWELL_MEDIA_ROOT", VAR_DIR / "media"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Leaflet comes from its PyPI package (a dependency), never copied into the repo.
STATICFILES_DIRS += [("leaflet", xstatic_leaflet.BASE_DIR), ("leaflet-markercluster", xstatic_markercluster.BASE_DIR)]

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Groundswell <noreply@groundswell.invalid>")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON only, through a parser that answers 400/413 for every body it cannot safely hand on (nesting,
    # NUL bytes, bad encodings, size); form and multipart bodies are a 415.
    "DEFAULT_PARSER_CLASSES": ["groundswell.core.api_parsers.SafeJSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "EXCEPTION_HANDLER": "groundswell.core.api.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "groundswell.core.api_parsers.Pagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {"anon": "60/min", "user": "600/min"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Groundswell API",
    "DESCRIPTION": "People, memberships, tags and organisation units, using OSDI resource names where they fit.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "groundswell.core.api.add_error_responses",
    ],
}

# The cache holds login lockouts (allauth), public survey rate limits and API throttles as well as time-boxed
# boundary trees. With REDIS_URL (e.g. redis://127.0.0.1:6379/0) it is shared by every process and server, so a
# lockout or limit holds wherever the next request lands; without it each process counts on its own.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "groundswell"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The task queue is a database table (django-tasks-db) unless TASKS_BACKEND says otherwise. TASKS_BACKEND=rq puts it
# in Redis (django-tasks-rq, the `redis-tasks` extra) at TASKS_REDIS_URL, else REDIS_URL, worked by
# `groundswell rqworker default --with-scheduler`: deploy/README.md, "Redis for tasks".
TASKS_BACKEND = os.environ.get("TASKS_BACKEND") or "django_tasks_db.DatabaseBackend"
if TASKS_BACKEND in {"rq", "django_tasks_rq.RQBackend"}:
    TASKS_REDIS_URL = os.environ.get("TASKS_REDIS_URL") or REDIS_URL
    if not TASKS_REDIS_URL:
        raise ImproperlyConfigured("TASKS_BACKEND=rq needs TASKS_REDIS_URL or REDIS_URL (redis://host:6379/1).")
    INSTALLED_APPS += ["django_rq"]
    # No time limit (RQ's default kills a task after 180 s), as under db_worker: a throttled send is one long task.
    RQ_QUEUES = {"default": {"URL": TASKS_REDIS_URL, "DEFAULT_TIMEOUT": -1}}
    RQ = {"JOB_CLASS": "django_tasks_rq.Job"}  # the worker runs django-tasks' tasks, not plain functions
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
else:
    TASKS = {"default": {"BACKEND": TASKS_BACKEND}}

# LOG_FORMAT=json writes one JSON object a line (groundswell/core/jsonlog.py); production's default.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "groundswell.core.jsonlog.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT if LOG_FORMAT == "json" else "text"}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    # The scheduler says what each round did; its failures are errors whatever LOG_LEVEL is.
    "loggers": {"groundswell.scheduler": {"level": os.environ.get("SCHEDULER_LOG_LEVEL", "INFO")}},
}

# /metrics (Prometheus) answers staff, or a scraper sending "Authorization: Bearer <METRICS_TOKEN>".
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
# /healthz calls the worker "stale" when no task has finished for this long (the scheduler queues a heartbeat
# task every 5 minutes, so a live worker is never quiet for longer).
WORKER_STALE_SECONDS = int(os.environ.get("WORKER_STALE_SECONDS", "900"))

# The demo is built around one real constituency.
DEMO_CONSTITUENCY_CODE = "E14000889"  # Reading East, 2010–2024 boundaries
# A full register import refuses to mark more than this share of the live electors deleted (a truncated or
# wrong file looks exactly like that) unless run with --allow-shrink; see groundswell/register/importing.py.
REGISTER_MAX_SHRINK = float(os.environ.get("REGISTER_MAX_SHRINK", "0.10"))

# Messaging (groundswell.messaging). Links in emails (unsubscribe) need the public address of the site.
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# The SMS provider adapter (dotted path); the fake one records messages in memory and sends nothing.
SMS_ADAPTER = os.environ.get("SMS_ADAPTER", "groundswell.messaging.sms.FakeSmsAdapter")
# Shared secret the SMS provider's inbound/status webhooks must send (header X-Groundswell-Token).
SMS_WEBHOOK_SECRET = os.environ.get("SMS_WEBHOOK_SECRET", "")
# Email provider webhooks (bounces, complaints, opens, clicks) arrive through django-anymail's Postmark
# tracking webhook at /messaging/anymail/postmark/tracking/, protected by HTTP basic auth "user:password".
ANYMAIL = {"WEBHOOK_SECRET": os.environ.get("ANYMAIL_WEBHOOK_SECRET", "")}
if os.environ.get("POSTMARK_SERVER_TOKEN"):
    ANYMAIL["POSTMARK_SERVER_TOKEN"] = os.environ["POSTMARK_SERVER_TOKEN"]
# The sending task's lease on a batch of recipients (seconds) and batch size; see messaging/sending.py.
MESSAGING_LEASE_SECONDS = int(os.environ.get("MESSAGING_LEASE_SECONDS", "120"))
MESSAGING_BATCH_SIZE = int(os.environ.get("MESSAGING_BATCH_SIZE", "200"))
# Public survey links: submissions per client address per window (groundswell/surveys/ratelimit.py).
SURVEYS_PUBLIC_RATE_LIMIT = int(os.environ.get("SURVEYS_PUBLIC_RATE_LIMIT", "20"))
SURVEYS_PUBLIC_RATE_WINDOW = int(os.environ.get("SURVEYS_PUBLIC_RATE_WINDOW", "3600"))

# Audit checkpoints (groundswell/audit/checkpoints.py): the chain's head, appended to this file (kept outside the
# database; backups include it) after every AUDIT_CHECKPOINT_EVERY entries and by `groundswell audit checkpoint`.
# Empty turns checkpoints off. The optional sink also gets each one: syslog://host:port, https://… (JSON POST) or
# the data-protection officer's email address (comma-separate several).
AUDIT_CHECKPOINT_FILE = os.environ.get("AUDIT_CHECKPOINT_FILE", str(VAR_DIR / "audit-checkpoints.jsonl"))
AUDIT_CHECKPOINT_EVERY = int(os.environ.get("AUDIT_CHECKPOINT_EVERY", "100"))
AUDIT_CHECKPOINT_SINK = os.environ.get("AUDIT_CHECKPOINT_SINK", "")

# Payments (groundswell.payments): which provider takes cards and Direct Debits ("fake" runs offline), their keys
# and webhook secrets (docs/operations.md, "Payment providers"), and the key of payment-method fingerprints.
PAYMENTS_CARD_PROVIDER = os.environ.get("PAYMENTS_CARD_PROVIDER", "fake")
PAYMENTS_DD_PROVIDER = os.environ.get("PAYMENTS_DD_PROVIDER", "fake")
PAYMENTS_FINGERPRINT_KEY = os.environ.get("PAYMENTS_FINGERPRINT_KEY", "")
PAYMENTS_FAKE_WEBHOOK_SECRET = os.environ.get("PAYMENTS_FAKE_WEBHOOK_SECRET", "")
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
GOCARDLESS_ACCESS_TOKEN = os.environ.get("GOCARDLESS_ACCESS_TOKEN", "")
GOCARDLESS_ENVIRONMENT = os.environ.get("GOCARDLESS_ENVIRONMENT", "sandbox")
GOCARDLESS_WEBHOOK_SECRET = os.environ.get("GOCARDLESS_WEBHOOK_SECRET", "")
# A payment paid this many days ago and in no payout yet is listed as a difference on the reconciliation report.
PAYMENTS_PAYOUT_GRACE_DAYS = int(os.environ.get("PAYMENTS_PAYOUT_GRACE_DAYS", "7"))
