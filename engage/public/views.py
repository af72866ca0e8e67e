"""Public pages and the respondent's journey (GOV.UK question pages).

The draft response lives in the database from the first page; the browser
session remembers which one is yours, and the private link brings it back.
"""

import re
from functools import cache

from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, inspect, select
from sqlalchemy.orm.attributes import set_committed_value
from wtforms.validators import DataRequired, InputRequired

from engage import database
from engage.extensions import db, limiter
from engage.mail import mail_configured, send_private_link
from engage.localtime import local_now
from engage.models import (
    Answer, Consultation, EngagementEvent, EqualityMonitoring, Locality, PlanSection, PlanVersion, Question, Response,
    StakeholderGroup,
)
from engage.models.response import LOCALITY_OUTSIDE, LOCALITY_PREFER_NOT, response_group
from engage.public import bp, services
from engage.public.forms import (
    AboutYouForm, CheckAnswersForm, ConsentForm, EmailLinkForm, EqualityForm, WithdrawForm,
    question_form_class,
)

PUBLIC_STATUSES = ("open", "closed", "analysing", "published")
# Journey pages whose form is shown again, text intact, when the CSRF token expired.
RERENDER_UNSAVED = set()


def rerender_unsaved(view):
    """Mark a view as safe to show again, unsaved, with the posted data (after an expired form or over the limit)."""
    RERENDER_UNSAVED.add(f"{bp.name}.{view.__name__}")
    return view


def submission_limit():
    """Per-IP limit on starting and on submitting responses (configurable)."""
    return current_app.config["SUBMISSION_RATE_LIMIT"]


def continuing_a_response():
    """Pages posted by someone already working on a response are not limited.

    A POST without a response in the session creates a draft (the first page saved,
    or typed text kept after a lost session): that starts a response, and is limited.
    """
    return bool(session.get("journeys"))


# Saving a journey page without a draft starts a response: one per-IP limit, whichever page it is.
starting_limit = limiter.shared_limit(submission_limit, scope="start-response", methods=["POST"],
                                      exempt_when=continuing_a_response)


@bp.before_request
def _pages_read_without_transaction():
    """Public pages fetched with GET only read (or give out a private link: one UPDATE)."""
    if request.method in ("GET", "HEAD"):
        database.read_without_transaction(db.session())


# --- Finding things ------------------------------------------------------------

def _public_consultation(slug, with_response=False):
    """A consultation the public may see.

    with_response: the response this browser works on is fetched in the same statement
    (for _session_response), as nearly every journey page needs both.
    """
    ids = _session_response_ids() if with_response else []
    if ids:
        rows = db.session.execute(_statement("consultation_and_responses"), {"slug": slug, "ids": ids}).all()
        consultation = rows[0][0] if rows else None
        g.session_responses = {response.id: response for _, response in rows if response is not None}
    else:
        consultation = db.session.scalars(_statement("consultation"), {"slug": slug}).first()
        if with_response:
            g.session_responses = {}
    if consultation is None or consultation.status not in PUBLIC_STATUSES:
        abort(404)
    return consultation


