"""Preparing and serving the statement's downloads: the background job, where the files live, whether they are current.

A published revision's downloads are written by one background job
("statement_exports") into EXPORT_DIR/<consultation id>/<revision number>/ (by default
instance/exports/, never static/), under names made here, with a manifest.json
listing each file's size and a fingerprint of what may be published at that moment.

Words leave every revision when their author withdraws, is erased, is withheld or
redacted (engage.publishing.statement.for_display). Files on disk cannot follow, so
each download first compares the manifest's fingerprint with today's: when what may
be published has changed, the files are out of date and are not served until they
are prepared again.
"""
import hashlib
import json
import logging
import os
import secrets
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from engage import audit, jobs
from engage.extensions import db
from engage.models import BackgroundJob, Consultation, FeedbackItem, Redaction, Response, StatementRevision, User
from engage.models.base import utcnow
from engage.publishing.quotes import publishable_condition
from engage.publishing.statement import _pending_redaction, for_display

log = logging.getLogger(__name__)

JOB = "statement_exports"


@dataclass(frozen=True)
class Format:
    """One download: its key in URLs, what it is, the stored file's name and how it is sent."""

    key: str
    label: str
    filename: str
    mimetype: str
    suffix: str


FORMATS = {spec.key: spec for spec in (
    Format("pdf", "PDF document", "statement.pdf", "application/pdf", ".pdf"),
    Format("docx", "Word document (for board papers)", "statement.docx",
           "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
    Format("xlsx", "Spreadsheet: published responses, themes and who responded", "statement.xlsx",
           "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
    Format("csv", "CSV: themes with their counts", "themes.csv", "text/csv", "-themes.csv"),
    Format("responses-csv", "CSV: published responses", "published-responses.csv", "text/csv",
           "-published-responses.csv"),
    Format("json", "Open data (JSON)", "statement.json", "application/json", ".json"),
)}
MANIFEST = "manifest.json"
# Checking that prepared files are still current reads every publishable comment's row (about a
# second at 300,000 comments), so a process reuses its answer for EXPORT_RECHECK_SECONDS (config)
# on public downloads. Staff pages always check afresh.


# Where the files live ---------------------------------------------------------------------------

def export_root():
    """The folder for every consultation's downloads (EXPORT_DIR, else instance/exports)."""
    return Path(current_app.config["EXPORT_DIR"] or Path(current_app.instance_path) / "exports")


def revision_dir(consultation_id, number):
    """The folder of one revision's downloads (ids only: nothing typed reaches a path)."""
    return export_root() / str(int(consultation_id)) / str(int(number))


def read_manifest(consultation_id, number):
    """The manifest of a revision's prepared downloads, or None if they have not been prepared."""
    try:
        return json.loads((revision_dir(consultation_id, number) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def download_name(consultation, number, spec):
    """The file name a download is saved as, e.g. "older-peoples-plan-statement-2.pdf"."""
    slug = "".join(ch for ch in consultation.slug if ch.isalnum() or ch == "-")[:80] or "consultation"
    return f"{slug}-statement-{int(number)}{spec.suffix}"


# Is it current? ---------------------------------------------------------------------------------

def publication_state(consultation):
    """Figures that change whenever what may be published of people's words changes.

    The set of publishable comments (withdrawal, erasure, withholding, consent), their
    length (edits), their respondents' latest change (names, consent) and the confirmed
    redactions. One aggregate query (no comment's text is read into Python): about a
    second at 300,000 comments.
    """
    items = db.session.execute(
        select(func.count(FeedbackItem.id), func.coalesce(func.sum(FeedbackItem.id), 0),
               func.coalesce(func.sum(func.length(FeedbackItem.text)), 0), func.max(Response.updated_at))
        .select_from(FeedbackItem).join(Response, Response.id == FeedbackItem.response_id)
        .where(FeedbackItem.consultation_id == consultation.id, publishable_condition(), ~_pending_redaction())
    ).one()
    redactions = db.session.execute(
        select(func.count(Redaction.id), func.coalesce(func.sum(Redaction.id), 0), func.max(Redaction.decided_at))
        .join(FeedbackItem, FeedbackItem.id == Redaction.item_id)
        .where(FeedbackItem.consultation_id == consultation.id, Redaction.status == "confirmed")
    ).one()
    return [str(value) for value in (*items, *redactions)]


def fingerprint(shown, state):
    """A hash of the quotations and organisations shown (for_display) and the publication state."""
    quotes = [[theme["id"], [[quote["item_id"], quote["text"], quote["attribution"]] for quote in theme["quotes"]]]
              for top in shown["what_people_said"]["themes"] for theme in (top, *top.get("children", []))]
    payload = json.dumps([quotes, shown["annexes"].get("organisations", []), state], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def current_fingerprint(consultation, revision, state=None):
    """Today's fingerprint of a revision (pass `state` when checking several revisions at once)."""
    return fingerprint(for_display(revision.content), state or publication_state(consultation))


# What a page shows -----------------------------------------------------------------------------

@dataclass
class RevisionDownloads:
    """One published revision and the state of its downloads, for the staff page."""

    revision: StatementRevision
    manifest: dict | None
    job: BackgroundJob | None
    out_of_date: bool = False
    files: list = field(default_factory=list)  # [(Format, bytes)] of files ready to download

    @property
    def preparing(self):
        """A job is preparing this revision's downloads now."""
        return self.job is not None and jobs.is_active(self.job)

    @property
    def failed(self):
        """The latest attempt to prepare them failed (files prepared before it, if any, are kept)."""
        return (self.job is not None and self.job.status == "failed"
                and (self.manifest is None or self.job.created_at.isoformat() > self.manifest.get("prepared_at", "")))

    @property
    def status(self):
        """"Being prepared", "Failed", "Out of date", "Ready" or "Not prepared"."""
        if self.preparing:
            return "Being prepared"
        if self.failed:
            return "Failed"
        if self.manifest is None:
            return "Not prepared"
        return "Out of date" if self.out_of_date else "Ready"


def export_jobs(consultation):
    """The consultation's export jobs, newest first."""
    return (BackgroundJob.query.filter_by(consultation_id=consultation.id, kind=JOB)
            .order_by(BackgroundJob.id.desc()).limit(100).all())


def revision_downloads(consultation, revisions):
    """The state of each revision's downloads, for the staff page."""
    latest_job = {}
    for background_job in export_jobs(consultation):
        latest_job.setdefault((background_job.params or {}).get("revision"), background_job)
    state = None
    listed = []
    for revision in revisions:
        manifest = read_manifest(consultation.id, revision.number)
        entry = RevisionDownloads(revision, manifest, latest_job.get(revision.number))
        if manifest is not None:
            state = state if state is not None else publication_state(consultation)
            entry.out_of_date = manifest.get("fingerprint") != current_fingerprint(consultation, revision, state)
            entry.files = [(FORMATS[key], details.get("bytes", 0)) for key, details in manifest["formats"].items()
                           if key in FORMATS]
        listed.append(entry)
    return listed


def active_export(consultation):
    """A queued or running export job of this consultation, or None."""
    return (BackgroundJob.query.filter_by(consultation_id=consultation.id, kind=JOB)
            .filter(BackgroundJob.status.in_(jobs.ACTIVE_STATUSES)).order_by(BackgroundJob.id.desc()).first())


def is_current(consultation, revision, manifest, recheck_after=0):
    """True if the files of this manifest still show only what may be published today.

    recheck_after: seconds for which this process may reuse its last answer (public
    downloads pass EXPORT_RECHECK_SECONDS, so a burst of requests costs one check, not one each).
    """
    checked_before = current_app.extensions.setdefault("engage_export_checks", {})
    key = (consultation.id, revision.number, manifest.get("fingerprint"))
    now = time.monotonic()
    if recheck_after:
        checked = checked_before.get(key)
        if checked is not None and now - checked[0] < recheck_after:
            return checked[1]
    current = manifest.get("fingerprint") == current_fingerprint(consultation, revision)
    if len(checked_before) > 1000:
        checked_before.clear()
    checked_before[key] = (now, current)
    return current


def recheck_seconds():
    """How long a public download may reuse the last check that its files are current."""
    return current_app.config["EXPORT_RECHECK_SECONDS"]


def stored_file(consultation, revision, key, recheck_after=0):
    """(path, Format) of a prepared, current download, or None (not prepared, unknown format or out of date)."""
    spec = FORMATS.get(key)
    manifest = read_manifest(consultation.id, revision.number)
    if spec is None or manifest is None or key not in manifest.get("formats", {}):
        return None
    if not is_current(consultation, revision, manifest, recheck_after):
        return None
    path = revision_dir(consultation.id, revision.number) / spec.filename
    return (path, spec) if path.is_file() else None


def public_downloads(consultation, revision):
    """[(Format, bytes)] of the revision's current downloads, for a public page to link to."""
    manifest = read_manifest(consultation.id, revision.number)
    if manifest is None or not is_current(consultation, revision, manifest, recheck_seconds()):
        return []
    return [(FORMATS[key], details.get("bytes", 0)) for key, details in manifest["formats"].items()
            if key in FORMATS]


# Preparing them --------------------------------------------------------------------------------

def start_exports(consultation, revision, user):
    """Start preparing every download of a published revision in the background; returns the job."""
    return jobs.enqueue(JOB, consultation, user, {"revision": revision.number})


def write_exports(consultation, revision, progress=None):
    """Write every format of a revision into its folder; returns the manifest.

    Written into a new folder first and swapped in at the end, so a download never sees
    half a set, and a failure leaves the previous set as it was. The published comments
    are read once, a chunk at a time, for both the spreadsheet and their CSV.
    """
    from engage.exports import tabular
    from engage.exports.docx import statement_docx
    from engage.exports.opendata import statement_json
    from engage.exports.pdf import statement_pdf
    from engage.exports.responses import published_responses
    from engage.exports.xlsx import published_responses_xlsx

    final = revision_dir(consultation.id, revision.number)
    final.parent.mkdir(parents=True, exist_ok=True)
    working = final.parent / f".{revision.number}.{secrets.token_hex(8)}"
    working.mkdir()
    # Fingerprint first: if someone withdraws while the files are written, the files may hold
    # their words but the fingerprint predates the withdrawal, so they are never served.
    state = publication_state(consultation)
    shown = for_display(revision.content)
    steps = ("pdf", "docx", "xlsx", "csv", "json")
    timings = {}

    def step(index, message):
        if progress is not None:
            progress.update(index, total=len(steps), message=message, force=True)

    def published_rows(target, index):
        """The published comments for the spreadsheet, each written to the CSV on the way."""
        writer = tabular.published_responses_writer(target)
        for row in published_responses(consultation, on_chunk=lambda done: step(
                index, f"Preparing the spreadsheet and CSV of published responses: {done:,} comments so far")):
            writer(row)
            yield row

    try:
        for index, key in enumerate(steps):
            spec = FORMATS[key]
            step(index, f"Preparing the {spec.label}")
            began = time.perf_counter()
            path = working / spec.filename
            if key == "pdf":
                path.write_bytes(statement_pdf(shown, revision))
            elif key == "docx":
                path.write_bytes(statement_docx(shown, revision))
            elif key == "xlsx":
                responses_path = working / FORMATS["responses-csv"].filename
                with responses_path.open("w", encoding="utf-8", newline="") as target:
                    published_responses_xlsx(consultation, shown, str(path), rows=published_rows(target, index),
                                             revision=revision)
            elif key == "csv":
                path.write_bytes(tabular.themes_csv(shown))
            elif key == "json":
                path.write_bytes(statement_json(shown, revision))
            timings[key] = round(time.perf_counter() - began, 2)
            if key == "xlsx":
                timings["responses-csv"] = timings[key]  # written in the same pass
        manifest = {
            "consultation_id": consultation.id, "revision": revision.number,
            "prepared_at": utcnow().isoformat(), "fingerprint": fingerprint(shown, state),
            "formats": {spec.key: {"file": spec.filename, "bytes": (working / spec.filename).stat().st_size,
                                   "seconds": timings[spec.key]} for spec in FORMATS.values()},
        }
        (working / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        old = None
        if final.exists():
            old = final.parent / f".{revision.number}.old.{secrets.token_hex(8)}"
            os.replace(final, old)
        os.replace(working, final)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(working, ignore_errors=True)
        raise
    step(len(steps), "Finished")
    return manifest


def _export_job(background_job, progress):
    consultation = db.session.get(Consultation, background_job.consultation_id)
    if consultation is None:
        raise jobs.JobFailed("The consultation no longer exists.")
    number = (background_job.params or {}).get("revision")
    revision = (StatementRevision.query.filter_by(consultation_id=consultation.id, number=number).first()
                if isinstance(number, int) else None)
    if revision is None:
        raise jobs.JobFailed("That revision of the statement has not been published.")
    try:
        manifest = write_exports(consultation, revision, progress)
    except OSError:
        log.exception("could not write the downloads of revision %s of consultation %s", number, consultation.id)
        raise jobs.JobFailed("The files could not be saved (the disk may be full). Nothing was changed. "
                             "Try again, and if it happens again, contact your system administrator.") from None
    user = db.session.get(User, background_job.created_by_id) if background_job.created_by_id else None
    audit.record("statement_exports_prepared", revision, consultation=consultation, user=user, number=number,
                 formats=sorted(manifest["formats"]))
    total = sum(details["bytes"] for details in manifest["formats"].values())
    return {"revision": number, "formats": manifest["formats"],
            "summary": f"Downloads of revision {number} prepared ({total / 1_000_000:.1f} MB)"}


jobs.job(JOB, "Preparing the statement's downloads")(_export_job)
