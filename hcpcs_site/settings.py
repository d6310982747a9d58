"""Settings for HCPCS Reference.

One file, driven by environment variables, that runs with none of them set: SQLite,
DEBUG on. `DJANGO_ENV=production` turns on the production checks and refuses to start
without a secret key and allowed hosts.
"""

import os
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def require(name: str) -> str:
    value = env_str(name)
    if not value:
        raise ImproperlyConfigured(f"{name} must be set when DJANGO_ENV=production")
    return value


ENVIRONMENT = env_str("DJANGO_ENV", "development")
if ENVIRONMENT not in {"development", "production"}:
    raise ImproperlyConfigured(f"DJANGO_ENV must be development or production, not {ENVIRONMENT!r}")
PRODUCTION = ENVIRONMENT == "production"
TESTING = "pytest" in sys.modules or env_bool("DJANGO_TESTING", False)

if PRODUCTION:
    SECRET_KEY = require("DJANGO_SECRET_KEY")
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS") or [require("DJANGO_ALLOWED_HOSTS")]
    DEBUG = env_bool("DJANGO_DEBUG", False)
else:
    # Development only: never used when DJANGO_ENV=production.
    SECRET_KEY = env_str("DJANGO_SECRET_KEY", "django-insecure-development-key-not-for-production")
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
    DEBUG = env_bool("DJANGO_DEBUG", not TESTING)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_filters",
    "csp",
    "axes",
    "codes",
]

MIDDLEWARE = [
    "codes.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside the session, CSRF, auth and header middleware: a stored page (which keeps
    # the headers they added) or a 304 is answered without running them.
    "codes.caching.ConditionalPageMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "hcpcs_site.urls"
WSGI_APPLICATION = "hcpcs_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            # The project's own templates lose their layout whitespace when loaded
            # (hcpcs_site/template_loaders.py); the apps' templates are read as they are.
            "loaders": [
                (
                    "django.template.loaders.cached.Loader",
                    [
                        "hcpcs_site.template_loaders.Loader",
                        "django.template.loaders.app_directories.Loader",
                    ],
                )
            ],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "codes.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL: pages keep reading (each in its own snapshot) while an import writes and
    # commits; with the default rollback journal they waited for the commit, up to a
    # second or two. Writers still take turns: one waits for another up to the busy
    # timeout, well over an import's transaction (3-5 s) and under gunicorn's 60 s.
    # Transactions stay DEFERRED: a page's read snapshot (codes.caching.one_snapshot)
    # must not take the write lock; the import commands begin theirs IMMEDIATE
    # (codes.management.importing).
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault(
        "init_command",
        f"PRAGMA busy_timeout={env_int('DATABASE_BUSY_TIMEOUT_MS', 20_000)}; "
        "PRAGMA journal_mode=WAL",
    )
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "DEFERRED")
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The whole data set is a few megabytes and stays in memory, where PostgreSQL's
    # default random_page_cost (4, for spinning disks) makes the planner read every
    # code's search vector instead of using the GIN index: 7 ms instead of 0.4 ms for a
    # broad search. Behind a pooler that drops startup options (PgBouncer in transaction
    # mode), set it on the database instead: ALTER DATABASE ... SET random_page_cost.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "options", f"-c random_page_cost={env_str('DATABASE_RANDOM_PAGE_COST', '1.1')}"
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Admin login throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one
# username from one address, that pair is refused (even with the right password) until
# AXES_COOLOFF_TIME has passed since the last attempt; a successful login resets the count.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("DJANGO_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("DJANGO_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "codes.login_protection.lockout_response"
AXES_CLIENT_IP_CALLABLE = "codes.login_protection.client_ip"
# How many proxies in front of gunicorn append to X-Forwarded-For (0: trust none of it).
TRUSTED_PROXY_COUNT = env_int("DJANGO_TRUSTED_PROXY_COUNT", 0)

if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if TESTING or DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_MAX_AGE = 31536000 if not DEBUG else 0
# Tests run without collectstatic: serve static/ straight from the finders there.
WHITENOISE_USE_FINDERS = DEBUG or TESTING
# ...looked up per request, so a missing STATIC_ROOT is not a warning in every test.
WHITENOISE_AUTOREFRESH = DEBUG or TESTING

# Where `make setup` and `import_hcpcs --all` look for CMS releases.
_shared_data = BASE_DIR.parent / "shared" / "data" / "hcpcs"
HCPCS_DATA_DIR = Path(
    env_str(
        "HCPCS_DATA_DIR",
        str(_shared_data if _shared_data.is_dir() else BASE_DIR / "data" / "releases"),
    )
)

