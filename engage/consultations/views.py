"""Officer screens. Thin: check access, validate the form, call a service, redirect."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func

from engage.access import consultation_for
from engage.consultations import bp, services
from engage.consultations.forms import ConsultationForm, PlanVersionForm, QuestionForm
from engage.extensions import db
from engage.models import Consultation, InvalidTransition, Membership, PlanVersion, Question, Response
from engage.plans.diff import diff_versions, summary_counts


def _question(consultation, question_id):
    """A question of this consultation (another consultation's id is a 404)."""
    question = db.session.get(Question, question_id)
    if question is None or question.consultation_id != consultation.id:
        abort(404)
    return question


def _version(consultation, number):
    """A numbered version of this consultation's plan."""
    version = PlanVersion.query.filter_by(consultation_id=consultation.id, number=number).first()
    return version or abort(404)


@bp.before_request
@login_required
def require_login():
    """Every staff page needs a signed-in user."""


@bp.route("/")
def dashboard():
    """Consultations the user can see, with status, dates and response counts."""
    query = Consultation.query
    if not current_user.is_staff_officer:
        query = query.join(Membership).filter(Membership.user_id == current_user.id)
    consultations = query.order_by(Consultation.created_at.desc()).all()
    counts = dict(
        db.session.query(Response.consultation_id, func.count(Response.id))
        .filter(Response.status == "submitted")
        .group_by(Response.consultation_id).all()
    )
    return render_template("consultations/dashboard.html", consultations=consultations, counts=counts,
                           can_create=current_user.is_staff_officer)


@bp.route("/consultations/new", methods=["GET", "POST"])
def create():
    """Set up a new consultation (officers and admins)."""
    if not current_user.is_staff_officer:
        abort(403)
    form = ConsultationForm()
    if form.validate_on_submit():
        consultation = services.create_consultation(
            current_user, form.title.data, summary=form.summary.data,
            organisation=form.organisation.data, plan_type=form.plan_type.data,
            opens_on=form.opens_on.data, closes_on=form.closes_on.data,
            localities=form.locality_names, stakeholder_groups=form.group_names,
            contact_email=form.contact_email.data or "", retention_days=form.retention_days.data,
        )
        db.session.commit()
        flash(f"Consultation “{consultation.title}” created. Next, add the draft plan.", "success")
        return redirect(url_for(".overview", consultation_id=consultation.id))
    return render_template("consultations/form.html", form=form, consultation=None), _status(form)


def _status(form):
    """400 when a submitted form has errors, so tools and tests can tell."""
    return 400 if form.is_submitted() and form.errors else 200


@bp.route("/consultations/<int:consultation_id>")
def overview(consultation_id):
    """Everything about one consultation, and what to do next."""
    consultation = consultation_for(consultation_id)
    responses = consultation.responses.filter_by(status="submitted").count()
    blockers = {status: consultation.blockers_for(status) for status in consultation.allowed_transitions()}
    return render_template("consultations/overview.html", consultation=consultation, responses=responses,
                           blockers=blockers, can_manage=current_user.can_manage(consultation))


@bp.route("/consultations/<int:consultation_id>/edit", methods=["GET", "POST"])
def edit(consultation_id):
    """Change a consultation's details."""
    consultation = consultation_for(consultation_id, need="manage")
    form = ConsultationForm(obj=consultation)
    if request.method == "GET":
        form.localities.data = "\n".join(loc.name for loc in consultation.localities)
        form.stakeholder_groups.data = "\n".join(g.name for g in consultation.stakeholder_groups)
    if form.validate_on_submit():
        try:
            services.update_consultation(
                consultation, current_user, title=form.title.data, summary=form.summary.data,
                organisation=form.organisation.data, plan_type=form.plan_type.data,
                opens_on=form.opens_on.data, closes_on=form.closes_on.data,
                contact_email=form.contact_email.data or "", retention_days=form.retention_days.data,
                localities=form.locality_names, stakeholder_groups=form.group_names,
            )
        except services.StillInUse as problem:
            db.session.rollback()
            form[problem.field].errors.append(str(problem))
        else:
            db.session.commit()
            flash("Consultation details saved.", "success")
            return redirect(url_for(".overview", consultation_id=consultation.id))
    return render_template("consultations/form.html", form=form, consultation=consultation), _status(form)


@bp.route("/consultations/<int:consultation_id>/status", methods=["POST"])
def change_status(consultation_id):
    """Open, close, analyse, publish or archive, if the rules allow it."""
    consultation = consultation_for(consultation_id, need="manage")
    new_status = request.form.get("status", "")
    try:
        services.change_status(consultation, new_status, user=current_user)
    except InvalidTransition as problem:
        db.session.rollback()
        flash(str(problem), "error")
        return redirect(url_for(".overview", consultation_id=consultation_id))
    db.session.commit()
    flash(f"The consultation is now {consultation.status_label.lower()}.", "success")
    return redirect(url_for(".overview", consultation_id=consultation.id))


@bp.route("/consultations/<int:consultation_id>/versions/new", methods=["GET", "POST"])
def add_version(consultation_id):
    """Add a draft of the plan by pasting Markdown or uploading a file."""
    consultation = consultation_for(consultation_id, need="manage")
    form = PlanVersionForm()
    if request.method == "GET":
        form.label.data = ("First draft", "Second draft", "Third draft", "Fourth draft")[
            min(len(consultation.versions), 3)] if len(consultation.versions) < 4 else ""
    if form.validate_on_submit():
        filename = form.upload.data.filename if form.upload.data else ""
        version = services.add_plan_version(
            consultation, form.label.data, form.markdown, user=current_user, dated=form.dated.data,
            source_filename=filename or "",
        )
        if not version.sections:
            db.session.rollback()
            form.text.errors.append("The draft has no text. Paste the plan or choose another file.")
        else:
            db.session.commit()
            flash(f"{version.display_name} added with {len(version.sections)} sections.", "success")
            return redirect(url_for(".version", consultation_id=consultation.id, number=version.number))
    return render_template("consultations/version_form.html", form=form, consultation=consultation), \
        _status(form)


@bp.route("/consultations/<int:consultation_id>/versions/<int:number>")
def version(consultation_id, number):
    """One draft of the plan, section by section."""
    consultation = consultation_for(consultation_id)
    plan_version = _version(consultation, number)
    return render_template("consultations/version.html", consultation=consultation, version=plan_version,
                           can_manage=current_user.can_manage(consultation))


@bp.route("/consultations/<int:consultation_id>/compare")
def compare(consultation_id):
    """What changed between two drafts, section by section."""
    consultation = consultation_for(consultation_id)
    versions = consultation.versions
    if len(versions) < 2:
        flash("Add a second draft to compare drafts.", "info")
        return redirect(url_for(".overview", consultation_id=consultation.id))
    old_number = request.args.get("from", type=int) or versions[-2].number
    new_number = request.args.get("to", type=int) or versions[-1].number
    old, new = _version(consultation, old_number), _version(consultation, new_number)
    changes = diff_versions(old.sections, new.sections)
    return render_template("consultations/compare.html", consultation=consultation, old=old, new=new,
                           versions=versions, changes=changes, counts=summary_counts(changes))


@bp.route("/consultations/<int:consultation_id>/questions")
def questions(consultation_id):
    """The questions, in order, with edit, move and delete."""
    consultation = consultation_for(consultation_id)
    return render_template("consultations/questions.html", consultation=consultation,
                           can_manage=current_user.can_manage(consultation),
                           locked=consultation.questions_locked)


def _refuse_if_locked(consultation):
    """Questions cannot change once responses exist: say so plainly."""
    if consultation.questions_locked:
        flash("Questions cannot be changed because people have already started responding. "
              "Changing them now would change what earlier respondents were asked.", "error")
        return redirect(url_for(".questions", consultation_id=consultation.id))
    return None


def _sections_for_questions(consultation):
    """Sections of the newest draft, which questions are attached to."""
    latest = consultation.latest_version
    return latest.sections if latest else []


@bp.route("/consultations/<int:consultation_id>/questions/new", methods=["GET", "POST"])
def add_question(consultation_id):
    """Add a question."""
    consultation = consultation_for(consultation_id, need="manage")
    refused = _refuse_if_locked(consultation)
    if refused:
        return refused
    sections = _sections_for_questions(consultation)
    form = QuestionForm(sections=sections)
    if request.method == "GET" and request.args.get("section"):
        form.section_id.data = request.args["section"]
    if form.validate_on_submit():
        services.add_question(
            consultation, form.text.data, kind=form.kind.data, hint=form.hint.data or "",
            options=(form.options.data or "").splitlines(), required=form.required.data,
            section=_section_choice(sections, form.section_id.data), user=current_user,
        )
        db.session.commit()
        flash("Question added.", "success")
        return redirect(url_for(".questions", consultation_id=consultation.id))
    return render_template("consultations/question_form.html", form=form, consultation=consultation,
                           question=None), _status(form)


def _section_choice(sections, value):
    """The section chosen in the form, or None."""
    for section in sections:
        if str(section.id) == value:
            return section
    return None


@bp.route("/consultations/<int:consultation_id>/questions/<int:question_id>/edit", methods=["GET", "POST"])
def edit_question(consultation_id, question_id):
    """Change a question."""
    consultation = consultation_for(consultation_id, need="manage")
    question = _question(consultation, question_id)
    refused = _refuse_if_locked(consultation)
    if refused:
        return refused
    sections = _sections_for_questions(consultation)
    form = QuestionForm(obj=question, sections=sections)
    if request.method == "GET":
        form.options.data = "\n".join(question.options or [])
        form.section_id.data = str(question.section_id) if question.section_id else ""
    if form.validate_on_submit():
        services.update_question(
            question, user=current_user, text=form.text.data.strip(), kind=form.kind.data,
            hint=(form.hint.data or "").strip(), options=(form.options.data or "").splitlines(),
            required=form.required.data, section=_section_choice(sections, form.section_id.data),
        )
        db.session.commit()
        flash("Question saved.", "success")
        return redirect(url_for(".questions", consultation_id=consultation.id))
    return render_template("consultations/question_form.html", form=form, consultation=consultation,
                           question=question), _status(form)


@bp.route("/consultations/<int:consultation_id>/questions/<int:question_id>/move", methods=["POST"])
def move_question(consultation_id, question_id):
    """Move a question up or down."""
    consultation = consultation_for(consultation_id, need="manage")
    question = _question(consultation, question_id)
    refused = _refuse_if_locked(consultation)
    if refused:
        return refused
    direction = -1 if request.form.get("direction") == "up" else 1
    services.move_question(question, direction, user=current_user)
    db.session.commit()
    return redirect(url_for(".questions", consultation_id=consultation.id) + f"#question-{question.id}")


@bp.route("/consultations/<int:consultation_id>/questions/<int:question_id>/delete", methods=["GET", "POST"])
def delete_question(consultation_id, question_id):
    """Confirm, then delete a question."""
    consultation = consultation_for(consultation_id, need="manage")
    question = _question(consultation, question_id)
    refused = _refuse_if_locked(consultation)
    if refused:
        return refused
    if request.method == "POST":
        services.delete_question(question, user=current_user)
        db.session.commit()
        flash("Question deleted.", "success")
        return redirect(url_for(".questions", consultation_id=consultation.id))
    return render_template("consultations/question_delete.html", consultation=consultation, question=question)
