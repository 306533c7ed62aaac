"""Settings for the CLP campaign platform, all read from the environment (see .env.example).

Two shapes: the embedded trial (no variables: SQLite, tasks run in-process, demo mode allowed)
and production (CLP_ENVIRONMENT=production: Postgres, Redis, secure cookies, no demo mode).
"""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from clp.env import (
    database_from_url,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_networks,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent

ENVIRONMENT = env_choice("CLP_ENVIRONMENT", ("development", "production"), "development")
PRODUCTION = ENVIRONMENT == "production"

# Demo mode: predictable demo logins and no MFA requirement. Only for a trial on a laptop.
DEMO_MODE = env_bool("CLP_DEMO_MODE", False)
if PRODUCTION and DEMO_MODE:
    raise ImproperlyConfigured(
        "CLP_DEMO_MODE cannot be switched on when CLP_ENVIRONMENT=production: demo mode turns "
        "off the MFA requirement and uses published passwords."
    )

DEBUG = env_bool("DJANGO_DEBUG", not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DJANGO_DEBUG must be false when CLP_ENVIRONMENT=production.")

if PRODUCTION:
    SECRET_KEY = env_str("DJANGO_SECRET_KEY")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be at least 50 random characters.")
else:
    SECRET_KEY = env_str(
        "DJANGO_SECRET_KEY", "insecure-development-key-only-for-a-laptop-trial-0123456789abcdef"
    )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must list the site's host names.")
CSRF_TRUSTED_ORIGINS = env_list(
    "DJANGO_CSRF_TRUSTED_ORIGINS", [f"https://{host}" for host in ALLOWED_HOSTS if host]
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_htmx",
    "import_export",
    "csp",
    "clp",
    "members",
    "canvassing",
    "phonebank",
    "pollingday",
    "promote",
    "reporting",
    "gdpr",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "clp.middleware.RequireMfaForBroadRolesMiddleware",
]

ROOT_URLCONF = "clp.urls"
WSGI_APPLICATION = "clp.wsgi.application"
SITE_ID = 1

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
                "clp.context_processors.navigation",
            ],
        },
    },
]

# Database: Postgres when DATABASE_URL is set, else an SQLite file beside manage.py.
DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": database_from_url(DATABASE_URL, pool_max_size=env_int("DATABASE_POOL_SIZE", 10))
    }
else:
    if PRODUCTION:
        raise ImproperlyConfigured("DATABASE_URL must point at Postgres in production.")
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "clp.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth: email login, invitation only (see clp.adapters), TOTP with recovery codes.
ACCOUNT_ADAPTER = "clp.adapters.InvitationOnlyAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
# A login address must be proved before it can be used: invited volunteers prove theirs by
# following the invitation link (clp.signals marks it verified), and a new address replaces the
# old one only once its own confirmation link is followed. Until then the old one still logs in.
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CHANGE_EMAIL = True
# Changing the login email (or an authenticator) asks for the password, or the MFA code, again,
# so an open session on a borrowed phone cannot take the account over.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
# The old address is told when the login email or the password changes.
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[CLP] "
# Failed logins are limited per account *and* address together (the adapter builds that key),
# so one volunteer's typos at a shared committee-room address never lock out the room. The
# per-address ceiling is high and only stops a single machine spraying many accounts.
# "Address" is the one clp.audit.client_ip trusts (see TRUSTED_PROXIES below), never a header
# the client chose.
ACCOUNT_RATE_LIMITS = {
    "login_failed": f"{env_int('LOGIN_FAILURES_ALLOWED', 5)}/5m/key,200/m/ip",
    "login": "120/m/ip",
    "reset_password": "20/m/ip,5/m/key",
}
# The proxies in front of the web server whose X-Forwarded-For we believe: addresses or networks
# as gunicorn sees the proxy connect (docker-compose.yml shows the shape). Empty: no header is
# believed and the socket's address is the client's. This is the one setting; allauth's own
# ALLAUTH_TRUSTED_PROXY_COUNT stays 0 because the adapter asks clp.audit.client_ip instead.
TRUSTED_PROXIES = env_networks("TRUSTED_PROXIES")
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env_str("MFA_TOTP_ISSUER", "CLP campaign platform")
MFA_RECOVERY_CODE_COUNT = 10

# Sessions and cookies.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 12)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)

# Content Security Policy: everything is served from this site; no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Admin exports (django-import-export): every format writes formula-like cells as text.
from clp.exports import EXPORT_FORMATS  # noqa: E402, F401

# Cache: Redis when configured (shared rate limits across web workers), else in-process.
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "clp"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: with no broker, tasks run in-process so a laptop trial needs no services.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 60 * 30)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 60 * 25)
CELERY_TASK_IGNORE_RESULT = True
# With acks_late, Redis hands an unacknowledged task to another worker after this long, so a
# task whose worker died is retried: a little longer than the longest a task may run.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT + 300}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "Europe/London"
# Seconds between heartbeats; nightly by default, shortened by tests to watch beat run it.
HEARTBEAT_INTERVAL_SECONDS = env_int("CLP_HEARTBEAT_INTERVAL_SECONDS", 0)
# Background jobs (docs/security.md, "Background jobs: stalls, retries and lost messages").
# A worker keeps trying to reach Redis for as long as it is down, rather than exiting after 100
# attempts; bin/start-worker restarts it if it exits anyway.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# A running job's worker touches it this often; one silent for JOB_STALL_SECONDS has stopped and
# is started again by the sweeper (every minute), at most JOB_MAX_ATTEMPTS times in all.
JOB_HEARTBEAT_SECONDS = env_int("CLP_JOB_HEARTBEAT_SECONDS", 20)
JOB_STALL_SECONDS = env_int("CLP_JOB_STALL_SECONDS", 120)
JOB_MAX_ATTEMPTS = env_int("CLP_JOB_MAX_ATTEMPTS", 3)
# A job still waiting this long after its message was sent may have lost it (Redis restarted):
# the sweeper sends it again. Sending twice is harmless: a job runs once whatever arrives.
JOB_QUEUED_RESEND_SECONDS = env_int("CLP_JOB_QUEUED_RESEND_SECONDS", 600)
# Seconds between sweeps; every minute unless a test shortens it.
JOB_SWEEP_INTERVAL_SECONDS = env_int("CLP_JOB_SWEEP_INTERVAL_SECONDS", 60)
# Uploaded files (personal data) kept for a failed, stuck or unconfirmed import are deleted
# this many days after the import last changed (docs/security.md, "Retention of uploaded files").
UPLOAD_RETENTION_DAYS = env_int("CLP_UPLOAD_RETENTION_DAYS", 7)
# The Telephone Preference Service file (one number a line) that members.tasks.tps_list_refresh
# reads nightly when it has changed. Empty: no nightly refresh (import with manage.py
# import_tps).
TPS_LIST_PATH = env_str("CLP_TPS_LIST_PATH", "")

# Email: console in development; SMTP when EMAIL_HOST is set.
EMAIL_HOST = env_str("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# Phone banking: a bridge through a telephony provider, so neither the caller nor the voter sees
# the other's number (phonebank/telephony.py). Off by default: callers dial with a tel: link.
# "local" is the working stand-in that places no real call; a dotted path names a provider.
PHONEBANK_TELEPHONY = env_str("CLP_PHONEBANK_TELEPHONY", "")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "CLP campaign platform <noreply@localhost>")

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "whitenoise.storage.CompressedStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = env_str("MEDIA_ROOT", str(BASE_DIR / "media"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
