"""Settings shared by every environment.

Values come from the environment (``environ.Env``); see ``.env.example`` for the full list.
"""

from __future__ import annotations

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
APPS_DIR = BASE_DIR / "apps"

env = environ.Env()
env.read_env(str(BASE_DIR / ".env"), overwrite=False)

# ------------------------------------------------------------------------------
# GENERAL
# ------------------------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
# Earlier keys, comma-separated, while a rotation is under way: sessions, signed archives and the
# secrets stored encrypted (apps.core.encryption) made with them stay readable.
SECRET_KEY_FALLBACKS = env.list("DJANGO_SECRET_KEY_FALLBACKS", default=[])
TIME_ZONE = "UTC"
USE_TZ = True
USE_I18N = True
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("de", _("German")),
    ("es", _("Spanish")),
]
# The project's catalogs, then its overrides of django-allauth's (sign-in, sign-up, password
# pages): allauth's German says "du" and its Spanish "usted", where the project says "Sie" and
# "tú". Django prefers LOCALE_PATHS to any app's catalog.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_overrides"]

# The platform's own host (signup, console, admin). Stores live on <slug>.<PLATFORM_DOMAIN>
# and on their custom domains. PLATFORM_URL is the public base URL, port included in
# development, and is what links in emails are built from: never the request's Host header.
PLATFORM_NAME = env("PLATFORM_NAME", default="Storefront Cloud")
PLATFORM_DOMAIN = env("PLATFORM_DOMAIN", default="localhost")
PLATFORM_SCHEME = env("PLATFORM_SCHEME", default="http")
PLATFORM_PORT = env.int("PLATFORM_PORT", default=0)
PLATFORM_URL = "{}://{}{}".format(
    PLATFORM_SCHEME, PLATFORM_DOMAIN, f":{PLATFORM_PORT}" if PLATFORM_PORT else ""
)
# Extra hostnames that serve the platform (e.g. "www.example.com"); the tenant middleware
# is the host gate, so ALLOWED_HOSTS stays open and unknown hosts get a 404 page there.
PLATFORM_EXTRA_HOSTS = env.list("PLATFORM_EXTRA_HOSTS", default=[])
ALLOWED_HOSTS = ["*"]

# Subdomains a merchant may never claim for a store.
RESERVED_SUBDOMAINS = frozenset(
    env.list(
        "RESERVED_SUBDOMAINS",
        default=[
            "www",
            "admin",
            "api",
            "app",
            "mail",
            "smtp",
            "imap",
            "pop",
            "ftp",
            "static",
            "media",
            "assets",
            "cdn",
            "dashboard",
            "console",
            "platform",
            "status",
            "help",
            "support",
            "docs",
            "blog",
            "billing",
            "auth",
            "login",
            "signup",
            "account",
            "accounts",
            "shop",
            "store",
            "stores",
            "root",
            "system",
            "test",
            "dev",
            "staging",
            "ns1",
            "ns2",
            "mx",
            "webmail",
            "public",
            "template",
        ],
    )
)
# How many stores a merchant may open is its plan's limit (apps.billing, editable in the admin).
HANDOFF_TOKEN_TTL_SECONDS = env.int("HANDOFF_TOKEN_TTL_SECONDS", default=60)
# Seconds a resolved host -> store mapping is kept in each process; suspensions made in
# another process take at most this long to reach this one.
TENANT_ROUTING_CACHE_SECONDS = env.int("TENANT_ROUTING_CACHE_SECONDS", default=10)
# A web process's database connection is closed after it has served this many stores, bounding
# the catalog cache its PostgreSQL backend grows per schema touched (apps/tenants/connections.py).
TENANT_CONNECTION_MAX_SCHEMAS = env.int("TENANT_CONNECTION_MAX_SCHEMAS", default=50)
EVENT_LOG_RETENTION_DAYS = env.int("EVENT_LOG_RETENTION_DAYS", default=90)
DEFAULT_CURRENCY = env("DEFAULT_CURRENCY", default="EUR")

