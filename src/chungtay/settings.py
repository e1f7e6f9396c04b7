"""Settings, all from the environment. The embedded default (no variable set) is a development server
on SQLite in ./var; production sets DJANGO_DEBUG=0, DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS and
DATABASE_URL=postgres://…"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = Path(os.environ.get("CHUNGTAY_HOME", Path.cwd())).resolve()
VAR_DIR = BASE_DIR / "var"


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DJANGO_DEBUG", True)
TESTING = env_bool("CHUNGTAY_TESTING", False)
_DEV_KEY = "dev-only-insecure-key-do-not-use-in-production-0123456789abcdefghijklmnopqrstuvwxyz"  # noqa: S105
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", _DEV_KEY if DEBUG or TESTING else "")
if not SECRET_KEY:
    raise RuntimeError("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off")
ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    "axes",
    "csp",
    "django_htmx",
    "js_lib_bootstrap5",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "django_rq",
    "dbbackup",
    "chungtay.core",
    "chungtay.accounts",
    "chungtay.directory",
    "chungtay.partnerships",
    "chungtay.matching",
    "chungtay.activities",
    "chungtay.support",
    "chungtay.analytics",
    "chungtay.reports",
    "chungtay.reviews",
    "chungtay.imports",
    "chungtay.api",
    "chungtay.pages",
    "chungtay.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "chungtay.core.uploads.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "chungtay.core.middleware.VietnameseFirstLocaleMiddleware",
    "chungtay.core.middleware.RefuseControlCharactersMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "chungtay.api.concurrency.VersionETagMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    "chungtay.accounts.idempotency.IdempotencyMiddleware",
    "chungtay.api.atomic.AtomicApiWritesMiddleware",
]

ROOT_URLCONF = "chungtay.urls"
WSGI_APPLICATION = "chungtay.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "chungtay.pages.context_processors.site",
            ],
            "builtins": ["chungtay.accounts.templatetags.idempotency"],
        },
    },
]

if not os.environ.get("DATABASE_URL"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)  # the embedded default keeps its SQLite file in ./var
_DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'chungtay.sqlite3'}"
# Seconds a web worker keeps its database connection between requests. On PostgreSQL a new connection per
# request (a server process started, authenticated and its catalogue caches filled, for the request and
# again for the cache's connection) cost the load test about a fifth of its throughput: 7.7-8.2
# requests/s with none kept, 9.1-10.1 with 60 s (benchmarks/load_test.py, runs interleaved on one
# machine). SQLite opens a file, and Django's development server serves each request in a thread of its
# own, so kept connections would only pile up there.
_KEEP_CONNECTIONS = "0" if _DATABASE_URL.startswith("sqlite") else "60"
DATABASES = {
    "default": dj_database_url.parse(
        _DATABASE_URL,
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", _KEEP_CONNECTIONS)),
        # a kept connection is checked before a request uses it: after a database restart the request
        # opens a new one instead of failing on the dead one
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # a server that does not answer is an error after 10 s, not a request (or a worker) hanging for ever
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 10)
    # The planner's cost of a random page read, for this app's connections. PostgreSQL's default (4)
    # assumes spinning disks: with it, reading an officer's 1,300 activities by their ids looked dearer
    # than scanning the country's 245,000, and a list's figures took 110 ms instead of 16 (national
    # benchmark). 1.1 is the usual value for SSD or a database held in memory; set 4 on spinning disks.
    page_cost = os.environ.get("CHUNGTAY_PG_RANDOM_PAGE_COST", "1.1")
    if page_cost:
        DATABASES["default"]["OPTIONS"].setdefault("options", f"-c random_page_cost={float(page_cost)}")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the task worker and the web server share the file; a busy timeout instead of "locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# The cache counts API requests per token for the rate limit, so it must be shared by every web worker:
# Redis with REDIS_URL; else the database (its own connection, so a request's rolled-back transaction
# never takes a count back). Only the embedded SQLite default (one development process) keeps it in memory.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
elif DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    DATABASES["cache"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
    DATABASE_ROUTERS = ["chungtay.core.cache.CacheRouter"]
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "chungtay_cache"}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The computed figures (core.datacache) have a cache of their own: their keys hold the data's
# version, so an entry kept by one web process is never older than the data, and they need not be shared.
# In the database cache every stored figure cost three queries (a count to cull, a read, a write): the
# public page, computed again, stored 150 of them, 447 of its 646 queries. In Redis they stay shared.
FIGURES_CACHE_ENTRIES = int(os.environ.get("CHUNGTAY_FIGURES_CACHE_ENTRIES", "3000"))  # per web process
CACHES["figures"] = (
    {**CACHES["default"], "KEY_PREFIX": "figures"}
    if REDIS_URL
    else {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "chungtay-figures",
        "OPTIONS": {"MAX_ENTRIES": FIGURES_CACHE_ENTRIES},  # type: ignore[dict-item]
    }
)

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Login throttling: five failures for one username from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# …and one address may fail this many times across all usernames (chungtay.accounts.network).
LOGIN_FAILURES_PER_ADDRESS = int(os.environ.get("CHUNGTAY_LOGIN_FAILURES_PER_ADDRESS", "30"))
# Reverse proxies whose X-Forwarded-For is believed (addresses or networks, comma-separated); empty: none.
TRUSTED_PROXIES = [p for p in os.environ.get("CHUNGTAY_TRUSTED_PROXIES", "").split(",") if p.strip()]
AXES_CLIENT_IP_CALLABLE = "chungtay.accounts.network.client_ip"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
FORMAT_MODULE_PATH = ["chungtay.formats"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# Uploaded files live where no URL serves them, in every mode, under random names; scoped views serve them
# (chungtay.core.files). Behind nginx or Apache, CHUNGTAY_FILES_SENDFILE=nginx|apache lets the web server
# send the bytes (X-Accel-Redirect to CHUNGTAY_FILES_ACCEL_PREFIX, an `internal` location aliased to
# PRIVATE_FILES_ROOT; or X-Sendfile).
PRIVATE_FILES_ROOT = Path(os.environ.get("CHUNGTAY_FILES_DIR", VAR_DIR / "private")).resolve()
PRIVATE_FILES_SENDFILE = os.environ.get("CHUNGTAY_FILES_SENDFILE", "").strip().lower()
PRIVATE_FILES_ACCEL_PREFIX = os.environ.get("CHUNGTAY_FILES_ACCEL_PREFIX", "/_private/")
MEDIA_ROOT = PRIVATE_FILES_ROOT
MEDIA_URL = "/_no_public_media/"  # never routed: private files have no URL
# Backups (`manage.py backup` / `restore`, django-dbbackup): the application's database only (not the
# database cache's alias, the same database on PostgreSQL), and no e-mail on failure (the command fails).
DBBACKUP_DATABASES = ["default"]
# /health/ answers 503 when the private files' disk has less free space than this
HEALTH_MIN_FREE_MB = int(os.environ.get("CHUNGTAY_HEALTH_MIN_FREE_MB", "500"))
DBBACKUP_SEND_EMAIL = False
STORAGES = {
    "default": {"BACKEND": "chungtay.core.files.PrivateStorage"},
    # where `manage.py backup` writes when no folder is given (django-dbbackup's storage)
    "dbbackup": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": str(Path(os.environ.get("CHUNGTAY_BACKUP_DIR", VAR_DIR / "backups")).resolve())
        },
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
MAX_REQUEST_MB = int(os.environ.get("CHUNGTAY_MAX_REQUEST_MB", "25"))  # files are checked further per kind
# an import's spreadsheet (read streamed, up to a million rows): its file limit (100 MB) and a margin
MAX_IMPORT_MB = int(os.environ.get("CHUNGTAY_MAX_IMPORT_MB", "101"))

# Uploads larger than this are checked and applied by the task worker, with progress on the page.
IMPORT_BACKGROUND_BYTES = int(os.environ.get("CHUNGTAY_IMPORT_BACKGROUND_BYTES", 512 * 1024))

# The task queue: in the database (one server, nothing more to run) or, to scale out, in Redis with
# django-tasks-rq (CHUNGTAY_TASK_BACKEND=redis, at REDIS_URL, default the local Redis). Either way
# `manage.py run_worker` runs the tasks and recovers what a dead worker left half-way (README,
# "Running in production").
TASK_BACKEND = os.environ.get("CHUNGTAY_TASK_BACKEND", "database").strip().lower()
if TASK_BACKEND not in ("database", "redis"):
    raise ImproperlyConfigured("CHUNGTAY_TASK_BACKEND must be 'database' or 'redis'.")
# A task may run this long before RQ stops it (a department's report with its estimates takes under a
# minute on the demo; a national import several).
TASK_TIMEOUT_SECONDS = int(os.environ.get("CHUNGTAY_TASK_TIMEOUT_SECONDS", 3600))
RQ_QUEUES = {
    "default": {"URL": REDIS_URL or "redis://127.0.0.1:6379/0", "DEFAULT_TIMEOUT": TASK_TIMEOUT_SECONDS}
}
# RQ's worker, stopping without a minute's wait on its listening thread (chungtay.core.rqworker)
RQ = {"WORKER_CLASS": "chungtay.core.rqworker.Worker"}
RQ_SHOW_ADMIN_LINK = TASK_BACKEND == "redis"  # the queues' page in the admin, for the superuser
TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
    if TESTING
    else {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}
    if TASK_BACKEND == "redis"
    else {"BACKEND": "django_tasks_db.DatabaseBackend"}
}

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "frame-ancestors": ["'none'"],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": ["'none'"],
    }
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 12
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "chungtay@localhost")

# The API: personal tokens, and pages of this many rows unless a client asks for fewer.
API_PAGE_SIZE = 50
# Requests a minute per API token (a clear 429 with Retry-After beyond it).
API_RATE_PER_MINUTE = int(os.environ.get("CHUNGTAY_API_RATE_PER_MINUTE", "300"))
API_MAX_PAGE_SIZE = 500
DIRECTORY_PAGE_SIZE = 25
SEARCH_MAX_LENGTH = 100

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}

# "Needs attention": a partnership with no held activity for this many weeks is quiet; commitments due
# within this many days are due soon. The weekly digest (`manage.py send_attention_digests`, run by cron)
# links back to SITE_URL.
# The department whose figures the public page (/cong-khai/) and the login page show; empty: the first
# department with a phase of the movement.
PUBLIC_DEPARTMENT = os.environ.get("CHUNGTAY_PUBLIC_DEPARTMENT", "")
ATTENTION_QUIET_WEEKS = int(os.environ.get("CHUNGTAY_QUIET_WEEKS", "8"))
# How long a computed figure stays in the cache at most; it is never served once the data changed
# (core.datacache.data_version), so this only bounds the cache's size.
FIGURES_CACHE_SECONDS = int(os.environ.get("CHUNGTAY_FIGURES_CACHE_SECONDS", "3600"))
ATTENTION_COMMITMENT_DAYS = int(os.environ.get("CHUNGTAY_COMMITMENT_DAYS", "14"))
SITE_URL = os.environ.get("CHUNGTAY_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
