"""Error pages. The 500 handler rolls back so the next request starts clean."""
import inspect

from flask import g, make_response, render_template, request
from flask_wtf.csrf import CSRFError

from engage.extensions import db


def init_app(app):
    """Register the error handlers."""

    @app.errorhandler(403)
    def forbidden(error):
        return render_template("errors/403.html"), 403

    @app.errorhandler(404)
    def not_found(error):
        return render_template("errors/404.html"), 404

    @app.errorhandler(413)
    def too_large(error):
        return render_template("errors/413.html"), 413

    @app.errorhandler(CSRFError)
    def csrf_failed(error):
        # A long answer typed over an expired token: show it again, unsaved, with a fresh token.
        page = _unsaved_page(app, "expired")
        if page is not None:
            return page
        return render_template("errors/csrf.html", back=request.referrer), 400

    @app.errorhandler(429)
    def too_many_requests(error):
        # A journey page posted over the limit (the first page saved starts a response): show it
        # again, unsaved, with what was typed.
        page = _unsaved_page(app, "rate_limited")
        if page is not None:
            page.status_code = 429
            return page
        return render_template("errors/429.html"), 429

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return render_template("errors/500.html"), 500


def _unsaved_page(app, reason):
    """This POST's journey page shown again, unsaved, saying why (reason); None for other requests.

    The view itself, not its rate-limited wrapper: showing a page that saves nothing
    must neither count against the limit nor be refused by it.
    """
    from engage.public.views import RERENDER_UNSAVED

    if request.method != "POST" or request.endpoint not in RERENDER_UNSAVED:
        return None
    g.unsaved = reason
    return make_response(inspect.unwrap(app.view_functions[request.endpoint])(**(request.view_args or {})))