# ------------------------------------------------------------------------------
# DATABASES
# ------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/commerce")}
DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ------------------------------------------------------------------------------
# TENANCY (django-tenants)
# ------------------------------------------------------------------------------
TENANT_MODEL = "tenants.Tenant"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
# New stores are cloned from this migrated schema instead of being migrated inside a request
# (apps/tenants/clone.py); `manage.py migrate_all` keeps it current on every deploy.
TENANT_BASE_SCHEMA = "tenant_template"
TENANT_CREATION_FAKES_MIGRATIONS = True
TENANT_MULTIPROCESSING_MAX_PROCESSES = env.int("TENANT_MIGRATION_PROCESSES", default=2)
# Django's migrate with the migration state rendered once per process, not once per schema.
TENANT_BASE_MIGRATE_COMMAND = "apps.tenants.migrate_command.Command"
TENANT_LIMIT_SET_CALLS = True

# Wagtail (content): the platform's own site in public, each store's blog and pages in its
# schema. Its tables exist in both; the page types of each side are in apps.content (both) and
# apps.platform_site (public).
WAGTAIL_APPS = [
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    # "Translate" in /cms/: a page (and its subtree) or a menu copied into another language as
    # a draft, for the merchant to translate and publish.
    "wagtail.contrib.simple_translation",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
]

SHARED_APPS = [
    "django_tenants",
    "apps.tenants",
    "apps.platform",
    "apps.billing",
    "apps.payments.platform",
    # Platform billing's Stripe mirror (customers, subscriptions, invoices): public schema only.
    "djstripe",
    # Users, allauth and sessions live in the public schema (platform staff and merchants)
    # and again in every store schema (the store's staff and shoppers).
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.admin",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "apps.accounts",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.google",
    "allauth.socialaccount.providers.facebook",
    "django_celery_beat",
    "django_htmx",
    *WAGTAIL_APPS,
    "django_filters",
    # Blog and page types, menus: the platform's blog and help centre use them too.
    "apps.content",
    "apps.platform_site",
    # One store's export to an archive and its restore (the export records are public rows).
    "apps.backups",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.postgres",
    "django.contrib.auth",
    "django.contrib.sessions",
    "apps.accounts",
    "allauth",
    "allauth.account",
    # Social sign-in apps (client id and secret) live in each store's schema, entered by its
    # owners on the dashboard, and in public for the platform's merchants (Django admin).
    "allauth.socialaccount",
    "allauth.socialaccount.providers.google",
    "allauth.socialaccount.providers.facebook",
    "apps.core",
    "apps.stores",
    "apps.customers",
    "apps.catalog",
    "apps.inventory",
    "apps.sourcing",
    "apps.checkout",
    "apps.payments",
    "apps.orders",
    "apps.fulfilment",
    "apps.purchasing",
    "apps.fraud",
    "apps.returns",
    "apps.invoices",
    "apps.notifications",
    "apps.reviews",
    "apps.integrations",
    # Storefront visits (cookieless, batched through Redis), daily figures and the reports.
    "apps.analytics",
    # A customer's data rights (export, erase) and the retention settings per data kind.
    "apps.privacy",
    # The dashboard's notification centre (bell, unread badges); not the emails of apps.notifications.
    "apps.inbox",
    # Who changed what, when and from where (dashboard, console, API), per store.
    "apps.audit",
    # A store's blog, about, FAQ, landing and policy pages and its menus (Wagtail, /cms/).
    *WAGTAIL_APPS,
    "apps.content",
    "apps.dashboard",
    "apps.storefront",
    # The REST API (apps/api: keys, conventions; each app's endpoints in apps/<app>/api/).
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "apps.api",
]
INSTALLED_APPS = list(SHARED_APPS) + [app for app in TENANT_APPS if app not in SHARED_APPS]

# ------------------------------------------------------------------------------
# URLS / MIDDLEWARE
# ------------------------------------------------------------------------------
ROOT_URLCONF = "config.urls_tenants"
PUBLIC_SCHEMA_URLCONF = "config.urls_public"
WSGI_APPLICATION = "config.wsgi.application"

MIDDLEWARE = [
    "apps.core.middleware.RequestIdMiddleware",
    # Answers /healthz and /readyz for any Host (probes use the pod IP) before routing.
    "apps.core.middleware.HealthCheckMiddleware",
    # Counts and times every request but the probes by URL pattern (apps.core.metrics).
    "apps.core.metrics.RequestMetricsMiddleware",
    # Cached reads asked for many times per page (store settings) are read once per request.
    "apps.core.request_memo.RequestMemoMiddleware",
    "apps.tenants.middleware.TenantRoutingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Django's LocaleMiddleware on the platform; on stores, the store's languages in URLs.
    "apps.storefront.i18n.StoreLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Hands the audit log the request (actor, address) on the dashboard, the console and the API.
    "apps.audit.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # The theme editor's preview: the draft for its token's user, never cached, framable same-origin.
    "apps.storefront.theme_preview.ThemePreviewMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Past-due merchants' dashboards refuse writes during billing's grace period (403).
    "apps.dashboard.middleware.BillingReadOnlyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Counts storefront page views (page-cache hits too) into the store's Redis list.
    "apps.analytics.middleware.VisitRecordMiddleware",
]

