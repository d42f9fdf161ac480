"""Settings for Archive, read from the environment.

With nothing set, Archive runs in development mode: DEBUG on, SQLite in the
project folder, local media. Setting ``DEBUG=false`` switches to production
mode, which refuses to start without ``SECRET_KEY`` and ``ALLOWED_HOSTS`` and
turns on the HTTPS hardening that ``manage.py check --deploy`` asks for.
"""

import datetime as dt
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)


def _development_secret_key() -> str:
    """A random key kept in a git-ignored file, so sessions survive the autoreloader."""
    key_file = BASE_DIR / ".dev-secret-key"
    if not key_file.exists():
        key_file.write_text(get_random_secret_key())
    return key_file.read_text().strip()


if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="") or _development_secret_key()
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
else:
    SECRET_KEY = env.str("SECRET_KEY", default="")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
    if not SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "nested_admin",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "csp",
    "axes",
    "reversion",
    "articles",
    "api",
    "history",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outside everything that answers, so that every page and JSON answer carries it.
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # Inside CORS, so that the JSON errors carry the CORS headers too.
    "api.middleware.JsonApiErrorsMiddleware",
    # Inside CORS, so that a 304 carries the CORS headers too.
    "archive.conditional.SuccessfulConditionalGetMiddleware",
    "archive.slashes.SlashRedirectMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "archive.replicas.ReplicaReadMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "archive.outage.DatabaseUnavailableMiddleware",
    "archive.outage.MediaStorageUnavailableMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into its 429 answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "archive.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "archive.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# Replicas of the primary, comma-separated; anonymous API reads are spread over them.
for number, url in enumerate(env.list("DATABASE_REPLICA_URLS", default=[]), start=1):
    # Tests run against the primary's test database, which the replicas mirror.
    DATABASES[f"replica{number}"] = {**env.db_url_config(url), "TEST": {"MIRROR": "default"}}
REPLICA_DATABASES = [alias for alias in DATABASES if alias != "default"]
DATABASE_ROUTERS = ["archive.replicas.ReplicaRouter"]

for database in DATABASES.values():
    if database["ENGINE"] != "django.db.backends.sqlite3":
        # Persistent connections: a request should not pay for opening one.
        database["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
        database["CONN_HEALTH_CHECKS"] = True
        # Parameters bound by the server, so that psycopg can prepare a query the fifth
        # time a connection sends it and PostgreSQL stops planning it afresh: the API's
        # queries repeat with new values, and a kept plan serves them all.
        database["OPTIONS"] = {
            **database.get("OPTIONS", {}),
            "server_side_binding": True,
            "prepare_threshold": 5,
        }


def redis_cache(location: str) -> dict:
    """A Redis cache that degrades instead of failing (``archive.cache``): when Redis fails
    a call or does not answer within a second, the error is logged and counted, and the
    cache answers as one that holds nothing for a few seconds, so reads go on from the
    database and writes still commit (``articles.caching`` retires the generation once
    Redis is back)."""
    return {
        "BACKEND": "archive.cache.DegradingRedisCache",
        "LOCATION": location,
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
    }


# A shared Redis cache when CACHE_URL is redis://host:6379/0; without it, one per process.
CACHE_URL = env.str("CACHE_URL", default="locmemcache://")
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {"default": redis_cache(CACHE_URL)}
else:
    CACHES = {"default": env.cache_url_config(CACHE_URL)}
CACHES["default"]["KEY_PREFIX"] = env.str("CACHE_KEY_PREFIX", default="archive")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Admin logins are throttled (django-axes): after AXES_FAILURE_LIMIT failed attempts from
# one address, or for one username from one address, further attempts answer 429 until
# the cool-off has passed. Failures are kept in the database, shared by every app server.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["ip_address", ["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "archive.logins.client_address"
AXES_VERBOSE = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "archive.storage.MediaStorage"},
    # Admin uploads waiting for the editor's confirmation: never served, and shared by
    # every app server when media is in S3 (a private prefix of the bucket).
    "import_stash": {
        "BACKEND": "archive.storage.MediaStorage",
        "OPTIONS": {"location": env.path("IMPORT_STASH_ROOT", default=BASE_DIR / "import-stash")},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# MEDIA_STORAGE=s3 keeps images in S3-compatible object storage, so app servers hold no
# files; it is the default in production mode (MEDIA_STORAGE=local opts out, for a
# single-machine deployment). boto3 reads the credentials (AWS_ACCESS_KEY_ID,
# AWS_SECRET_ACCESS_KEY) itself.
MEDIA_STORAGE = env.str("MEDIA_STORAGE", default="local" if DEBUG else "s3")
if MEDIA_STORAGE not in ("local", "s3"):
    raise ImproperlyConfigured("MEDIA_STORAGE must be 'local' or 's3'.")
if MEDIA_STORAGE == "s3":
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default=None),
            "region_name": env.str("AWS_S3_REGION_NAME", default=None),
            "custom_domain": env.str("AWS_S3_CUSTOM_DOMAIN", default=None),
            # Archive images are public: plain URLs that a CDN can cache.
            "querystring_auth": False,
            "file_overwrite": False,
        },
    }
    STORAGES["import_stash"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            **STORAGES["default"]["OPTIONS"],
            "location": "import-stash",
            "default_acl": "private",
            "querystring_auth": True,
        },
    }

