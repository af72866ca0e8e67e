"""Who may do what (role x route), CSRF, and escaping of what people typed."""
import pytest

from engage.extensions import db
from engage.models import Consultation, EngagementEvent, FeedbackItem, Membership, Response
from tests.conftest import csrf_token_from, login
from tests.factories import DRAFT_MARKDOWN, make_consultation, make_event, make_response, make_user

from engage.consultations import services

# Every staff route, with the access level it needs. A new route must be added
# here, or test_every_staff_route_is_in_the_matrix fails.
ROUTES = {
    "consultations.dashboard": ("GET", "/staff/", "any"),
    "consultations.create": ("GET", "/staff/consultations/new", "officer"),
    "consultations.overview": ("GET", "/staff/consultations/{c}", "view"),
    "consultations.edit": ("GET", "/staff/consultations/{c}/edit", "manage"),
    "consultations.change_status": ("POST", "/staff/consultations/{c}/status", "manage"),
    "consultations.add_version": ("GET", "/staff/consultations/{c}/versions/new", "manage"),
    "consultations.version": ("GET", "/staff/consultations/{c}/versions/1", "view"),
    "consultations.compare": ("GET", "/staff/consultations/{c}/compare?from=1&to=2", "view"),
    "consultations.questions": ("GET", "/staff/consultations/{c}/questions", "view"),
    "consultations.add_question": ("GET", "/staff/consultations/{c}/questions/new", "manage"),
    "consultations.edit_question": ("GET", "/staff/consultations/{c}/questions/{q}/edit", "manage"),
    "consultations.move_question": ("POST", "/staff/consultations/{c}/questions/{q}/move", "manage"),
    "consultations.delete_question": ("GET", "/staff/consultations/{c}/questions/{q}/delete", "manage"),
    "responses.index": ("GET", "/staff/consultations/{c}/responses", "view"),
    "responses.detail": ("GET", "/staff/consultations/{c}/responses/{r}", "view"),
    "responses.representation": ("GET", "/staff/consultations/{c}/representation", "view"),
    "responses.targets": ("POST", "/staff/consultations/{c}/representation/targets", "manage"),
    "intake.key": ("GET", "/staff/consultations/{c}/responses/key", "manage"),
    "intake.letter": ("GET", "/staff/consultations/{c}/responses/letter", "manage"),
    "intake.edit": ("GET", "/staff/consultations/{c}/responses/{r}/edit", "manage"),
    "intake.check": ("GET", "/staff/consultations/{c}/responses/{r}/check", "manage"),
    "events.index": ("GET", "/staff/consultations/{c}/events", "view"),
    "events.create": ("GET", "/staff/consultations/{c}/events/new", "record"),
    "events.detail": ("GET", "/staff/consultations/{c}/events/{e}", "view"),
    "events.edit": ("GET", "/staff/consultations/{c}/events/{e}/edit", "record"),
    "events.add_notes": ("GET", "/staff/consultations/{c}/events/{e}/notes", "record"),
    "events.import_notes": ("GET", "/staff/consultations/{c}/events/{e}/notes/import", "record"),
    "events.items": ("POST", "/staff/consultations/{c}/events/{e}/items", "record"),
    "events.item": ("GET", "/staff/consultations/{c}/events/{e}/items/{i}", "view"),
    "events.edit_item": ("GET", "/staff/consultations/{c}/events/{e}/items/{i}/edit", "record"),
    "events.split_item": ("GET", "/staff/consultations/{c}/events/{e}/items/{i}/split", "record"),
    "imports.index": ("GET", "/staff/consultations/{c}/imports", "manage"),
    "imports.upload": ("GET", "/staff/consultations/{c}/imports/responses/new", "manage"),
    "imports.mapping": ("GET", "/staff/consultations/{c}/imports/responses/{u}/columns", "manage"),
    "imports.job": ("GET", "/staff/consultations/{c}/jobs/{j}", "manage"),
    "imports.preview": ("GET", "/staff/consultations/{c}/imports/checks/{j}", "manage"),
    "imports.start": ("POST", "/staff/consultations/{c}/imports/checks/{j}/import", "manage"),
    # codebook routes
    "codebook.index": ("GET", "/staff/consultations/{c}/themes", "view"),
    "codebook.create": ("GET", "/staff/consultations/{c}/themes/new", "manage"),
    "codebook.starters": ("GET", "/staff/consultations/{c}/themes/starters", "manage"),
    "codebook.edit": ("GET", "/staff/consultations/{c}/themes/{t}/edit", "manage"),
    "codebook.merge": ("GET", "/staff/consultations/{c}/themes/{t}/merge", "manage"),
    "codebook.split": ("GET", "/staff/consultations/{c}/themes/{t}/split", "manage"),
    "codebook.move": ("POST", "/staff/consultations/{c}/themes/{t}/move", "manage"),
    "codebook.archive": ("POST", "/staff/consultations/{c}/themes/{t}/archive", "manage"),
    "codebook.restore": ("POST", "/staff/consultations/{c}/themes/{t}/restore", "manage"),
    # coding routes
    "coding.index": ("GET", "/staff/consultations/{c}/coding", "view"),
    "coding.suggest": ("POST", "/staff/consultations/{c}/coding/suggest", "manage"),
    "coding.review": ("GET", "/staff/consultations/{c}/coding/review", "manage"),
    "coding.decide": ("POST", "/staff/consultations/{c}/coding/suggestions/{k}", "manage"),
    "coding.bulk_accept": ("GET", "/staff/consultations/{c}/coding/review/accept", "manage"),
    "coding.items": ("GET", "/staff/consultations/{c}/coding/items", "view"),
    "coding.item": ("GET", "/staff/consultations/{c}/coding/items/{i}", "view"),
    "coding.code_item": ("POST", "/staff/consultations/{c}/coding/items/{i}", "manage"),
    # emerging routes
    "emerging.index": ("GET", "/staff/consultations/{c}/emerging", "view"),
    "emerging.start": ("POST", "/staff/consultations/{c}/emerging/start", "manage"),
    "emerging.adopt": ("POST", "/staff/consultations/{c}/emerging/candidates/0/adopt", "manage"),
    "emerging.dismiss": ("POST", "/staff/consultations/{c}/emerging/candidates/0/dismiss", "manage"),
    "emerging.campaigns": ("GET", "/staff/consultations/{c}/campaigns", "view"),
    "emerging.start_campaigns": ("POST", "/staff/consultations/{c}/campaigns/start", "manage"),
    "emerging.group": ("GET", "/staff/consultations/{c}/campaigns/{g}", "view"),
    "emerging.tag_group": ("POST", "/staff/consultations/{c}/campaigns/{g}/tag", "manage"),
    # agreement routes
    # export routes
    "exports.index": ("GET", "/staff/consultations/{c}/exports", "view"),
    "exports.prepare": ("POST", "/staff/consultations/{c}/exports/prepare", "manage"),
    "exports.staff_download": ("GET", "/staff/consultations/{c}/exports/1/pdf", "view"),
    # moderation routes
    "moderation.index": ("GET", "/staff/consultations/{c}/moderation", "view"),
    "moderation.check": ("POST", "/staff/consultations/{c}/moderation/check", "manage"),
    "moderation.item": ("GET", "/staff/consultations/{c}/moderation/items/{i}", "view"),
    "moderation.decide": ("POST", "/staff/consultations/{c}/moderation/items/{i}/decide", "manage"),
    "moderation.confirm_all": ("POST", "/staff/consultations/{c}/moderation/items/{i}/confirm-all", "manage"),
    "moderation.add_redaction": ("POST", "/staff/consultations/{c}/moderation/items/{i}/redactions", "manage"),
    "moderation.withhold": ("POST", "/staff/consultations/{c}/moderation/items/{i}/withhold", "manage"),
    "moderation.release": ("POST", "/staff/consultations/{c}/moderation/items/{i}/release", "manage"),
    # statement routes
    "statements.index": ("GET", "/staff/consultations/{c}/statement", "view"),
    "statements.themes": ("GET", "/staff/consultations/{c}/statement/themes", "view"),
    "statements.theme_response": ("GET", "/staff/consultations/{c}/statement/themes/{t}", "manage"),
    "statements.text": ("GET", "/staff/consultations/{c}/statement/text", "manage"),
    "statements.preview": ("GET", "/staff/consultations/{c}/statement/preview", "view"),
    "statements.publish": ("POST", "/staff/consultations/{c}/statement/publish", "manage"),
    "privacy.data_requests": ("GET", "/staff/data-requests?reference={ref}", "admin"),
    "privacy.data_copy": ("GET", "/staff/data-requests/{ref}/copy.json", "admin"),
    "privacy.erase": ("POST", "/staff/data-requests/{ref}/erase", "admin"),
    "privacy.retention": ("GET", "/staff/retention", "admin"),
    "privacy.audit_log": ("GET", "/staff/audit", "admin"),
    "agreement.index": ("GET", "/staff/consultations/{c}/agreement", "view"),
    "agreement.draw": ("POST", "/staff/consultations/{c}/agreement/samples", "manage"),
    "agreement.code": ("GET", "/staff/consultations/{c}/agreement/{s}/code", "manage"),
    "agreement.report": ("GET", "/staff/consultations/{c}/agreement/{s}", "view"),
}