# ------------------------------------------------------------------------------
# AUTHENTICATION
# ------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: on a store, refuses any password sign-in of a staff account linked to a platform user.
    "apps.accounts.backends.LinkedStaffPasswordGuard",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

# django-allauth: email login everywhere; the adapter builds every emailed link from the
# store's primary domain or PLATFORM_URL, never from the Host header.
ACCOUNT_ADAPTER = "apps.accounts.adapter.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = None
ACCOUNT_DEFAULT_HTTP_PROTOCOL = PLATFORM_SCHEME
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
}

# django-allauth socialaccount: sign-in with Google and Facebook. The apps (client id, secret)
# are SocialApp rows in each store's schema, entered by its owners and admins on the dashboard
# (Customers → Social sign-in), and in the public schema for merchants (Django admin); a provider
# shows a button only where its app exists. The adapter refuses any social sign-in that would
# reach a store staff account linked to a platform user.
SOCIALACCOUNT_ADAPTER = "apps.accounts.adapter.SocialAccountAdapter"
# A button starts a POST (allauth's confirmation page on GET), so no link can sign anyone in.
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_REQUIRED = True
# Only the provider's verified email signs an existing account in (Google says which are
# verified; Facebook does not, so it never does); the social account is then connected to it.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
# Nothing here calls the providers' APIs after sign-in: their access tokens are not kept.
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_REQUESTS_TIMEOUT = env.int("SOCIALACCOUNT_REQUESTS_TIMEOUT", default=10)
SOCIALACCOUNT_PROVIDERS = {
    "google": {
        "SCOPE": ["openid", "email", "profile"],
        "AUTH_PARAMS": {"access_type": "online"},
        "OAUTH_PKCE_ENABLED": True,
        "EMAIL_AUTHENTICATION": True,
    },
    "facebook": {
        "METHOD": "oauth2",
        "SCOPE": ["email", "public_profile"],
        "FIELDS": ["id", "email", "name", "first_name", "last_name"],
        "EMAIL_AUTHENTICATION": False,
    },
}