@cache
def _statement(name):
    """The journey's frequent SELECTs, built once with bound parameters.

    SQLAlchemy keeps a statement's cache key on the statement object, so one built once
    skips constructing and hashing it again on every request (about half its cost).
    """
    if name == "consultation":
        return select(Consultation).where(Consultation.slug == bindparam("slug")).limit(1)
    if name == "consultation_and_responses":
        return (select(Consultation, Response).where(Consultation.slug == bindparam("slug"))
                .outerjoin(Response, and_(Response.consultation_id == Consultation.id,
                                          Response.id.in_(bindparam("ids", expanding=True)))))
    if name == "question_pages":
        # The questions, each with its section when that is in the latest draft.
        latest = (select(PlanVersion.id).where(PlanVersion.consultation_id == bindparam("consultation_id"))
                  .order_by(PlanVersion.number.desc()).limit(1).scalar_subquery())
        return (select(Question, PlanSection).where(Question.consultation_id == bindparam("consultation_id"))
                .outerjoin(PlanSection, and_(PlanSection.id == Question.section_id, PlanSection.version_id == latest))
                .order_by(Question.position))
    if name == "upcoming_events":
        return (select(EngagementEvent).where(EngagementEvent.consultation_id == bindparam("consultation_id"),
                                              EngagementEvent.is_public.is_(True),
                                              EngagementEvent.starts_at >= bindparam("now"))
                .order_by(EngagementEvent.starts_at))
    if name == "equality_record":
        return select(EqualityMonitoring).where(EqualityMonitoring.response_id == bindparam("response_id")).limit(1)
    # Relationships, as their lazy loads select them (same rows, same order): see _preload.
    if name == "Response.answers":
        return select(Answer).where(Answer.response_id == bindparam("id"))
    if name == "Response.groups":
        return select(StakeholderGroup).where(bindparam("id") == response_group.c.response_id,
                                              StakeholderGroup.id == response_group.c.group_id)
    if name == "Consultation.stakeholder_groups":
        return (select(StakeholderGroup).where(StakeholderGroup.consultation_id == bindparam("id"))
                .order_by(StakeholderGroup.position))
    if name == "Consultation.localities":
        return select(Locality).where(Locality.consultation_id == bindparam("id")).order_by(Locality.position)
    raise KeyError(name)


def _preload(obj, *relationships):
    """Load these relationships of obj now, with the statements above.

    The same SELECT a lazy load would send, at a third of the CPU: SQLAlchemy builds
    a lazy load's statement afresh each time, and these are built once.
    """
    unloaded = inspect(obj).unloaded
    for name in relationships:
        if name in unloaded:
            rows = db.session.scalars(_statement(f"{type(obj).__name__}.{name}"), {"id": obj.id}).all()
            set_committed_value(obj, name, rows)


def _session_response_ids():
    """Ids of the responses this browser session is working on (any consultation)."""
    return [entry["response"] for entry in session.get("journeys", {}).values()
            if isinstance(entry, dict) and isinstance(entry.get("response"), int)]


def _save():
    """Commit a journey page's changes; a draft the page created is now this browser's."""
    new_draft = g.pop("new_draft", None)
    if new_draft is None:
        db.session.commit()
        return
    consultation_id, response, token = new_draft
    db.session.flush()
    response_id = response.id  # read before the commit expires it
    db.session.commit()
    _remember_ids(consultation_id, response_id, token)


def _journey_key(consultation):
    return str(consultation.id)


def _remember(consultation, response, token):
    """This browser session is working on this response."""
    _remember_ids(consultation.id, response.id, token)


def _remember_ids(consultation_id, response_id, token):
    """_remember, given ids (read before a commit expires the objects)."""
    journeys = dict(session.get("journeys", {}))
    journeys[str(consultation_id)] = {"response": response_id, "token": token}
    session["journeys"] = journeys


def _forget(consultation):
    journeys = dict(session.get("journeys", {}))
    journeys.pop(_journey_key(consultation), None)
    session["journeys"] = journeys


def _session_response(consultation):
    """The response this browser is working on, or None."""
    entry = session.get("journeys", {}).get(_journey_key(consultation))
    if not entry:
        return None
    preloaded = g.get("session_responses")
    if preloaded is not None:
        response = preloaded.get(entry.get("response"))
    else:
        response = db.session.get(Response, entry.get("response"))
    if response is None or response.consultation_id != consultation.id or response.status == "withdrawn":
        _forget(consultation)
        return None
    return response


def _private_token(consultation, response):
    """The token of the private link (a new one if this session never had it)."""
    entry = session.get("journeys", {}).get(_journey_key(consultation), {})
    token = entry.get("token")
    if not token or services.hash_token(token) != response.resume_token_hash:
        token = services.new_private_link(response)
        db.session.commit()
        _remember(consultation, response, token)
    return token


def _closed_page(consultation):
    """A polite refusal once the consultation has closed."""
    return render_template("public/closed.html", consultation=consultation), 410