# Imports run as jobs on a Celery queue (articles.importing.jobs). With CELERY_BROKER_URL
# set (redis://host:6379/1: the cache's Redis may serve, on a database of its own) they go
# to workers, started with `celery -A archive worker`; with nothing set they run at once in
# the process that asked, so development needs no worker. A job's message is acknowledged
# only once the job is done: a worker that dies mid-job leaves it to be delivered again,
# at once when a pool process dies, after the visibility timeout when the whole worker
# does, and the job then goes on with the files not yet imported.
TASK_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not TASK_BROKER_URL
# Eager tasks never reach a broker; the in-memory one keeps Celery from looking for one.
CELERY_BROKER_URL = TASK_BROKER_URL or "memory://"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# A worker takes one job at a time, so a second worker gets the next one.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Every job's state and report are ImportJob rows: Celery keeps no results.
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Seconds before a message a worker took and never acknowledged goes to another:
    # longer than the longest import job, since the job may otherwise run twice at once
    # (which the per-file claims make safe, but slower).
    "visibility_timeout": 60 * 60,
    # Keys kept apart from other users of the same Redis database.
    "global_keyprefix": "archive-tasks:",
    # Any of kombu's Redis transport options, as JSON: {"visibility_timeout": 600}.
    **env.json("CELERY_BROKER_TRANSPORT_OPTIONS", default={}),
}
# How long a job's uploaded files are kept after it finishes: an admin dry run's files
# wait that long for the editor's confirmation.
IMPORT_STASH_MAX_AGE = dt.timedelta(hours=env.int("IMPORT_STASH_MAX_AGE_HOURS", default=24))