# ------------------------------------------------------------------------------
# TEMPLATES / STATIC / MEDIA
# ------------------------------------------------------------------------------
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.core.context_processors.site",
                "apps.dashboard.context_processors.dashboard",
            ],
        },
    }
]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env("MEDIA_ROOT", default=str(BASE_DIR / ".local" / "media"))
MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"
# Files that are never public (import uploads, exports) live outside MEDIA_ROOT.
PRIVATE_MEDIA_ROOT = env("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / ".local" / "private-media"))
# `manage.py store_restore --over` writes its safety export of the store here (apps.backups).
STORE_BACKUP_DIR = env("STORE_BACKUP_DIR", default=str(BASE_DIR / ".local" / "backups"))
# How long a merchant's "download my store" archive can be downloaded.
STORE_EXPORT_DOWNLOAD_HOURS = env.int("STORE_EXPORT_DOWNLOAD_HOURS", default=72)
# Media of each store lives under its own prefix: "<schema_name>/...". The storage resolves
# the schema on every call, so a file saved from a task lands in the task's store.
STORAGES = {
    "default": {"BACKEND": "apps.core.storage.TenantFileSystemStorage"},
    # Never served under MEDIA_URL: import uploads, exports (apps.core.storage.private_storage).
    "private": {
        "BACKEND": "apps.core.storage.TenantPrivateFileSystemStorage",
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# ------------------------------------------------------------------------------
# CACHE / REDIS
# ------------------------------------------------------------------------------
# REDIS_URL is empty only in the documented in-process fallback of `make run` (no Redis on
# the machine): the cache is then per process and Celery runs tasks eagerly.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "apps.core.cache.RedisCache",  # one redis client per pool, not per call
            "LOCATION": REDIS_URL,
            # Every key carries the store's schema: "<schema>:<version>:<key>".
            "KEY_FUNCTION": "django_tenants.cache.make_key",
            "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default=""),
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "KEY_FUNCTION": "django_tenants.cache.make_key",
            "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
        }
    }

# ------------------------------------------------------------------------------
# SESSIONS / COOKIES / SECURITY
# ------------------------------------------------------------------------------
# Sessions live in each schema's own table and every cookie is host-only (no Domain
# attribute), so a session from one store means nothing on another store or the platform.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_DOMAIN = None
CSRF_COOKIE_DOMAIN = None
LANGUAGE_COOKIE_DOMAIN = None
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
USE_X_FORWARDED_HOST = False
# How many proxies of ours (ingress, load balancer) stand in front of the app: the client address
# for rate limits and audit trails is then read from X-Forwarded-For, counted from the right
# (apps.platform.access.client_ip). 0 trusts only REMOTE_ADDR.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# ------------------------------------------------------------------------------
# EMAIL
# ------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default=f"{PLATFORM_NAME} <no-reply@{PLATFORM_DOMAIN}>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = 10

# ------------------------------------------------------------------------------
# CELERY
# ------------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "apps.tenants.tasks.*": {"queue": "provisioning"},
    "apps.core.tasks.event_*": {"queue": "events"},
}
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "config.beat:Scheduler"
# Platform-wide jobs. Periodic per-store jobs are registered by their apps (apps/core/jobs.py)
# and added to the schedule by config.beat.Scheduler, one task per store each.
CELERY_BEAT_SCHEDULE = {
    "handoff-tokens-purge": {
        "task": "apps.platform.tasks.handoff_tokens_purge",
        "schedule": 15 * 60,
    },
    # One task per due custom domain (apps.tenants.domain_tasks), each with its own time limit.
    "domains-recheck": {
        "task": "apps.tenants.domain_tasks.domains_recheck_due",
        "schedule": 10 * 60,
    },
}
# First retry of a store's failed periodic job after this many seconds, doubling each time.
STORE_JOB_RETRY_BASE_SECONDS = env.int("STORE_JOB_RETRY_BASE_SECONDS", default=60)


# ------------------------------------------------------------------------------
# CUSTOM DOMAINS: TXT-record verification (apps.tenants.dns_check, apps.tenants.domain_tasks)
# ------------------------------------------------------------------------------
# Empty: the system's resolvers (/etc/resolv.conf). One lookup never takes longer than the timeout.
DOMAIN_DNS_NAMESERVERS = env.list("DOMAIN_DNS_NAMESERVERS", default=[])
DOMAIN_DNS_PORT = env.int("DOMAIN_DNS_PORT", default=53)
DOMAIN_DNS_TIMEOUT_SECONDS = env.float("DOMAIN_DNS_TIMEOUT_SECONDS", default=5.0)
# How often the beat job looks again: pending and lost domains soon (a merchant who just added
# the record is verified without clicking), verified ones a few times a day.
DOMAIN_RECHECK_PENDING_MINUTES = env.int("DOMAIN_RECHECK_PENDING_MINUTES", default=10)
DOMAIN_RECHECK_VERIFIED_HOURS = env.int("DOMAIN_RECHECK_VERIFIED_HOURS", default=6)
# A custom domain left unproved this long blocks no other store: pending ones are removed, and
# another store may claim a pending or lost one (so nobody can squat a hostname by adding it).
DOMAIN_CLAIM_DAYS = env.int("DOMAIN_CLAIM_DAYS", default=7)

# ------------------------------------------------------------------------------
# METRICS: Prometheus exposition on /metrics (apps.core.metrics, apps.core.views.metrics)
# ------------------------------------------------------------------------------
# Served on the platform host and on a pod's IP address, never on a store's host. When set, a
# scrape must send "Authorization: Bearer <METRICS_TOKEN>"; production settings refuse to serve
# the endpoint at all without one. gunicorn.conf.py sets PROMETHEUS_MULTIPROC_DIR for gunicorn.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
METRICS_REQUIRE_TOKEN = env.bool("METRICS_REQUIRE_TOKEN", default=False)

# ------------------------------------------------------------------------------
# LOGGING: one JSON object per line, with the request id and the store's schema.
# ------------------------------------------------------------------------------
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "apps.core.logging.ContextFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(schema)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["context"]}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "celery": {"level": LOG_LEVEL},
    },
}

