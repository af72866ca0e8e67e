"""Flask extensions, created unbound and bound in create_app."""
from flask import session
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData

# Named constraints so that migrations can alter them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class SignedInSessionProtection(LoginManager):
    """Flask-Login whose "strong" session protection looks only at sessions with a signed-in user.

    Flask-Login also runs it on anonymous sessions: a respondent's session, holding no
    "_id", failed the check on every request and was marked changed ("_remember":
    "clear"), so every public page re-signed and re-sent the session cookie. A session
    without a user has nothing to protect, and Engage has no remember-me cookie.
    """

    def _session_protection_failed(self):
        if "_user_id" not in session:
            return False
        return super()._session_protection_failed()


db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))
migrate = Migrate()
csrf = CSRFProtect()
login_manager = SignedInSessionProtection()
babel = Babel()
# Per-IP limits apply only where a view asks for one (no global default).
limiter = Limiter(key_func=get_remote_address)
talisman = Talisman()

# Content Security Policy: our own files only; inline scripts only with the per-request
# nonce (GOV.UK's one-line "js-enabled" script); no inline styles; no framing.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}