# The seed article and the interchange samples: ``manage.py loaddata seed``.
FIXTURE_DIRS = [BASE_DIR / "fixtures"]

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": [
        # DRF's, passing stored documents through (api.documents).
        "api.renderers.JSONRenderer",
        # DRF's own, allowing the inline styles its templates hold (api.renderers).
        "api.renderers.BrowsableAPIRenderer",
    ],
    # Token first: its WWW-Authenticate challenge makes an anonymous write a 401, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "api.permissions.ModelPermissionsOrAnonReadOnly",
    ],
    # JSON bodies only (form encodings cannot say null or an empty byline), within size
    # and nesting limits (api.parsers).
    "DEFAULT_PARSER_CLASSES": ["api.parsers.BoundedJSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.NumberedPagination",
    "DEFAULT_SCHEMA_CLASS": "api.schema.ArchiveAutoSchema",
    # Docstrings are for readers of the code, not for OPTIONS or the browsable API.
    "VIEW_DESCRIPTION_FUNCTION": "api.schema.view_description",
    # Anonymous clients share a budget per IP address; editors are not throttled.
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": env.str("ANON_THROTTLE_RATE", default="120/minute")},
    # Clients are told apart by address. Without this, DRF believes any X-Forwarded-For a
    # client sends, and a new made-up address would buy a fresh budget. Behind N proxies
    # that each append to X-Forwarded-For, set NUM_PROXIES=N.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Archive API",
    "DESCRIPTION": "Read the newspaper archive: publications, issues, articles, authors, "
    "books, images and topics.\n\n"
    "**For research.** How often the paper wrote about miners, year by year: "
    "`GET /api/v1/articles/counts/?q=miners&by=year` (also `by=month`, `issue`, `author`, "
    "`topic`, with any article filter). The ten most relevant of those articles as one "
    "BibTeX file: `GET /api/v1/articles/?q=miners&page_size=10&format=bibtex` (or "
    "`format=ris`, `format=csl`). What else to read beside an article: "
    "`GET /api/v1/articles/{slug}/related/`. Which issues the archive holds: "
    "`GET /api/v1/publications/{slug}/coverage/`.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Docstrings are for readers of the code: the API's descriptions are declared
    # (extend_schema, extend_schema_serializer, help_text). See api.schema.
    "DISABLE_DOCSTRING_DESCRIPTIONS": True,
    # Every operation's error answers (api.schema).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.document_error_responses",
    ],
    # The docs page loads Swagger UI from our own static files, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # A revision's action is named apart from the import report's.
    "ENUM_NAME_OVERRIDES": {
        "RevisionActionEnum": "history.models.Change.Action",
        "ImportJobStatusEnum": "articles.models.ImportJob.Status",
        "StatusEnum": "articles.models.Article.Status",
    },
}

# Seconds that browsers and shared caches may keep an anonymous API response.
# Where a website built on the API shows articles, issues and authors (api.frontend).
FRONTEND_URLS = env.str("FRONTEND_URLS", default="")

API_CACHE_MAX_AGE = env.int("API_CACHE_MAX_AGE", default=60)
# How long an anonymous API response stays in the shared cache. Edits retire cached
# responses at once (articles.caching); this bounds only how late a scheduled article
# whose publication time passes can appear.
API_RESPONSE_CACHE_SECONDS = env.int("API_RESPONSE_CACHE_SECONDS", default=300)

# Seconds the change feed (/api/v1/changes/) stays behind the present: an event is listed
# once every write that could be dated before it has had this long to commit (api.changes).
CHANGES_FEED_DELAY = env.int("CHANGES_FEED_DELAY", default=5)

# The headless front end's preview page, e.g. https://www.example.org/preview?token={token}:
# the admin's "Preview on the website" opens it with a signed token (api.previews).
FRONTEND_PREVIEW_URL = env.str("FRONTEND_PREVIEW_URL", default="")
if FRONTEND_PREVIEW_URL and "{token}" not in FRONTEND_PREVIEW_URL:
    raise ImproperlyConfigured("FRONTEND_PREVIEW_URL must contain {token}.")

# Front ends on other origins that may call the API from a browser.
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/"
# Headers that browser code on those origins may read, beyond the safelisted ones.
CORS_EXPOSE_HEADERS = ["ETag", "Link", "X-Total-Count", "Retry-After"]

# django-redis logs the cache errors it absorbs (``redis_cache``) on the root logger.
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# Content-Security-Policy on every answer (django-csp): scripts and styles from this
# site's own static files only, none inline, nothing evaluated; the admin, Swagger UI
# (``api/docs.html``) and the home page need no more. Images may also come from the
# media storage's origin, and ``data:`` URLs, which Swagger UI's icons are.
_MEDIA_ORIGINS = []
if MEDIA_STORAGE == "s3":
    _storage = STORAGES["default"]["OPTIONS"]
    if _storage["custom_domain"]:
        _MEDIA_ORIGINS = [f"https://{_storage['custom_domain']}"]
    elif _storage["endpoint_url"]:
        _MEDIA_ORIGINS = [_storage["endpoint_url"].rstrip("/")]
    else:
        _MEDIA_ORIGINS = ["https://*.amazonaws.com"]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *_MEDIA_ORIGINS],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

if not DEBUG:
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