# ------------------------------------------------------------------------------
# CATALOG
# ------------------------------------------------------------------------------
CATALOG_SEARCH_CONFIG = env("CATALOG_SEARCH_CONFIG", default="english")
CATALOG_TYPO_THRESHOLD = env.float("CATALOG_TYPO_THRESHOLD", default=0.5)
CATALOG_IMAGE_MAX_BYTES = env.int("CATALOG_IMAGE_MAX_BYTES", default=10 * 1024 * 1024)
CATALOG_IMAGE_MAX_PIXELS = env.int("CATALOG_IMAGE_MAX_PIXELS", default=40_000_000)
CATALOG_THUMBNAIL_SIZE = (400, 400)
# Delivery estimates on product pages (apps.catalog.storefront_selectors.delivery_estimate): days
# to dispatch from the store's own stock (a variant no supplier ships), then transit days
# (fewest, most) within the store's country and across borders.
CATALOG_DISPATCH_DAYS = env.int("CATALOG_DISPATCH_DAYS", default=2)
CATALOG_TRANSIT_DAYS_DOMESTIC = (2, 5)
CATALOG_TRANSIT_DAYS_INTERNATIONAL = (7, 14)

# ------------------------------------------------------------------------------
# CONTENT (Wagtail): /cms/ on each store (apps.content) and on the platform (apps.platform_site)
# ------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = PLATFORM_NAME
# Used only in Wagtail's own e-mails; pages' links come from each schema's Site (its hostname).
WAGTAILADMIN_BASE_URL = PLATFORM_URL
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
# Search in PostgreSQL, per schema (each store's index rows live in its own schema).
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
# Editors' images are checked like the catalog's: size, pixels, raster formats only (no SVG).
WAGTAILIMAGES_MAX_UPLOAD_SIZE = CATALOG_IMAGE_MAX_BYTES
WAGTAILIMAGES_MAX_IMAGE_PIXELS = CATALOG_IMAGE_MAX_PIXELS
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]
# ...and then through the catalog's own check (Pillow reads the whole file; no markup).
WAGTAILIMAGES_IMAGE_FORM_BASE = "apps.content.forms.StoreImageForm"
WAGTAILDOCS_EXTENSIONS = ["pdf", "txt", "csv", "docx", "xlsx", "odt", "ods"]
WAGTAILDOCS_SERVE_METHOD = "serve_view"
# No calls home (no internet here, and none wanted in production), no nags.
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False
# Store staff sign in through the console's hand-off or allauth, never through Wagtail's forms;
# passwords are managed where the account lives.
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = False
WAGTAIL_PASSWORD_RESET_ENABLED = False
WAGTAILUSERS_PASSWORD_ENABLED = False
WAGTAIL_FRONTEND_LOGIN_URL = LOGIN_URL
WAGTAILADMIN_LOGIN_URL = LOGIN_URL
WAGTAIL_ALLOW_UNICODE_SLUGS = False
# Draftail, refusing a posted value that is not its JSON with a form error (apps/content/widgets.py).
WAGTAILADMIN_RICH_TEXT_EDITORS = {"default": {"WIDGET": "apps.content.widgets.StoreDraftailRichTextArea"}}

# ------------------------------------------------------------------------------
# OUTBOUND HTTP (apps/core/http.py) AND SOURCING
# ------------------------------------------------------------------------------
# Hosts or addresses outbound requests may reach even though they are private or local
# (normally none: merchant-set URLs must point at the public internet).
OUTBOUND_HTTP_ALLOWED_PRIVATE_HOSTS = env.list("OUTBOUND_HTTP_ALLOWED_PRIVATE_HOSTS", default=[])
SOURCING_FEED_MAX_BYTES = env.int("SOURCING_FEED_MAX_BYTES", default=20 * 1024 * 1024)
SOURCING_IMPORT_MAX_ITEMS = env.int("SOURCING_IMPORT_MAX_ITEMS", default=2000)
SOURCING_IMAGES_PER_PRODUCT = env.int("SOURCING_IMAGES_PER_PRODUCT", default=8)
SOURCING_HTTP_TIMEOUT = env.int("SOURCING_HTTP_TIMEOUT", default=20)
# AliExpress Open Platform gateway (the "ds" dropshipping APIs answer on <base>/sync).
SOURCING_DROPSHIP_API_BASE_URL = env(
    "SOURCING_DROPSHIP_API_BASE_URL", default="https://api-sg.aliexpress.com"
)

