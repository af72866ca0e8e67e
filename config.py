"""Configuration, read from the environment. Tests pass TestConfig."""
import os
import tempfile
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _bool(name, default=False):
    """Read a yes/no setting from the environment."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Settings for a running Engage; every secret comes from the environment."""

    ENV_NAME = os.environ.get("ENGAGE_ENV", "development")
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'engage.sqlite'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SQLITE_BUSY_TIMEOUT_MS = int(os.environ.get("SQLITE_BUSY_TIMEOUT_MS", "10000"))

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", ENV_NAME == "production")
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    # Staff sign-in ends after this long without a request, and after this long in any case.
    STAFF_IDLE_MINUTES = int(os.environ.get("STAFF_IDLE_MINUTES", "30"))
    STAFF_SESSION_HOURS = int(os.environ.get("STAFF_SESSION_HOURS", "12"))
    # Roles that must use a second factor (authenticator app) to sign in.
    MFA_REQUIRED_ROLES = tuple(role.strip() for role in os.environ.get("MFA_REQUIRED_ROLES", "admin,officer")
                               .split(",") if role.strip())
    MFA_ISSUER = os.environ.get("MFA_ISSUER", "Engage")
    # Redirect http to https and send HSTS (behind TLS in production; off for local http).
    FORCE_HTTPS = _bool("FORCE_HTTPS", ENV_NAME == "production")

    # Uploads: plan drafts as .md or .docx.
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", str(20 * 1024 * 1024)))
    MAX_DRAFT_UPLOAD_BYTES = int(os.environ.get("MAX_DRAFT_UPLOAD_BYTES", str(5 * 1024 * 1024)))
    MAX_DRAFT_TEXT_CHARS = int(os.environ.get("MAX_DRAFT_TEXT_CHARS", "500000"))

    # Login throttling, per account.
    LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", "5"))
    LOGIN_LOCK_MINUTES = int(os.environ.get("LOGIN_LOCK_MINUTES", "15"))

    ARGON2_TIME_COST = int(os.environ.get("ARGON2_TIME_COST", "3"))
    ARGON2_MEMORY_COST = int(os.environ.get("ARGON2_MEMORY_COST", "65536"))

    # Abuse without barriers: per-IP limits on starting and submitting responses.
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", os.environ.get("REDIS_URL", "memory://"))
    # With REDIS_URL set, background jobs go to RQ workers (`flask --app engage worker`)
    # and rate-limit counters are shared by every gunicorn worker.
    REDIS_URL = os.environ.get("REDIS_URL", "")
    RATELIMIT_HEADERS_ENABLED = True
    SUBMISSION_RATE_LIMIT = os.environ.get("SUBMISSION_RATE_LIMIT", "20 per minute;200 per hour")

    # Save and return by email: only when an SMTP server is configured.
    SMTP_HOST = os.environ.get("SMTP_HOST", "")
    SMTP_PORT = int(os.environ.get("SMTP_PORT", "587"))
    SMTP_USERNAME = os.environ.get("SMTP_USERNAME", "")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
    SMTP_STARTTLS = _bool("SMTP_STARTTLS", True)
    MAIL_FROM = os.environ.get("MAIL_FROM", "")

    # Event times are entered and shown in the partnership's local time.
    LOCAL_TIMEZONE = os.environ.get("LOCAL_TIMEZONE", "Europe/London")

    BABEL_DEFAULT_LOCALE = "en"
    LANGUAGES = ["en", "cy"]

    # Bulk imports (CSV/XLSX from other tools): the largest file accepted, and where uploads
    # wait (outside static/) between upload, checking and import.
    IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", str(100 * 1024 * 1024)))
    IMPORT_UPLOAD_DIR = os.environ.get("IMPORT_UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))
    # Background jobs: run inline instead of on a worker thread (tests), and when a job that
    # is still "running" is taken to have been interrupted by a restart.
    JOBS_SYNC = _bool("JOBS_SYNC", False)
    JOBS_STALE_AFTER_SECONDS = int(os.environ.get("JOBS_STALE_AFTER_SECONDS", "3600"))
    # The statement's downloads (PDF, Word, spreadsheet, CSV, open data): where they are written
    # (outside static/), whether publishing prepares them at once, and for how many seconds a
    # public download may reuse its last check that the files still show only what may be published.
    EXPORT_DIR = os.environ.get("EXPORT_DIR", str(INSTANCE_DIR / "exports"))
    EXPORTS_ON_PUBLISH = _bool("EXPORTS_ON_PUBLISH", True)
    EXPORT_RECHECK_SECONDS = int(os.environ.get("EXPORT_RECHECK_SECONDS", "10"))

    DEMO_PASSWORD = os.environ.get("ENGAGE_DEMO_PASSWORD")
    TESTING = False

    @classmethod
    def check(cls, settings):
        """Refuse to start without a secret key outside development."""
        if not settings.get("SECRET_KEY"):
            if settings.get("ENV_NAME") in ("development",) or settings.get("TESTING"):
                settings["SECRET_KEY"] = _development_secret()
            else:
                raise RuntimeError(
                    "SECRET_KEY must be set in the environment outside development "
                    "(ENGAGE_ENV=%s)." % settings.get("ENV_NAME")
                )


def _development_secret():
    """A per-checkout random key kept in instance/, for development only."""
    INSTANCE_DIR.mkdir(exist_ok=True)
    path = INSTANCE_DIR / "dev-secret-key"
    if not path.exists():
        path.write_text(os.urandom(32).hex())
        path.chmod(0o600)
    return path.read_text().strip()


class TestConfig(Config):
    """Settings for the test suite: a throwaway database, fast hashing."""

    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    WTF_CSRF_ENABLED = False
    SERVER_NAME = None
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    SMTP_HOST = ""
    JOBS_SYNC = True
    REDIS_URL = ""
    # Like CSRF, switched on by the tests that are about it (the mfa_app fixture).
    MFA_REQUIRED_ROLES = ()
    IMPORT_UPLOAD_DIR = os.path.join(tempfile.gettempdir(), "engage-test-uploads")
    # Writing a PDF on every publish would slow every test that publishes; the tests about
    # downloads switch it on.
    EXPORTS_ON_PUBLISH = False