def _journey(slug, create=False, blank=False, insert_later=False):
    """(consultation, response) for a journey page, or a response to return instead.

    create: a POST without a draft creates one (the first page saved, or a lost session).
    blank: a GET without a draft shows the page empty (response None), as for a new respondent.
    insert_later: a draft created here is inserted at the next flush, with the page's answers
    (the page reads what it needs under no_autoflush until then).
    """
    consultation = _public_consultation(slug, with_response=True)
    if not services.accepting_responses(consultation):
        return consultation, None, _closed_page(consultation)
    response = _session_response(consultation)
    if response is None and create:
        # The first page saved, or a POST whose session was lost (e.g. it expired): keep what they
        # typed. The browser remembers the draft once it is saved (_save): a page with errors saves
        # nothing, and a session never points at a draft that does not exist.
        response, token = services.start_response(consultation, insert_now=not insert_later)
        g.new_draft = (consultation.id, response, token)
    if response is None and (_page_state() or (blank and request.method == "GET")):
        # A POST re-shown unsaved (expired form, or over the limit), or a first page not yet saved.
        return consultation, None, None
    if response is None:
        flash(_("Start your response here. If you saved a response, use the private link we gave you."), "info")
        return consultation, None, redirect(url_for(".start", slug=slug))
    return consultation, response, None


def _question_pages(consultation):
    """Questions grouped into pages: one per section of the plan, then general questions.

    One statement: the questions, each with its section when that is in the latest draft.
    """
    rows = db.session.execute(_statement("question_pages"), {"consultation_id": consultation.id}).all()
    by_section = {}
    sections = []
    general = []
    for question, section in rows:
        if section is None:
            general.append(question)
            continue
        if section.id not in by_section:
            by_section[section.id] = []
            sections.append(section)
        by_section[section.id].append(question)
    pages = [{"section": section, "questions": by_section[section.id]}
             for section in sorted(sections, key=lambda section: section.position)]
    if general:
        pages.append({"section": None, "questions": general})
    return pages


def _next_url(slug, after, page_count, page=None):
    """Where "Save and continue" goes next (back to check answers when changing)."""
    if request.args.get("return") == "check":
        return url_for(".check", slug=slug)
    if after == "about":
        return url_for(".questions", slug=slug, page=1) if page_count else url_for(".consent", slug=slug)
    if after == "questions":
        if page < page_count:
            return url_for(".questions", slug=slug, page=page + 1)
        return url_for(".consent", slug=slug)
    if after == "consent":
        return url_for(".equality", slug=slug)
    return url_for(".check", slug=slug)


def _page_state():
    """Whether this POST is being re-shown unsaved: after a CSRF failure, or over the rate limit."""
    return bool(g.get("unsaved"))


def _saving():
    """True for a POST that should be saved (not a re-show after a CSRF failure)."""
    return request.method == "POST" and not _page_state()


# --- Public pages ----------------------------------------------------------------

@bp.route("/consultations/<slug>")
def consultation(slug):
    """What is being consulted on, when, by whom, and the ways to respond."""
    consultation = _public_consultation(slug, with_response=True)
    # Event times are local (as typed by the facilitator), so compare with local time.
    now_local = local_now()
    upcoming = db.session.scalars(_statement("upcoming_events"),
                                  {"consultation_id": consultation.id, "now": now_local}).all()
    return render_template("public/consultation.html", consultation=consultation, upcoming=upcoming,
                           accepting=services.accepting_responses(consultation),
                           in_progress=_session_response(consultation))


@bp.route("/consultations/<slug>/plan")
def plan(slug):
    """The draft plan's contents."""
    consultation = _public_consultation(slug)
    version = consultation.latest_version or abort(404)
    return render_template("public/plan.html", consultation=consultation, version=version,
                           accepting=services.accepting_responses(consultation))


@bp.route("/consultations/<slug>/plan/<int:position>")
def section(slug, position):
    """One section of the draft plan, with its questions."""
    consultation = _public_consultation(slug)
    version = consultation.latest_version or abort(404)
    sections = version.sections
    if not 1 <= position <= len(sections):
        abort(404)
    current = sections[position - 1]
    pages = _question_pages(consultation)
    page_number = next((i for i, p in enumerate(pages, 1) if p["section"] is current), None)
    return render_template(
        "public/section.html", consultation=consultation, version=version, section=current, position=position,
        previous=sections[position - 2] if position > 1 else None,
        following=sections[position] if position < len(sections) else None,
        questions=pages[page_number - 1]["questions"] if page_number else [], page_number=page_number,
        accepting=services.accepting_responses(consultation))