# ------------------------------------------------------------------------------
# CATALOG: product CSV import (docs/product-csv.md)
# ------------------------------------------------------------------------------
CATALOG_IMPORT_MAX_BYTES = env.int("CATALOG_IMPORT_MAX_BYTES", default=20 * 1024 * 1024)
CATALOG_IMPORT_MAX_ROWS = env.int("CATALOG_IMPORT_MAX_ROWS", default=100_000)
# Rows written per transaction; progress is saved after each chunk (whole products per chunk).
CATALOG_IMPORT_CHUNK_ROWS = env.int("CATALOG_IMPORT_CHUNK_ROWS", default=500)

# ------------------------------------------------------------------------------
# CHECKOUT: carts (apps/checkout)
# ------------------------------------------------------------------------------
# Most units of one variant a cart may hold (at most CART_LINE_QUANTITY_CEILING in
# apps/checkout/models/cart.py, the database's own bound), and most lines a cart may have.
CART_LINE_MAX_QUANTITY = env.int("CART_LINE_MAX_QUANTITY", default=99)
CART_MAX_LINES = env.int("CART_MAX_LINES", default=100)

# ------------------------------------------------------------------------------
# STOREFRONT: SEO and the home page (apps/storefront/seo.py, views/seo.py, views/home.py)
# ------------------------------------------------------------------------------
# Most <url> entries in one sitemap file (the sitemaps.org limit); past it the index lists more files.
STOREFRONT_SITEMAP_MAX_URLS = env.int("STOREFRONT_SITEMAP_MAX_URLS", default=50_000)
# Newsletter sign-ups accepted from one address per hour on one store.
STOREFRONT_NEWSLETTER_RATE_PER_HOUR = env.int("STOREFRONT_NEWSLETTER_RATE_PER_HOUR", default=5)
# Lifetime of a whole page cached for anonymous shoppers (apps/storefront/page_cache.py); short,
# as stock can change without an event. 0 turns the page cache off.
STOREFRONT_PAGE_CACHE_SECONDS = env.int("STOREFRONT_PAGE_CACHE_SECONDS", default=60)
# Bytes of cached pages each process also keeps in memory, so a hit needs no Redis round trip of
# its own (checked against the store's versions read from Redis on every request). 0: none.
STOREFRONT_PAGE_LOCAL_BYTES = env.int("STOREFRONT_PAGE_LOCAL_BYTES", default=32 * 1024 * 1024)
# How long today's live order figures (dashboard home, analytics overview) are reused while no
# order paid today changed (apps/analytics/selectors.py). 0 computes them on every request.
ANALYTICS_TODAY_CACHE_SECONDS = env.int("ANALYTICS_TODAY_CACHE_SECONDS", default=60)

# ------------------------------------------------------------------------------
# CHECKOUT: the checkout steps, shipping, taxes, discounts, gift cards (apps/checkout)
# ------------------------------------------------------------------------------
# Minutes after the last change of a checkout with an email before `cart.abandoned` is emitted
# for it (once; the per-store job checkout.carts_abandoned looks every 10 minutes).
CHECKOUT_ABANDONED_AFTER_MINUTES = env.int("CHECKOUT_ABANDONED_AFTER_MINUTES", default=60)

# ------------------------------------------------------------------------------
# PAYMENTS: gateways and Stripe Connect (apps/payments, apps/payments/platform)
# ------------------------------------------------------------------------------
# The dummy gateway (test cards) lets a new store sell locally; production settings turn it off
# for every store, whatever a store's own payment settings say.
PAYMENTS_DUMMY_ENABLED = env.bool("PAYMENTS_DUMMY_ENABLED", default=True)
# The platform's share of each card payment on a store's connected account, in percent (read as
# a Decimal from its text: "2", "1.5").
PAYMENTS_STRIPE_APPLICATION_FEE_PERCENT = env.str("PAYMENTS_STRIPE_APPLICATION_FEE_PERCENT", default="2")
# The platform's Stripe account (the Connect platform): empty keys leave card payments off.
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY", default="")
# Signing secret of the Connect webhook endpoint (/stripe/connect/webhook/ on the platform).
STRIPE_CONNECT_WEBHOOK_SECRET = env("STRIPE_CONNECT_WEBHOOK_SECRET", default="")
STRIPE_WEBHOOK_TOLERANCE_SECONDS = env.int("STRIPE_WEBHOOK_TOLERANCE_SECONDS", default=300)
# Where the API and Stripe.js are: tests and local development point both at the fake server
# (apps/payments/testing/fake_stripe.py).
STRIPE_API_BASE = env("STRIPE_API_BASE", default="https://api.stripe.com")
STRIPE_JS_URL = env("STRIPE_JS_URL", default="https://js.stripe.com/v3/")
STRIPE_HTTP_TIMEOUT_SECONDS = env.int("STRIPE_HTTP_TIMEOUT_SECONDS", default=20)
STRIPE_MAX_NETWORK_RETRIES = env.int("STRIPE_MAX_NETWORK_RETRIES", default=2)
# Country of new Express accounts when the store has no country in its settings.
STRIPE_CONNECT_DEFAULT_COUNTRY = env("STRIPE_CONNECT_DEFAULT_COUNTRY", default="DE")