# Where `make setup` and `import_asp --all` look for ASP drug pricing quarters.
_shared_asp = BASE_DIR.parent / "shared" / "data" / "asp"
ASP_DATA_DIR = Path(
    env_str("ASP_DATA_DIR", str(_shared_asp if _shared_asp.is_dir() else BASE_DIR / "data" / "asp"))
)

ADMIN_PATH = env_str("DJANGO_ADMIN_PATH", "admin/").strip("/") + "/"

# Pages change only when a release is imported: browsers and CDNs keep them this long,
# then revalidate (ETag / Last-Modified) and get a 304 until the next import.
HTTP_CACHE_MAX_AGE = env_int("HTTP_CACHE_MAX_AGE", 300)
HTTP_CACHE_STALE_WHILE_REVALIDATE = env_int("HTTP_CACHE_STALE_WHILE_REVALIDATE", 3600)
# Rendered pages are also kept, keyed by the data version, so a page is rendered once
# per import. Off under tests, whose query counts expect rendering.
HTTP_PAGE_CACHE = env_bool("HTTP_PAGE_CACHE", not TESTING)
# Where rendered pages are kept (codes/caching.py; `warm_pages` fills it after an import).
# REDIS_URL: one Redis for every app server. Otherwise files under HTTP_PAGE_STORE_DIR,
# shared by every process and restart on this host. HTTP_PAGE_STORE=memory keeps them
# per process instead (the only store under tests, whose assertions read it).
REDIS_URL = env_str("REDIS_URL")
HTTP_PAGE_STORE = env_str("HTTP_PAGE_STORE", "memory" if TESTING else "shared")
if HTTP_PAGE_STORE not in {"memory", "shared"}:
    raise ImproperlyConfigured(f"HTTP_PAGE_STORE must be memory or shared, not {HTTP_PAGE_STORE!r}")
HTTP_PAGE_STORE_DIR = Path(env_str("HTTP_PAGE_STORE_DIR", str(BASE_DIR / "var" / "pages")))
# Keys name the data version, so an old version's pages are never read again; this
# bounds how long they take space in a shared store.
HTTP_PAGE_STORE_SECONDS = env_int("HTTP_PAGE_STORE_SECONDS", 7 * 24 * 3600)
if HTTP_PAGE_STORE == "memory":
    PAGE_STORE: dict[str, Any] = {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "pages",
        "TIMEOUT": None,
        # About 30 KB a page: at most ~30 MB per process.
        "OPTIONS": {"MAX_ENTRIES": env_int("HTTP_PAGE_CACHE_ENTRIES", 1000)},
    }
elif REDIS_URL:
    PAGE_STORE = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "TIMEOUT": HTTP_PAGE_STORE_SECONDS,
        "KEY_PREFIX": "hcpcs",
    }
else:
    PAGE_STORE = {
        "BACKEND": "codes.pagestore.PageFileCache",
        "LOCATION": HTTP_PAGE_STORE_DIR,
        "TIMEOUT": HTTP_PAGE_STORE_SECONDS,
        # Pages are stored zlib-compressed, about 6 KB each: a few versions of every page.
        "OPTIONS": {"MAX_ENTRIES": env_int("HTTP_PAGE_CACHE_ENTRIES", 40000)},
    }
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "pages": PAGE_STORE,
}

# Security headers apply everywhere so tests see them; HSTS and secure cookies only in
# production, where the site is served over HTTPS.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    # Load balancers probe over plain HTTP; a redirect would take the site out of rotation.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "structured": {
            "format": "%(asctime)s level=%(levelname)s logger=%(name)s %(message)s",
        },
    },
    "filters": {
        "without_traceback": {"()": "codes.middleware.WithoutTraceback"},
    },
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "formatter": "structured"},
    },
    "root": {"handlers": ["stderr"], "level": env_str("DJANGO_LOG_LEVEL", "WARNING")},
    "loggers": {
        "django": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
        # Any client can send a bad Host header: one line each, not a traceback.
        "django.security.DisallowedHost": {
            "handlers": ["stderr"],
            "level": "WARNING",
            "filters": ["without_traceback"],
            "propagate": False,
        },
        "codes": {
            "handlers": ["stderr"],
            "level": env_str("DJANGO_LOG_LEVEL", "INFO"),
            "propagate": False,
        },
    },
}

# Where `make setup` and `import_dmepos --all` look for DMEPOS fee schedule quarters.
_shared_dmepos = BASE_DIR.parent / "shared" / "data" / "dmepos"
DMEPOS_DATA_DIR = Path(
    env_str(
        "DMEPOS_DATA_DIR",
        str(_shared_dmepos if _shared_dmepos.is_dir() else BASE_DIR / "data" / "dmepos"),
    )
)
