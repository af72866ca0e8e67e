"""The suggester's background job: themes, stance and tone suggested for the items officers have not coded."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engage import jobs
from engage.coding import suggesting
from engage.consultations.services import add_question
from engage.extensions import db
from engage.models import AuditEvent, BackgroundJob, FeedbackItem, Tag, Theme, utcnow
from tests.factories import make_consultation, make_user

TRANSPORT = ["The bus to the hospital is always late", "There is no bus from the village after six",
             "Transport to appointments costs too much", "The buses are full and the bus route was cut",
             "Parking at the health centre is impossible", "I could not get transport to my appointment",
             "Community transport needs more drivers", "Bus timetables do not match clinic times",
             "The bus takes hours to reach the surgery", "No parking near the hospital and no bus either"]
STAFFING = ["The nurses are overworked and there are not enough staff", "Staff are kind but rushed off their feet",
            "We need more nurses and better paid staff", "The ward was short of nurses every night",
            "Care staff keep changing so nobody knows my mother", "Recruit more staff for home care",
            "Staff shortages mean visits are cut short", "Nurses cannot cope with the workload",
            "Agency staff do not know the patients", "Staff turnover at the care home is very high"]
NEITHER = ["I like the new leaflet design", "The website colours are pleasant", "My garden is lovely this year",
           "Thank you for asking my opinion", "The consultation document was clear", "Good luck with the plan",
           "The library event was well organised", "I read the plan at home"]
# Not coded: one item about transport, one about staffing, one about both, two about neither.
OPEN = ["The last bus leaves too early", "The nurses were lovely but there are too few staff",
        "The bus is late and more staff are needed on the wards",
        "I like the leaflet design and the website colours", "Thank you, the consultation document was clear"]


def _setup(with_keywords=True):
    consultation = make_consultation(title="Suggesting")
    officer = make_user("officer")
    transport = Theme(consultation_id=consultation.id, name="Transport", position=1,
                      description="Getting to services: buses, lifts and parking.",
                      keywords="bus\ntransport\nparking" if with_keywords else "")
    staffing = Theme(consultation_id=consultation.id, name="Staffing", position=2,
                     description="Enough staff, and staff who stay.",
                     keywords="staff\nnurses\nrecruit" if with_keywords else "")
    db.session.add_all([transport, staffing])
    db.session.commit()
    return consultation, officer, transport, staffing


def _items(consultation, texts, **fields):
    items = [FeedbackItem(consultation_id=consultation.id, text=text, source="other", **fields) for text in texts]
    db.session.add_all(items)
    db.session.commit()
    return items


def _code(items, themes_of, officer):
    """Code items as an officer would: confirmed tags (possibly none) and coded_at."""
    for item in items:
        for theme in themes_of(item):
            db.session.add(Tag(item_id=item.id, theme_id=theme.id, source="officer", status="confirmed",
                               coder_id=officer.id, decided_at=utcnow()))
        item.coded_at, item.coded_by_id = utcnow(), officer.id
    db.session.commit()


def _run(consultation, officer):
    background_job = suggesting.start_suggesting(consultation, officer)
    db.session.expire_all()
    return db.session.get(BackgroundJob, background_job.id)


def _suggested(item):
    return {tag.theme_id: tag for tag in Tag.query.filter_by(item_id=item.id, status="suggested",
                                                             source="automatic")}


def _coded_consultation():
    """A consultation with 42 coded items (Transport, Staffing, both, or no theme) and 5 not coded."""
    consultation, officer, transport, staffing = _setup(with_keywords=False)
    both = [f"{TRANSPORT[n]} and {STAFFING[n + 1].lower()}" for n in range(8)]
    pairs = [f"{NEITHER[n]} and {NEITHER[n + 1].lower()}" for n in range(6)]
    coded = _items(consultation, TRANSPORT + STAFFING + both + NEITHER + pairs)
    _code(coded, lambda item: [theme for theme, words in ((transport, ("bus", "transport", "parking")),
                                                          (staffing, ("staff", "nurse")))
                               if any(word in item.text.lower() for word in words)], officer)
    return consultation, officer, transport, staffing, _items(consultation, OPEN)


def test_cold_start_suggests_from_the_codebook_words_found_in_each_item(app):
    consultation, officer, transport, staffing = _setup()
    bus, nurses, both, neither = _items(consultation, [
        "The bus to the hospital never comes on time", "Not enough nurses on the ward at night",
        "No bus and no staff", "I enjoyed the drop-in session"])
    status = suggesting.training_status(consultation)
    assert status["ready_for_model"] is False and status["coded_items"] == 0
    assert "keywords" in status["explanation"] and "30" in status["explanation"]
    background_job = _run(consultation, officer)
    assert background_job.status == "done", background_job.message
    assert background_job.result["method"] == "codebook" and background_job.result["trained_on"] == 0
    assert set(_suggested(bus)) == {transport.id}
    assert set(_suggested(nurses)) == {staffing.id}
    assert set(_suggested(both)) == {transport.id, staffing.id}
    assert _suggested(neither) == {}
    for item in (bus, nurses, both):
        for tag in _suggested(item).values():
            assert tag.explanation and 0 < tag.confidence <= 1 and tag.coding_pass == "primary"
            assert all(word.lower() in item.text.lower() for word in tag.explanation)


def test_the_model_reads_each_answer_with_the_question_it_answers(app):
    # "No" to "What could be better?" and "No" to "Did anything go wrong?" are two themes.
    consultation, officer, transport, staffing = _setup(with_keywords=False)
    better = add_question(consultation, "Could anything be better?")
    wrong = add_question(consultation, "Did anything go wrong?")
    fine = Theme(consultation_id=consultation.id, name="Nothing to improve", position=3)
    safe = Theme(consultation_id=consultation.id, name="Nothing went wrong", position=4)
    db.session.add_all([fine, safe])
    db.session.commit()
    answers = ["No", "Nothing", "No, nothing", "None", "Nothing really", "Not really", "No thanks", "Nothing at all"]
    coded_better = _items(consultation, answers * 2, question_id=better.id)
    coded_wrong = _items(consultation, answers * 2, question_id=wrong.id)
    coded_other = _items(consultation, TRANSPORT + STAFFING)
    _code(coded_better, lambda item: [fine], officer)
    _code(coded_wrong, lambda item: [safe], officer)
    _code(coded_other, lambda item: [transport] if item.text in TRANSPORT else [staffing], officer)
    texts, contexts, labels = suggesting._training_set(consultation, suggesting.live_themes(consultation))
    assert contexts.count(f"question {better.id}") == contexts.count(f"question {wrong.id}") == 16
    [to_better] = _items(consultation, ["No, nothing at all"], question_id=better.id)
    [to_wrong] = _items(consultation, ["No, nothing at all"], question_id=wrong.id)
    background_job = _run(consultation, officer)
    assert background_job.status == "done", background_job.message
    assert background_job.result["method"] == "model"

    def best(item):
        return max(_suggested(item).values(), key=lambda tag: tag.confidence).theme_id

    assert best(to_better) == fine.id
    assert best(to_wrong) == safe.id


def test_with_enough_coding_a_model_suggests_none_one_or_two_themes(app):
    consultation, officer, transport, staffing, (bus, nurses, both, *neither) = _coded_consultation()
    status = suggesting.training_status(consultation)
    assert status["coded_items"] == 42 and status["themes_with_examples"] == 2 and status["ready_for_model"]
    assert "model trained on the 42 items" in status["explanation"]
    background_job = _run(consultation, officer)
    assert background_job.status == "done", background_job.message
    result = background_job.result
    assert result["method"] == "model" and result["trained_on"] == 42 and result["items_considered"] == 5
    assert set(_suggested(bus)) == {transport.id}
    assert set(_suggested(nurses)) == {staffing.id}
    assert set(_suggested(both)) == {transport.id, staffing.id}
    assert all(_suggested(item) == {} for item in neither)
    tag = _suggested(bus)[transport.id]
    assert tag.explanation and all(word.lower() in bus.text.lower() for word in tag.explanation)


def test_a_rejected_theme_is_never_suggested_again(app):
    consultation, officer, transport, staffing = _setup()
    (item,) = _items(consultation, ["The bus is late and the staff are rude"])
    db.session.add(Tag(item_id=item.id, theme_id=transport.id, source="automatic", status="rejected",
                       confidence=0.8, coder_id=officer.id, decided_at=utcnow()))
    db.session.commit()
    for _ in range(2):
        assert _run(consultation, officer).status == "done"
    tags = {tag.theme_id: tag.status for tag in Tag.query.filter_by(item_id=item.id)}
    assert tags == {transport.id: "rejected", staffing.id: "suggested"}


def test_coded_items_and_decided_tags_are_left_alone(app):
    consultation, officer, transport, staffing = _setup()
    coded_no_theme, accepted_one, open_item = _items(consultation, [
        "The bus never comes", "The bus is late and the nurses are busy", "Parking is a nightmare"])
    coded_no_theme.coded_at = utcnow()
    confirmed = Tag(item_id=accepted_one.id, theme_id=transport.id, source="automatic", status="confirmed",
                    confidence=0.7, coder_id=officer.id, decided_at=utcnow())
    pending = Tag(item_id=accepted_one.id, theme_id=staffing.id, source="automatic", status="suggested",
                  confidence=0.45, explanation=["nurses"])
    second_pass = Tag(item_id=open_item.id, theme_id=staffing.id, source="officer", status="confirmed",
                      coding_pass="second", coder_id=officer.id)
    db.session.add_all([confirmed, pending, second_pass])
    db.session.commit()
    before = {(tag.id, tag.item_id, tag.theme_id, tag.status, tag.coding_pass, tag.confidence)
              for tag in Tag.query.all()}
    background_job = _run(consultation, officer)
    assert background_job.result["items_considered"] == 1
    after = {(tag.id, tag.item_id, tag.theme_id, tag.status, tag.coding_pass, tag.confidence)
             for tag in Tag.query.all()}
    assert before <= after
    assert Tag.query.filter_by(item_id=coded_no_theme.id).count() == 0
    assert {(tag.theme_id, tag.coding_pass) for tag in Tag.query.filter_by(item_id=open_item.id)} == {
        (staffing.id, "second"), (transport.id, "primary")}


def test_running_again_replaces_undecided_suggestions(app):
    consultation, officer, transport, staffing = _setup()
    items = _items(consultation, ["The bus is late", "More nurses please", "Bus and staff problems"])
    first = _run(consultation, officer)
    # Mark the first run's suggestions, as if an older suggester had made them.
    for tag in Tag.query.all():
        tag.confidence, tag.explanation = 0.01, ["old"]
    db.session.commit()
    second = _run(consultation, officer)
    tags = Tag.query.all()
    assert len(tags) == first.result["suggestions"] == second.result["suggestions"] == 4
    assert all(tag.confidence > 0.01 and tag.explanation != ["old"] for tag in tags)
    pairs = [(tag.item_id, tag.theme_id) for tag in tags]
    assert len(pairs) == len(set(pairs))
    assert {tag.item_id for tag in tags} == {item.id for item in items}


def test_stance_and_tone_are_set_but_an_officers_stance_is_kept(app):
    consultation, officer, *_ = _setup()
    praise, complaint, corrected = _items(consultation, [
        "The staff were wonderful and the service is excellent", "The bus service is terrible and unreliable",
        "The waiting list is awful and the staff are rude"])
    corrected.stance, corrected.stance_source = "support", "officer"
    db.session.commit()
    background_job = _run(consultation, officer)
    assert background_job.result["stance_method"] == "rule"
    db.session.expire_all()
    assert (praise.stance, praise.stance_source) == ("support", "rule") and praise.tone > 0
    assert (complaint.stance, complaint.stance_source) == ("concern", "rule") and complaint.tone < 0
    assert (corrected.stance, corrected.stance_source) == ("support", "officer") and corrected.tone < 0


def test_stance_is_learnt_from_enough_officer_stances(app):
    consultation, officer, *_ = _setup()
    good = [f"The {word} was excellent and helpful" for word in ("nurse", "bus", "ward", "clinic", "doctor",
                                                               "receptionist", "pharmacy", "visit", "leaflet",
                                                               "website", "service", "centre", "home", "staff",
                                                               "garden", "lunch")]
    bad = [f"The {word} was dreadful and useless" for word in ("nurse", "bus", "ward", "clinic", "doctor",
                                                             "receptionist", "pharmacy", "visit", "leaflet",
                                                             "website", "service", "centre", "home", "staff",
                                                             "garden", "lunch")]
    _items(consultation, good, stance="support", stance_source="officer")
    _items(consultation, bad, stance="concern", stance_source="officer")
    (item,) = _items(consultation, ["The transport was excellent and helpful"])
    assert "learnt from the 32 stances" in suggesting.training_status(consultation)["explanation"]
    background_job = _run(consultation, officer)
    assert background_job.result["stance_method"] == "model"
    db.session.expire_all()
    assert (item.stance, item.stance_source) == ("support", "model")


def test_archived_and_merged_themes_are_never_suggested(app):
    consultation, officer, transport, staffing = _setup()
    old = Theme(consultation_id=consultation.id, name="Old buses", keywords="bus\ncoach", archived=True)
    parking = Theme(consultation_id=consultation.id, name="Parking", keywords="parking\ncar park",
                    merged_into_id=transport.id)
    db.session.add_all([old, parking])
    db.session.commit()
    (item,) = _items(consultation, ["The car park is full and the coach never comes, so parking by bus is hopeless"])
    db.session.add(Tag(item_id=item.id, theme_id=old.id, source="automatic", status="suggested", confidence=0.9))
    db.session.commit()
    background_job = _run(consultation, officer)
    assert background_job.status == "done" and background_job.result["themes"] == 2
    assert set(_suggested(item)) == {transport.id}
    assert Tag.query.filter(Tag.theme_id.in_([old.id, parking.id])).count() == 0


def test_confirmed_tags_of_a_merged_theme_count_for_the_theme_it_was_merged_into(app):
    consultation, officer, transport, staffing = _setup()
    parking = Theme(consultation_id=consultation.id, name="Parking", merged_into_id=transport.id)
    db.session.add(parking)
    db.session.commit()
    items = _items(consultation, TRANSPORT[:3])
    _code(items, lambda item: [parking], officer)
    status = suggesting.training_status(consultation)
    assert status["coded_items"] == 3 and status["themes_with_examples"] == 1
    texts, contexts, labels = suggesting._training_set(consultation, suggesting.live_themes(consultation))
    assert labels == [{transport.id}] * 3


def test_progress_reaches_100_and_the_figures_match_the_database(app):
    consultation, officer, transport, staffing, open_items = _coded_consultation()
    background_job = _run(consultation, officer)
    state = jobs.state(background_job)
    assert state["percent"] == 100 and background_job.progress == background_job.total > 0
    result = background_job.result
    suggested = Tag.query.filter_by(source="automatic", status="suggested")
    assert result["suggestions"] == suggested.count() == sum(result["suggested"].values())
    assert result["items_with_suggestions"] == db.session.scalar(
        select(func.count(func.distinct(Tag.item_id))).where(Tag.status == "suggested"))
    for theme in (transport, staffing):
        assert result["suggested"].get(str(theme.id), 0) == suggested.filter_by(theme_id=theme.id).count()
    assert result["items_total"] == 47 and result["stances_set"] == 47
    for phase in ("train", "read", "suggest", "stance", "write"):
        assert result[f"{phase}_seconds"] >= 0 and result["cpu_seconds"][phase] >= 0
    assert background_job.message == result["summary"]
    event = AuditEvent.query.filter_by(action="suggestions_made").one()
    assert event.user_id == officer.id and event.consultation_id == consultation.id
    assert event.detail["suggestions"] == result["suggestions"] and event.detail["method"] == "model"


def test_an_empty_codebook_fails_clearly_and_changes_nothing(app):
    consultation = make_consultation(title="No themes")
    officer = make_user("officer")
    (item,) = _items(consultation, ["The bus is late"])
    background_job = _run(consultation, officer)
    assert background_job.status == "failed"
    assert "no themes" in background_job.message and "Add themes" in background_job.message
    db.session.expire_all()
    assert item.stance is None and item.tone is None and Tag.query.count() == 0
    assert "no themes" in suggesting.training_status(consultation)["explanation"]


def test_a_failure_while_writing_rolls_everything_back(app, monkeypatch):
    consultation, officer, transport, _ = _setup()
    (item,) = _items(consultation, ["The bus is late"])
    db.session.add(Tag(item_id=item.id, theme_id=transport.id, source="automatic", status="suggested",
                       confidence=0.3, explanation=["bus"]))
    db.session.commit()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(suggesting, "record", broken)
    background_job = _run(consultation, officer)
    assert background_job.status == "failed" and "Nothing was changed" in background_job.message
    db.session.expire_all()
    assert [(tag.theme_id, tag.confidence) for tag in Tag.query.all()] == [(transport.id, 0.3)]
    assert item.stance is None and item.tone is None


def test_starting_twice_while_a_run_is_active_returns_the_same_run(app, monkeypatch):
    consultation, officer, *_ = _setup()
    monkeypatch.setattr(jobs, "_dispatch", lambda app, job_id: None)  # queued, never run
    first = suggesting.start_suggesting(consultation, officer)
    second = suggesting.start_suggesting(consultation, officer)
    assert second.id == first.id
    assert suggesting.active_run(consultation).id == first.id == suggesting.latest_run(consultation).id
    assert BackgroundJob.query.filter_by(kind=suggesting.SUGGEST_JOB).count() == 1
    # Another consultation's run is its own.
    other = make_consultation(title="Other")
    assert suggesting.active_run(other) is None
    assert suggesting.start_suggesting(other, officer).id != first.id


def test_a_run_stopped_by_a_restart_does_not_block_the_next(app, monkeypatch):
    consultation, officer, *_ = _setup()
    stale = BackgroundJob(kind=suggesting.SUGGEST_JOB, status="running", consultation_id=consultation.id,
                          created_at=utcnow() - timedelta(days=1), started_at=utcnow() - timedelta(days=1))
    db.session.add(stale)
    db.session.commit()
    background_job = _run(consultation, officer)
    assert background_job.id != stale.id and background_job.status == "done"
    db.session.expire_all()
    assert stale.status == "failed" and suggesting.latest_run(consultation).id == background_job.id


@pytest.mark.parametrize("coded, expected", [(0, "codebook"), (42, "model")])
def test_training_status_names_the_method(app, coded, expected):
    if coded:
        consultation, *_ = _coded_consultation()
    else:
        consultation, *_ = _setup()
    assert suggesting.training_status(consultation)["method"] == expected