# ------------------------------------------------------------------------------
# ORDERS: placement, stock holds and order numbers (apps/orders)
# ------------------------------------------------------------------------------
# How long an order's stock is held while its card payment is under way (authentication,
# retries after a decline); an order still unpaid then is cancelled by `orders.expire_unpaid`.
ORDER_STOCK_HOLD_MINUTES = env.int("ORDER_STOCK_HOLD_MINUTES", default=15)
# The same for orders paid outside the shop (bank transfer, cash on delivery): staff mark them
# paid within this many hours, or they are cancelled and their stock released.
ORDER_MANUAL_PAYMENT_HOLD_HOURS = env.int("ORDER_MANUAL_PAYMENT_HOLD_HOURS", default=72)
# How long a payment link (a draft order's, or an edited order's balance) stays valid.
ORDER_PAYMENT_LINK_MAX_AGE_DAYS = env.int("ORDER_PAYMENT_LINK_MAX_AGE_DAYS", default=30)

# ------------------------------------------------------------------------------
# BILLING: Stripe subscriptions of merchants (dj-stripe, apps/billing/stripe_*.py)
# ------------------------------------------------------------------------------
# The platform's own Stripe account (STRIPE_SECRET_KEY and STRIPE_API_BASE above) bills merchants;
# dj-stripe mirrors it in the public schema. Test mode unless this is set.
STRIPE_LIVE_MODE = env.bool("STRIPE_LIVE_MODE", default=False)
# dj-stripe's foreign keys point at Stripe's ids ("cus_..."), the setting it requires since 2.x.
DJSTRIPE_FOREIGN_KEY_TO_FIELD = "id"
# dj-stripe 2.11 keeps webhook endpoint secrets in its WebhookEndpoint rows (there is no
# DJSTRIPE_WEBHOOK_SECRET any more) and its endpoint re-fetches every object from the API. The
# subscription lifecycle therefore lands on our own endpoint, /billing/stripe/webhook/ on the
# platform domain (apps/billing/stripe_webhooks.py), verified with this endpoint's signing secret.
STRIPE_BILLING_WEBHOOK_SECRET = env("STRIPE_BILLING_WEBHOOK_SECRET", default="")
# Days a merchant whose payment failed keeps read-only stores (with a banner) before they are
# suspended; paying within them restores everything.
BILLING_GRACE_DAYS = env.int("BILLING_GRACE_DAYS", default=7)
CELERY_BEAT_SCHEDULE["billing-grace-expire"] = {
    "task": "apps.billing.stripe_tasks.billing_grace_expire_task",
    "schedule": 30 * 60,
}
# autodiscover_tasks finds only `tasks` modules; billing's Stripe job lives beside them.
CELERY_IMPORTS = [*globals().get("CELERY_IMPORTS", []), "apps.billing.stripe_tasks"]
# Metered usage (AI credits) reported to Stripe as Billing Meter events (apps.billing.metering).
CELERY_BEAT_SCHEDULE["billing-usage-report"] = {
    "task": "apps.billing.metering_tasks.usage_report_pending_task",
    "schedule": 10 * 60,
}
CELERY_IMPORTS = [*CELERY_IMPORTS, "apps.billing.metering_tasks"]
# Lifecycle emails, dunning and retention (apps/billing/lifecycle.py, docs/billing-lifecycle.md).
BILLING_TRIAL_ENDING_NOTICE_DAYS = env.int("BILLING_TRIAL_ENDING_NOTICE_DAYS", default=3)
BILLING_DUNNING_REMINDER_DAYS = env.list("BILLING_DUNNING_REMINDER_DAYS", cast=int, default=[3, 14, 21])
BILLING_RETENTION_DAYS = env.int("BILLING_RETENTION_DAYS", default=90)
BILLING_RETENTION_WARNING_DAYS = env.list("BILLING_RETENTION_WARNING_DAYS", cast=int, default=[30, 7])
BILLING_RETENTION_FINAL_NOTICE_DAYS = env.int("BILLING_RETENTION_FINAL_NOTICE_DAYS", default=7)
CELERY_BEAT_SCHEDULE["billing-lifecycle"] = {
    "task": "apps.billing.lifecycle_tasks.billing_lifecycle_run_task",
    "schedule": 30 * 60,
}
CELERY_IMPORTS = [*CELERY_IMPORTS, "apps.billing.lifecycle_tasks"]