# (role, member of the consultation?) -> levels they have.
LEVELS = {
    ("admin", False): {"any", "officer", "view", "manage", "record", "admin"},
    ("officer", False): {"any", "officer", "view", "manage", "record"},
    ("facilitator", True): {"any", "view", "record"},
    ("reviewer", True): {"any", "view"},
    ("facilitator", False): {"any"},
    ("reviewer", False): {"any"},
}


def test_every_staff_route_is_in_the_matrix(app):
    staff_endpoints = {rule.endpoint for rule in app.url_map.iter_rules()
                       if rule.rule.startswith("/staff")}
    assert staff_endpoints == set(ROUTES)


@pytest.fixture
def two_consultations(app):
    """Two consultations with two drafts and a question each."""
    result = []
    for title in ("Ours", "Theirs"):
        consultation = make_consultation(title=title, with_draft=True, with_question=True)
        services.add_plan_version(consultation, "Second draft", DRAFT_MARKDOWN + "\n## 9. New\n\nNew text.\n")
        db.session.commit()
        result.append(consultation)
    return result


def _url(template, consultation):
    ids = {"c": consultation.id, "q": consultation.questions[0].id}
    if "{r}" in template:
        ids["r"] = _response_id(consultation)
    if "{ref}" in template:
        ids["ref"] = db.session.get(Response, _response_id(consultation)).reference
    if "{e}" in template or "{i}" in template:
        ids["e"], ids["i"] = _event_and_item_ids(consultation)
    if "{j}" in template:
        ids["j"] = _check_job_id(consultation)
    if "{u}" in template:
        ids["u"] = _upload_token(consultation)
    if "{t}" in template or "{k}" in template:
        ids["t"], ids["k"] = _theme_and_tag_ids(consultation)
    if "{s}" in template:
        ids["s"] = _sample_id(consultation)
    if "{g}" in template:
        ids["g"] = _duplicate_group(consultation)
    return template.format(**ids)


