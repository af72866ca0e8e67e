"""Template globals and filters."""
from collections import ChainMap
from datetime import date, datetime

import jinja2
from jinja2 import pass_context

from flask import current_app, request, session
from flask_babel import format_date as babel_format_date
from flask_babel import get_locale, get_translations, gettext
from flask_babel.speaklater import LazyString
from flask_login import current_user
from markupsafe import Markup

from engage.models.consultation import STATUS_LABELS, TRANSITION_VERBS


def format_date(value):
    """E.g. 5 March 2026 (GOV.UK style), or 5 Mawrth 2026 in Welsh."""
    if not value:
        return ""
    if isinstance(value, (date, datetime)):
        return babel_format_date(value, "d MMMM y")
    return str(value)


def format_datetime(value):
    """E.g. 5 March 2026 at 2:05pm."""
    if not value:
        return ""
    hour = value.strftime("%I").lstrip("0") or "12"
    return f"{format_date(value)} at {hour}:{value:%M}{value.strftime('%p').lower()}"


def format_file_size(size):
    """A file's size as GOV.UK writes it next to a download: "850 KB", "1.2 MB"."""
    size = int(size or 0)
    if size >= 1_000_000:
        return f"{size / 1_000_000:.1f} MB"
    return f"{max(1, -(-size // 1000)):,} KB"


STATUS_TAG_CLASSES = {
    "draft": "govuk-tag--grey",
    "open": "govuk-tag--green",
    "closed": "govuk-tag--orange",
    "analysing": "govuk-tag--purple",
    "published": "govuk-tag--blue",
    "archived": "govuk-tag--grey",
}


def select_locale():
    """Welsh or English: the visitor's choice, else English."""
    choice = session.get("lang") if request else None
    if choice in current_app.config["LANGUAGES"]:
        return choice
    return current_app.config["BABEL_DEFAULT_LOCALE"]


# --- GOV.UK form components rendered from Python (govuk-frontend-wtf widgets) ---------------
# A GOV.UK macro given the same params in the same language always writes the same HTML,
# and the journey's pages repeat the same fields for every respondent (ten radio groups on
# the equality page alone), each costing milliseconds of nested macro calls. So the HTML
# is kept, keyed by the params, and reused. Widgets holding text a person typed are not
# kept (see engage.public.forms), so this memory never holds anyone's answers.
COMPONENT_CACHE_SIZE = 2048
_NOT_CACHEABLE = object()


def _freeze(value):
    """A hashable key equal only for params that render the same, or _NOT_CACHEABLE."""
    kind = type(value)
    if kind is str:
        return value
    if kind is dict:
        # Order kept: attributes are written in this order.
        items = tuple([(name, _freeze(item)) for name, item in value.items()])
        for _name, frozen in items:
            if frozen is _NOT_CACHEABLE:
                return frozen
        return (dict, items)
    if kind is list or kind is tuple:
        items = tuple([_freeze(item) for item in value])
        for frozen in items:
            if frozen is _NOT_CACHEABLE:
                return frozen
        return (list, items)
    if kind is bool or kind is int or value is None:
        return (kind, value)  # True and 1 print differently
    if kind is Markup:
        return (Markup, str(value))
    if kind is LazyString:
        # What it will say in this language (the locale is in the key) without translating
        # it now; it is not escaped (it has __html__), unlike a str.
        arguments = _freeze((list(value._args), value._kwargs))
        return _NOT_CACHEABLE if arguments is _NOT_CACHEABLE else (LazyString, value._func, arguments)
    return _NOT_CACHEABLE


def render_component(template_name, params, cache=True):
    """Render a govuk-frontend-wtf template with params, as the widget would, reusing earlier HTML.

    The same output as flask.render_template(template_name, params=params): these templates use
    only params and globals, so Flask's context processors are not run for each field.
    """
    env = current_app.jinja_env
    key = None
    if cache:
        frozen = _freeze(params)
        if frozen is not _NOT_CACHEABLE:
            key = (template_name, str(get_locale()), frozen)
            store = env.__dict__.setdefault("engage_component_cache", {})
            try:
                html = store.get(key)
            except TypeError:  # something in params that cannot be hashed
                key = html = None
            if html is not None:
                return html
    # bandit B704: reviewed, the GOV.UK macro escapes every param it prints (same output as calling it)
    html = Markup(env.get_template(template_name).render(params=params))  # nosec B704
    if key is not None:
        if len(store) >= COMPONENT_CACHE_SIZE:
            store.clear()
        store[key] = html
    return html


class Template(jinja2.Template):
    """Jinja's Template, with a cheaper check each time a template imports macros.

    Every {% from ... import %} (GOV.UK's macros import others inside each macro) asks
    whether the importing template has globals the imported one lacks, as a set
    difference against a ChainMap that costs a generator per key. This asks the same of
    the ChainMap's two dicts directly.
    """

    def _get_default_module(self, ctx=None):
        if ctx is not None and type(self.globals) is ChainMap and len(self.globals.maps) == 2:
            own, shared = self.globals.maps
            for name in ctx.globals_keys:
                if name not in own and name not in shared:
                    return super()._get_default_module(ctx)  # it has: a module of its own
            ctx = None  # it has not: the module made once and kept
        return super()._get_default_module(ctx)


def _gettext_functions(catalogue):
    """_, gettext and ngettext for one render, as jinja2.ext's newstyle gettext does them."""

    @pass_context
    def template_gettext(context, string, **variables):
        translated = catalogue.ugettext(string)
        if context.eval_ctx.autoescape:
            # bandit B704: reviewed, as Jinja's own gettext: a catalogue string; Markup % escapes the variables
            translated = Markup(translated)  # nosec B704
        return translated % variables

    @pass_context
    def template_ngettext(context, singular, plural, number, **variables):
        variables.setdefault("num", number)
        translated = catalogue.ungettext(singular, plural, number)
        if context.eval_ctx.autoescape:
            # bandit B704: reviewed, as Jinja's own gettext: a catalogue string; Markup % escapes the variables
            translated = Markup(translated)  # nosec B704
        return translated % variables

    return {"_": template_gettext, "gettext": template_gettext, "ngettext": template_ngettext}


def init_app(app):
    """Register filters and globals."""
    app.jinja_env.template_class = Template
    app.add_template_filter(format_date, "date")
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(format_file_size, "file_size")
    # Values Engage ships in English (default groups, the agree scale) shown in the visitor's language.
    app.add_template_filter(gettext, "translate")
    app.jinja_env.globals.update(
        STATUS_LABELS=STATUS_LABELS,
        STATUS_TAG_CLASSES=STATUS_TAG_CLASSES,
        TRANSITION_VERBS=TRANSITION_VERBS,
        govukRebrand=False,
    )

    @app.context_processor
    def translations():
        # _() and ngettext() as Flask-Babel installs them (Jinja's "newstyle" gettext), but
        # with this render's catalogue looked up once instead of on every call: a journey
        # page calls _() dozens of times.
        return _gettext_functions(get_translations())

    @app.context_processor
    def navigation():
        return {"current_user": current_user, "current_path": request.path, "current_locale": select_locale(),
                "current_full_path": request.full_path.rstrip("?")}