# ------------------------------------------------------------------------------
# AFTER THE SALE (fulfilment, purchasing, fraud, returns, invoices, notifications, reviews)
# ------------------------------------------------------------------------------
# The request header a proxy in front sets to the client's country (e.g. "HTTP_CF_IPCOUNTRY"
# behind Cloudflare); empty = no IP country, and the fraud signal "IP country differs from the
# shipping country" never fires.
FRAUD_IP_COUNTRY_HEADER = env.str("FRAUD_IP_COUNTRY_HEADER", default="")
# Twilio's API for stores that switch SMS on (tests point it at a local fake).
NOTIFICATIONS_TWILIO_BASE_URL = env.str("NOTIFICATIONS_TWILIO_BASE_URL", default="https://api.twilio.com")
# Reviews a shopper may send per window, and the size of each photo.
REVIEW_RATE_LIMIT = env.int("REVIEW_RATE_LIMIT", default=10)
REVIEW_RATE_WINDOW = env.int("REVIEW_RATE_WINDOW", default=60 * 60)
REVIEW_PHOTO_MAX_BYTES = env.int("REVIEW_PHOTO_MAX_BYTES", default=5 * 1024 * 1024)


# ------------------------------------------------------------------------------
# REST API (apps/api): envelope, pagination, keys, throttling, OpenAPI
# ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["apps.api.conventions.EnvelopeRenderer"],
    "DEFAULT_PARSER_CLASSES": ["apps.api.conventions.LimitedJSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.api.access.ApiKeyAuthentication",
        "apps.storefront.api.authentication.ShopperTokenAuthentication",
        "apps.api.access.ShopperSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["apps.api.access.DeclaredAccess"],
    "DEFAULT_THROTTLE_CLASSES": ["apps.api.access.PlanRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "apps.api.conventions.PagePagination",
    "DEFAULT_FILTER_BACKENDS": [
        "apps.api.filters.StrictFilterBackend",
        "apps.api.filters.StrictOrderingFilter",
    ],
    "EXCEPTION_HANDLER": "apps.api.conventions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "apps.api.schema.ApiAutoSchema",
    "ORDERING_PARAM": "ordering",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=1024 * 1024)
API_IDEMPOTENCY_TTL_HOURS = 24
# Requests per minute when the plan says nothing (no merchant) and for anonymous callers per address.
API_DEFAULT_RATE_PER_MINUTE = 600
API_ANONYMOUS_RATE_PER_MINUTE = env.int("API_ANONYMOUS_RATE_PER_MINUTE", default=300)
SPECTACULAR_SETTINGS = {
    "TITLE": "Store API",
    "DESCRIPTION": (
        "The REST API of one store, at https://<store-host>/api/v1/. Admin endpoints take a Bearer "
        "API key created in the store's dashboard (Developers > API keys, /dashboard/api-keys/); "
        "storefront endpoints serve headless shops. Every response is an envelope {data, error}; "
        "lists are paginated with page and per_page and carry meta.total."
    ),
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",  # the envelope's `error: null` is `type: "null"` (JSON Schema 2020-12)
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "PREPROCESSING_HOOKS": ["apps.api.schema.only_the_store_api"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.api.schema.examples_for_every_operation",
    ],
    # Choice sets that share a field name ("status", "kind") across endpoints, named once each.
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "apps.orders.enums.OrderStatus",
        "FulfilmentStatusEnum": "apps.fulfilment.enums.FulfilmentStatus",
        "DiscountKindEnum": "apps.checkout.models.discounts.DiscountKind",
        "GiftCardStatusEnum": "apps.checkout.admin_selectors.GiftCardStatus",
        "ProductStatusEnum": "apps.catalog.models.Product.Status",
        "CollectionKindEnum": "apps.catalog.models.Collection.Kind",
    },
}