def _theme_and_tag_ids(consultation):
    """A theme of the consultation and an automatic suggestion of it on a note, made at first need."""
    from engage.models import Tag, Theme

    theme = Theme.query.filter_by(consultation_id=consultation.id).first()
    if theme is None:
        theme = Theme(consultation_id=consultation.id, name="Transport", keywords="bus\ntransport")
        db.session.add(theme)
        db.session.commit()
    tag = Tag.query.filter_by(theme_id=theme.id).first()
    if tag is None:
        _, item_id = _event_and_item_ids(consultation)
        tag = Tag(item_id=item_id, theme_id=theme.id, source="automatic", status="suggested", confidence=0.6,
                  explanation=["buses"])
        db.session.add(tag)
        db.session.commit()
    return theme.id, tag.id


def _sample_id(consultation):
    """A second-coder sample of one item, made at first need."""
    from engage.models import CodingSample, CodingSampleItem

    sample = CodingSample.query.filter_by(consultation_id=consultation.id).first()
    if sample is None:
        _, item_id = _event_and_item_ids(consultation)
        sample = CodingSample(consultation_id=consultation.id, size=1, seed=0)
        sample.items.append(CodingSampleItem(item_id=item_id, position=0))
        db.session.add(sample)
        db.session.commit()
    return sample.id


def _duplicate_group(consultation):
    """The key of a group of near-identical items, made at first need."""
    _, item_id = _event_and_item_ids(consultation)
    item = db.session.get(FeedbackItem, item_id)
    if not item.duplicate_group:
        item.duplicate_group = "g1"
        db.session.commit()
    return item.duplicate_group


def _response_id(consultation):
    """A response of the consultation, made at first need (a response locks the questions)."""
    response = consultation.responses.first() or make_response(consultation)
    return response.id


def _event_and_item_ids(consultation):
    """An engagement event of the consultation and a note taken at it, made at first need."""
    event = EngagementEvent.query.filter_by(consultation_id=consultation.id).first() or make_event(consultation)
    item = FeedbackItem.query.filter_by(event_id=event.id).first()
    if item is None:
        item = FeedbackItem(consultation_id=consultation.id, event_id=event.id, source="event_note",
                            text="Buses stop at six")
        db.session.add(item)
        db.session.commit()
    return event.id, item.id


def _check_job_id(consultation):
    """A finished check of an import file that found a problem, made at first need."""
    from engage.models import BackgroundJob

    job = BackgroundJob.query.filter_by(consultation_id=consultation.id, kind="import_responses_check").first()
    if job is None:
        job = BackgroundJob(consultation_id=consultation.id, kind="import_responses_check", status="done",
                            params={"kind": "responses", "filename": "x.csv", "upload": "0" * 32},
                            result={"rows": 1, "new": 0, "already": 0, "repeated": 0, "rows_with_errors": 1,
                                    "error_count": 1, "errors": [[2, "ID", "The ID is missing"]],
                                    "error_groups": [], "headings": [], "preview": []})
        db.session.add(job)
        db.session.commit()
    return job.id