# --- The journey -------------------------------------------------------------------

@bp.route("/consultations/<slug>/respond")
def start(slug):
    """Start page: what you will be asked, then a "Start now" link to the first page.

    A link, not a form: the draft is created when the first page is saved, so
    people (and crawlers) who only look create nothing.
    """
    consultation = _public_consultation(slug, with_response=True)
    if not services.accepting_responses(consultation):
        return _closed_page(consultation)
    existing = _session_response(consultation)
    page_count = len(_question_pages(consultation))
    page = request.args.get("page", type=int)
    if page and 1 <= page <= page_count:
        first = url_for(".questions", slug=slug, page=page)
    elif existing is not None:
        # "Continue your response", as on the consultation page: the answers so far, and what is missing.
        first = url_for(".check", slug=slug)
    else:
        first = url_for(".about", slug=slug)
    return render_template("public/start.html", consultation=consultation, existing=existing,
                           page_count=page_count, first=first)


@bp.route("/consultations/<slug>/respond/about", methods=["GET", "POST"])
@rerender_unsaved
@starting_limit
def about(slug):
    """About you: individual or organisation, groups, locality (the first page: saving it creates the draft)."""
    if request.method == "POST" and request.form.get("website"):
        abort(400)  # the honeypot: people never see it
    consultation, response, refusal = _journey(slug, create=_saving(), blank=True, insert_later=True)
    if refusal:
        return refusal
    with db.session.no_autoflush:  # a new draft is inserted once its answers are set
        _preload(consultation, "stakeholder_groups", "localities")
        if response is not None and response.id is not None:
            _preload(response, "groups")
    form = AboutYouForm(consultation=consultation)
    if request.method == "GET" and response is not None:
        # Until "about you" is saved, nothing is pre-selected.
        form.respondent_type.data = response.respondent_type if response.groups else None
        form.organisation_name.data = response.organisation_name
        form.groups.data = [str(g.id) for g in response.groups]
        form.locality.data = str(response.locality_id) if response.locality_id else (response.locality_other or None)
    if _saving() and form.validate_on_submit():
        chosen = set(form.groups.data)
        services.save_about_you(
            response, form.respondent_type.data, form.organisation_name.data or "",
            [grp for grp in consultation.stakeholder_groups if str(grp.id) in chosen],
            form.locality.data, consultation.localities)
        # Where next is worked out before the commit, which expires the consultation's questions.
        following = url_for(".saved", slug=slug) if form.save_later.data else \
            _next_url(slug, "about", len(_question_pages(consultation)))
        _save()
        return redirect(following)
    return _page("public/about.html", consultation, response, form)


def _page(template, consultation, response, form, **context):
    """Render a journey page; 400 when it has errors or could not be saved."""
    status = 400 if (request.method == "POST" and (form.errors or _page_state())) else 200
    return render_template(template, consultation=consultation, response=response, form=form,
                           unsaved=g.get("unsaved"), **context), status