def _upload_token(consultation):
    """A file uploaded for import into the consultation, made at first need."""
    import io

    from engage.imports.services import save_upload

    return save_upload(consultation, "responses", io.BytesIO(b"ID,Comment\n1,Hello\n"), "x.csv").token


@pytest.mark.parametrize("role,member", list(LEVELS))
def test_role_by_route_matrix(app, two_consultations, role, member):
    ours, _ = two_consultations
    user = make_user(role)
    if member:
        db.session.add(Membership(user=user, consultation=ours, role=role))
        db.session.commit()
    client = app.test_client()
    assert login(client, user).status_code == 302
    for endpoint, (method, template, level) in ROUTES.items():
        url = _url(template, ours)
        response = client.open(url, method=method, data={"status": "open", "direction": "up"})
        if level in LEVELS[(role, member)]:
            # A POST with the matrix's placeholder data may be refused as bad input (400), never as forbidden.
            reached = (200, 302, 400) if method == "POST" else (200, 302)
            assert response.status_code in reached, f"{role} should reach {endpoint}: {response.status_code}"
            if response.status_code == 302:
                assert "/auth/login" not in response.headers["Location"]
        else:
            assert response.status_code == 403, f"{role} (member={member}) reached {endpoint}"


def test_anonymous_users_are_sent_to_sign_in(app, two_consultations):
    ours, _ = two_consultations
    client = app.test_client()
    for endpoint, (method, template, level) in ROUTES.items():
        response = client.open(_url(template, ours), method=method)
        assert response.status_code == 302, endpoint
        assert "/auth/login" in response.headers["Location"], endpoint


def test_another_consultations_question_is_not_found(app, two_consultations):
    ours, theirs = two_consultations
    officer = make_user("officer")
    client = app.test_client()
    login(client, officer)
    foreign = theirs.questions[0].id
    for suffix in ("edit", "delete"):
        assert client.get(f"/staff/consultations/{ours.id}/questions/{foreign}/{suffix}").status_code == 404
    assert client.post(f"/staff/consultations/{ours.id}/questions/{foreign}/move",
                       data={"direction": "up"}).status_code == 404


def test_facilitator_only_sees_their_consultations_on_the_dashboard(app, two_consultations):
    ours, theirs = two_consultations
    facilitator = make_user("facilitator")
    db.session.add(Membership(user=facilitator, consultation=ours, role="facilitator"))
    db.session.commit()
    client = app.test_client()
    login(client, facilitator)
    page = client.get("/staff/").get_data(as_text=True)
    assert ">Ours<" in page
    assert ">Theirs<" not in page
    assert "Create a consultation" not in page


def test_facilitator_cannot_edit_a_consultation(app, two_consultations):
    ours, _ = two_consultations
    facilitator = make_user("facilitator")
    db.session.add(Membership(user=facilitator, consultation=ours, role="facilitator"))
    db.session.commit()
    client = app.test_client()
    login(client, facilitator)
    response = client.post(f"/staff/consultations/{ours.id}/edit", data={"title": "Hijacked"})
    assert response.status_code == 403
    db.session.rollback()
    assert db.session.get(Consultation, ours.id).title == "Ours"


def test_csrf_rejects_a_post_without_a_token(csrf_app, make_user):
    officer = make_user("officer")
    client = csrf_app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    token = csrf_token_from(page)
    # Sign-in itself without the token fails...
    response = client.post("/auth/login", data={"email": officer.email, "password": "correct horse battery staple"})
    assert response.status_code == 400
    assert "Your form could not be sent" in response.get_data(as_text=True)
    # ...and with it succeeds.
    response = client.post("/auth/login", data={"email": officer.email, "password": "correct horse battery staple",
                                                "csrf_token": token})
    assert response.status_code == 302
    response = client.post("/staff/consultations/new", data={"title": "No token"})
    assert response.status_code == 400
    assert Consultation.query.count() == 0


def test_text_people_type_is_escaped_everywhere(officer_client, officer):
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    consultation = make_consultation(title=payload, user=officer, summary=payload, organisation=payload,
                                     localities=[payload], with_draft=True)
    services.add_question(consultation, payload, hint=payload)
    db.session.commit()
    for url in ("/staff/", f"/staff/consultations/{consultation.id}",
                f"/staff/consultations/{consultation.id}/questions",
                f"/staff/consultations/{consultation.id}/edit"):
        page = officer_client.get(url).get_data(as_text=True)
        assert "<script>alert" not in page, url
        assert "<img src=x" not in page, url
        assert "&lt;script&gt;" in page, url