@bp.route("/consultations/<slug>/respond/questions/<int:page>", methods=["GET", "POST"])
@rerender_unsaved
@starting_limit
def questions(slug, page):
    """One page of questions: those about one section of the plan, or general ones."""
    consultation, response, refusal = _journey(slug, create=_saving(), blank=True)
    if refusal:
        return refusal
    pages = _question_pages(consultation)
    if not 1 <= page <= len(pages):
        abort(404)
    if response is not None:
        _preload(response, "answers")
    current = pages[page - 1]
    form = question_form_class(current["questions"])()
    if request.method == "GET" and response is not None:
        saved = services.answers_by_question(response)
        for question in current["questions"]:
            answer = saved.get(question.id)
            if answer is not None:
                form[f"q{question.id}"].data = answer.choices if question.kind == "multiple_choice" else \
                    (answer.choices[0] if answer.choices else None) if question.kind != "free_text" else answer.text
    save_later = _saving() and request.form.get("save_later")
    if _saving() and (form.validate_on_submit() or (save_later and _only_required_errors(form))):
        values = {}
        for question in current["questions"]:
            data = form[f"q{question.id}"].data
            if question.kind == "multiple_choice":
                values[question] = list(data or [])
            elif question.kind == "free_text":
                values[question] = data or ""
            else:
                values[question] = [data] if data else []
        services.save_answers(response, values)
        _save()
        if save_later:
            return redirect(url_for(".saved", slug=slug))
        return redirect(_next_url(slug, "questions", len(pages), page))
    return _page("public/questions.html", consultation, response, form, page=page, page_count=len(pages),
                 current=current, section_position=_section_position(consultation, current["section"]))


def _only_required_errors(form):
    """"Save and come back later" may leave required questions unanswered, nothing else."""
    for field in form:
        for error in field.errors:
            if not any(error == v.message for v in field.validators
                       if isinstance(v, (InputRequired, DataRequired))):
                return False
    return True


def _section_position(consultation, section):
    """1-based position of a section in the latest draft (for links to read it)."""
    if section is None:
        return None
    return section.position + 1


@bp.route("/consultations/<slug>/respond/consent", methods=["GET", "POST"])
@rerender_unsaved
@starting_limit
def consent(slug):
    """Can we publish your response? Required, and explained."""
    consultation, response, refusal = _journey(slug, create=_saving())
    if refusal:
        return refusal
    form = ConsentForm()
    form.organisation_name = response.organisation_name if response else ""
    if request.method == "GET":
        form.consent.data = response.consent
        form.respondent_name.data = response.respondent_name
    if _saving() and form.validate_on_submit():
        services.save_consent(response, form.consent.data)
        response.respondent_name = (form.respondent_name.data or "").strip()
        _save()
        if form.save_later.data:
            return redirect(url_for(".saved", slug=slug))
        return redirect(_next_url(slug, "consent", 0))
    return _page("public/consent.html", consultation, response, form)


@bp.route("/consultations/<slug>/respond/equality", methods=["GET", "POST"])
@rerender_unsaved
@starting_limit
def equality(slug):
    """Optional equality questions, kept apart from your answers."""
    consultation, response, refusal = _journey(slug, create=_saving())
    if refusal:
        return refusal
    form = EqualityForm()
    if request.method == "GET":
        record = db.session.scalars(_statement("equality_record"), {"response_id": response.id}).first()
        for name in form.FIELDS:
            form[name].data = getattr(record, name, "") or None
    if _saving() and form.skip.data:
        # "Skip these questions" is a link to check your answers; a page from before posts it.
        return redirect(url_for(".check", slug=slug))
    if _saving() and form.validate_on_submit():
        services.save_equality(response, form.values())
        _save()
        return redirect(url_for(".check", slug=slug))
    return _page("public/equality.html", consultation, response, form)


@bp.route("/consultations/<slug>/respond/check", methods=["GET", "POST"])
@limiter.limit(submission_limit, methods=["POST"])
def check(slug):
    """Check your answers, then submit (once, however often the button is pressed)."""
    consultation, response, refusal = _journey(slug)
    if refusal:
        return refusal
    if response is not None:
        _preload(response, "answers", "groups")
    form = CheckAnswersForm()
    pages = _question_pages(consultation)
    problems = _missing(consultation, response, pages)
    if form.validate_on_submit():
        if form.website.data:
            abort(400)
        if response.status == "submitted":
            return redirect(url_for(".done", slug=slug))
        if not problems:
            services.submit(response)
            db.session.commit()
            return redirect(url_for(".done", slug=slug))
    answers = services.answers_by_question(response)
    status = 400 if request.method == "POST" else 200
    return render_template("public/check.html", consultation=consultation, response=response, form=form,
                           pages=pages, answers=answers, problems=problems if request.method == "POST" else [],
                           missing=problems, equality_answered=services.has_equality_answers(response),
                           LOCALITY_OUTSIDE=LOCALITY_OUTSIDE, LOCALITY_PREFER_NOT=LOCALITY_PREFER_NOT), status


def _missing(consultation, response, pages):
    """What must be answered before submitting: (message, link) pairs."""
    problems = []
    slug = consultation.slug
    if not response.groups or not (response.locality_id or response.locality_other):
        problems.append((_("Tell us about yourself"), url_for(".about", slug=slug, **{"return": "check"})))
    answers = services.answers_by_question(response)
    for number, page in enumerate(pages, 1):
        for question in page["questions"]:
            answer = answers.get(question.id)
            if question.required and (answer is None or not (answer.text.strip() or answer.choices)):
                problems.append((_("Answer this question: %(question)s", question=question.text),
                                 url_for(".questions", slug=slug, page=number, **{"return": "check"})))
    if not response.consent:
        problems.append((_("Select whether we can publish your response"),
                         url_for(".consent", slug=slug, **{"return": "check"})))
    return problems


@bp.route("/consultations/<slug>/respond/done")
def done(slug):
    """Confirmation with the reference and the private link to change or withdraw."""
    consultation = _public_consultation(slug, with_response=True)
    response = _session_response(consultation)
    if response is None or response.status != "submitted":
        return redirect(url_for(".consultation", slug=slug))
    token = _private_token(consultation, response)
    return render_template("public/done.html", consultation=consultation, response=response,
                           link=url_for(".resume", token=token, _external=True))


@bp.route("/consultations/<slug>/respond/saved", methods=["GET", "POST"])
def saved(slug):
    """Your answers are saved: the private link to come back (and email it if we can)."""
    consultation, response, refusal = _journey(slug)
    if refusal:
        return refusal
    token = _private_token(consultation, response)
    link = url_for(".resume", token=token, _external=True)
    form = EmailLinkForm() if mail_configured() else None
    if form is not None and form.validate_on_submit():
        if send_private_link(form.email.data, consultation, response, link):
            flash(_("We have sent the link to %(email)s.", email=form.email.data), "success")
        else:
            flash(_("We could not send the email. Copy the link instead."), "error")
        return redirect(url_for(".saved", slug=slug))
    return render_template("public/saved.html", consultation=consultation, response=response, link=link,
                           form=form), (400 if form is not None and form.errors else 200)


@bp.route("/r/<token>")
def resume(token):
    """The private link: carry on with a draft, or change or withdraw a submitted response."""
    response = services.response_for_token(token)
    if response is None or response.status == "withdrawn":
        return render_template("public/link_invalid.html"), 404
    consultation = response.consultation
    if not services.accepting_responses(consultation):
        return _closed_page(consultation)
    _remember(consultation, response, token)
    if response.status == "draft" and not response.groups:
        return redirect(url_for(".about", slug=consultation.slug))
    return redirect(url_for(".check", slug=consultation.slug))


@bp.route("/consultations/<slug>/respond/withdraw", methods=["GET", "POST"])
def withdraw(slug):
    """Withdraw a submitted response (until the consultation closes)."""
    consultation, response, refusal = _journey(slug)
    if refusal:
        return refusal
    if response.status != "submitted":
        return redirect(url_for(".check", slug=slug))
    form = WithdrawForm()
    if form.validate_on_submit():
        services.withdraw(response)
        db.session.commit()
        _forget(consultation)
        return render_template("public/withdrawn.html", consultation=consultation, reference=response.reference)
    return render_template("public/withdraw.html", consultation=consultation, response=response, form=form)


@bp.route("/language/<code>")
def language(code):
    """Switch the interface language (English or Welsh) and go back."""
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    target = request.args.get("next", "/")
    # Browsers drop tabs and line breaks in a URL and read "\" as "/", so "/<tab>/evil.example" or
    # "/\evil.example" would go to another site: judge the path as a browser will read it.
    as_read = re.sub(r"[\t\r\n]", "", target).replace("\\", "/")
    if not as_read.startswith("/") or as_read.startswith("//"):
        target = "/"
    return redirect(target)
