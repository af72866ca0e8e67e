"""Bulk import of responses from other survey tools, and of feedback already coded elsewhere.

The officer's journey: upload a CSV or Excel file -> say what each column is (the
mapping, remembered per consultation) -> a background check lists the first rows as
they will be imported and every problem by row and column -> import, as a
background job.

The rule: nothing is imported while any row has a problem. The officer corrects the
file or the mapping and checks again. An import is one transaction: it adds every
row or none. It is idempotent: each row has an import key (the ID column, or a hash
of the row's mapped values), and rows already imported are counted, not added again.

Speed (100,000 rows well within a minute): rows are streamed from the file; lookups
(groups, localities, questions, keys already imported) are read once, up front; rows
are written a chunk at a time inside the one transaction by bulk_insert (COPY on
PostgreSQL, executemany on SQLite).
"""
import hashlib
import json
import operator
import os
import random
import re
import secrets
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy import text as sql
from sqlalchemy.exc import DBAPIError

from engage import audit, jobs
from engage.database import before_raw_write
from engage.extensions import db
from engage.imports import tabular
from engage.models import (
    Answer, BackgroundJob, Consultation, FeedbackItem, ImportMapping, Response, Tag, Theme, User, utcnow,
)
from engage.models.response import LOCALITY_OUTSIDE, LOCALITY_PREFER_NOT, response_group
from engage.public.services import REFERENCE_ALPHABET

KINDS = ("responses", "coded")
KIND_LABELS = {"responses": "Responses from another survey tool", "coded": "Feedback already coded"}
CHECK_JOB = {"responses": "import_responses_check", "coded": "import_coded_check"}
IMPORT_JOB = {"responses": "import_responses", "coded": "import_coded"}
JOB_KINDS = tuple(CHECK_JOB.values()) + tuple(IMPORT_JOB.values())
# Rows written per multi-row INSERT; the whole import is still one transaction.
CHUNK_ROWS = 1000
PREVIEW_ROWS = 20
# Errors kept for the preview page; the count is always exact.
MAX_LISTED_ERRORS = 5000
MAX_ERROR_GROUPS = 50
UPLOAD_KEEP = timedelta(days=2)
COPY_CHUNK = 1024 * 1024
_TOKEN = re.compile(r"^[0-9a-f]{32}$")

# Tables, not ORM classes, for the bulk inserts (see bulk_insert).
RESPONSE, ANSWER, FEEDBACK_ITEM, TAG = (model.__table__ for model in (Response, Answer, FeedbackItem, Tag))

IGNORE = "ignore"
# Targets a column can map to (questions are "question:<id>").
RESPONSE_TARGETS = {
    "id": "ID of the response (stops a row being imported twice)",
    "respondent_type": "Responding as an individual or an organisation",
    "organisation_name": "Organisation name",
    "groups": "Stakeholder groups (separated by ;)",
    "locality": "Locality",
    "consent": "Consent to publish",
    "submitted_at": "Date submitted",
    "respondent_name": "Respondent’s name",
}
CODED_TARGETS = {
    "id": "ID of the comment (stops a row being imported twice)",
    "text": "Text of the comment",
    "themes": "Themes (separated by ;)",
    "section": "Section of the plan",
    "speaks_for": "Number of people it speaks for",
}
DATE_ORDERS = {"dmy": "Day first: 31/12/2026 (UK)", "mdy": "Month first: 12/31/2026 (US)"}

RESPONDENT_TYPE_WORDS = {
    "individual": "individual", "an individual": "individual", "as an individual": "individual",
    "myself": "individual", "personal": "individual", "person": "individual", "private individual": "individual",
    "individual response": "individual", "member of the public": "individual", "self": "individual",
    "organisation": "organisation", "organization": "organisation", "an organisation": "organisation",
    "an organization": "organisation", "on behalf of an organisation": "organisation",
    "on behalf of an organization": "organisation", "organisational response": "organisation",
    "organisation response": "organisation", "group or organisation": "organisation", "org": "organisation",
}
CONSENT_WORDS = {
    "publish_named": "publish_named", "publish named": "publish_named", "named": "publish_named",
    "publish with name": "publish_named", "publish with my name": "publish_named",
    "publish my response with my name": "publish_named", "yes, with my name": "publish_named",
    "yes with my name": "publish_named", "yes - with name": "publish_named", "yes, named": "publish_named",
    "publish_anonymous": "publish_anonymous", "publish anonymous": "publish_anonymous",
    "publish anonymously": "publish_anonymous", "anonymous": "publish_anonymous",
    "anonymously": "publish_anonymous", "publish without name": "publish_anonymous",
    "publish without my name": "publish_anonymous", "publish my response without my name": "publish_anonymous",
    "yes, anonymously": "publish_anonymous", "yes anonymously": "publish_anonymous",
    "yes, without my name": "publish_anonymous", "yes": "publish_anonymous", "y": "publish_anonymous",
    "true": "publish_anonymous",
    "do_not_publish": "do_not_publish", "do not publish": "do_not_publish",
    "don't publish": "do_not_publish", "don’t publish": "do_not_publish",
    "do not publish my response": "do_not_publish", "not for publication": "do_not_publish",
    "no": "do_not_publish", "n": "do_not_publish", "false": "do_not_publish",
}
LOCALITY_OTHER_WORDS = {
    "outside": LOCALITY_OUTSIDE, "outside the area": LOCALITY_OUTSIDE, "outwith the area": LOCALITY_OUTSIDE,
    "outwith": LOCALITY_OUTSIDE, "outside area": LOCALITY_OUTSIDE,
    "prefer not to say": LOCALITY_PREFER_NOT, "prefer_not_to_say": LOCALITY_PREFER_NOT,
    "rather not say": LOCALITY_PREFER_NOT,
}
RESPONDENT_TYPE_LABELS = {"individual": "Individual", "organisation": "Organisation"}
CONSENT_LABELS = {"publish_named": "Publish with name", "publish_anonymous": "Publish without name",
                  "do_not_publish": "Do not publish", None: "Not given"}
LOCALITY_OTHER_LABELS = {LOCALITY_OUTSIDE: "Outside the area", LOCALITY_PREFER_NOT: "Prefer not to say"}

# Column names that usually mean a field, for a first guess at the mapping.
RESPONSE_GUESSES = {
    "id": ("id", "response id", "respondent id", "responseid", "respondentid", "submission id", "record id",
           "unique id", "reference", "ref"),
    "respondent_type": ("respondent type", "responding as", "individual or organisation",
                        "individual or organization", "are you responding as", "response type"),
    "organisation_name": ("organisation", "organisation name", "organization", "organization name",
                          "name of organisation", "name of organization"),
    "groups": ("stakeholder group", "stakeholder groups", "group", "groups"),
    "locality": ("locality", "area", "locality area"),
    "consent": ("consent", "publication consent", "consent to publish", "publish"),
    "submitted_at": ("date", "date submitted", "submitted", "submitted at", "submission date", "completed",
                     "date completed", "completion time", "end date", "timestamp"),
    "respondent_name": ("name", "your name", "full name", "respondent name"),
}
CODED_GUESSES = {
    "id": ("id", "comment id", "row id", "reference", "ref"),
    "text": ("text", "comment", "comments", "feedback", "response", "what people said"),
    "themes": ("themes", "theme", "codes", "code", "tags", "categories"),
    "section": ("section", "plan section", "section of the plan"),
    "speaks_for": ("speaks for", "people", "number of people", "count"),
}


class ImportProblem(ValueError):
    """A problem with an upload or a mapping, worded for the officer."""


# Uploads ------------------------------------------------------------------------------------

@dataclass
class Upload:
    """A file waiting to be checked and imported, kept outside static/ under a random name."""

    token: str
    consultation_id: int
    kind: str
    filename: str
    suffix: str
    size: int
    uploaded_at: str
    uploaded_by_id: int | None = None

    @property
    def path(self):
        """Where the file is on disk."""
        return upload_dir() / f"{self.token}{self.suffix}"

    def open_table(self):
        """The file as a tabular.Table (raises tabular.TableError)."""
        return tabular.open_table(self.path, self.filename, max_bytes=current_app.config["IMPORT_MAX_BYTES"])


def upload_dir():
    """instance/uploads/ (or IMPORT_UPLOAD_DIR), created when first needed."""
    path = Path(current_app.config["IMPORT_UPLOAD_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def display_filename(filename):
    """The file's own name without any folders, for showing back to the officer."""
    name = re.split(r"[\\/]", filename or "")[-1].strip()
    return (name or "upload")[:200]


def save_upload(consultation, kind, stream, filename, user=None):
    """Copy an uploaded file to disk a megabyte at a time and check it can be read; returns an Upload."""
    filename = display_filename(filename)
    suffix = os.path.splitext(filename)[1].lower()
    if suffix == ".xls":
        raise ImportProblem(tabular.OLD_XLS)
    if suffix not in tabular.CSV_SUFFIXES + tabular.XLSX_SUFFIXES:
        raise ImportProblem(tabular.WRONG_TYPE)
    _sweep_old_uploads()
    max_bytes = current_app.config["IMPORT_MAX_BYTES"]
    upload = Upload(token=secrets.token_hex(16), consultation_id=consultation.id, kind=kind,
                    filename=filename, suffix=suffix, size=0, uploaded_at=utcnow().isoformat(),
                    uploaded_by_id=getattr(user, "id", None))
    path = upload.path
    try:
        with open(path, "wb") as out:
            while chunk := stream.read(COPY_CHUNK):
                upload.size += len(chunk)
                if upload.size > max_bytes:
                    raise ImportProblem(f"The selected file must be smaller than {tabular.size_label(max_bytes)}.")
                out.write(chunk)
        os.chmod(path, 0o600)
        with upload.open_table() as table:
            if not table.headers:
                raise ImportProblem("The first row of the file must name the columns.")
            if next(iter(table.rows()), None) is None:
                raise ImportProblem("The file has a header row but no rows of data.")
    except tabular.TableError as problem:
        path.unlink(missing_ok=True)
        raise ImportProblem(str(problem)) from None
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    _sidecar(upload.token).write_text(json.dumps(asdict(upload)))
    return upload


def _sidecar(token):
    return upload_dir() / f"{token}.json"


def load_upload(consultation, kind, token):
    """The consultation's upload with this token, or None (also for another consultation's)."""
    if not _TOKEN.match(token or ""):
        return None
    try:
        upload = Upload(**json.loads(_sidecar(token).read_text()))
    except (OSError, ValueError, TypeError):
        return None
    if upload.consultation_id != consultation.id or upload.kind != kind or not upload.path.exists():
        return None
    return upload


def delete_upload(upload):
    """Remove the file and its details (after a successful import)."""
    upload.path.unlink(missing_ok=True)
    _sidecar(upload.token).unlink(missing_ok=True)


def _sweep_old_uploads():
    """Uploads hold personal data: remove any left more than UPLOAD_KEEP ago."""
    cutoff = time.time() - UPLOAD_KEEP.total_seconds()
    for path in upload_dir().iterdir():
        try:
            if _TOKEN.match(path.name[:32]) and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
        except OSError:
            continue


def column_examples(upload, rows=200, per_column=3):
    """The file's column names, each with a few different example values from the first rows."""
    with upload.open_table() as table:
        examples = {header: [] for header in table.headers}
        for count, row in enumerate(table.rows()):
            if count >= rows:
                break
            for header, value in row.values.items():
                value = " ".join(value.split())
                if value and len(examples[header]) < per_column and value not in examples[header]:
                    examples[header].append(value[:80] + ("…" if len(value) > 80 else ""))
        return table.headers, examples


# Mapping ------------------------------------------------------------------------------------

def targets_for(consultation, kind):
    """(value, label) pairs a column of this kind of file can map to, "Do not import" first."""
    choices = [(IGNORE, "Do not import this column")]
    if kind == "responses":
        choices += list(RESPONSE_TARGETS.items())
        for number, question in enumerate(consultation.questions, start=1):
            text = question.text if len(question.text) <= 90 else question.text[:89] + "…"
            choices.append((f"question:{question.id}", f"Answer to question {number}: {text}"))
    else:
        choices += list(CODED_TARGETS.items())
    return choices


def _norm(text):
    return " ".join(re.sub(r"[^\w\s]", " ", (text or "").lower()).split())


def suggested_mapping(consultation, kind, headers):
    """The remembered mapping for these column names, else a guess from the names; with the date order."""
    valid = {value for value, _ in targets_for(consultation, kind)}
    remembered = ImportMapping.query.filter_by(consultation_id=consultation.id, kind=kind).first()
    known = {}
    date_order = "dmy"
    if remembered is not None:
        known = {name.lower(): target for name, target in (remembered.mapping.get("columns") or {}).items()}
        date_order = remembered.mapping.get("date_order") or date_order
    columns, used = {}, set()
    for header in headers:
        target = known.get(header.lower())
        if target in valid and (target == IGNORE or target not in used):
            columns[header] = target
            used.add(target)
    for header in headers:
        if header in columns:
            continue
        guess = _guess(consultation, kind, header)
        if guess and guess not in used:
            columns[header] = guess
            used.add(guess)
        else:
            columns[header] = IGNORE
    return {"columns": columns, "date_order": date_order}


def _guess(consultation, kind, header):
    name = _norm(header)
    for target, names in (RESPONSE_GUESSES if kind == "responses" else CODED_GUESSES).items():
        if name in names:
            return target
    if kind != "responses":
        return None
    for number, question in enumerate(consultation.questions, start=1):
        text = _norm(question.text)
        if name == text or (len(name) > 20 and (text.startswith(name) or name.startswith(text))) \
                or name in (f"q{number}", f"question {number}"):
            return f"question:{question.id}"
    return None


def mapping_problems(kind, columns):
    """{column: message} for columns mapped to something already chosen, and a general list."""
    by_column, general, first = {}, [], {}
    for column, target in columns.items():
        if target == IGNORE:
            continue
        if target in first:
            by_column[column] = f"“{column}” and “{first[target]}” cannot both be imported as the same thing"
        else:
            first[target] = column
    chosen = set(first)
    if kind == "responses":
        if not any(target.startswith("question:") for target in chosen):
            general.append("Choose at least one column that holds answers to a question")
    elif "text" not in chosen and "themes" not in chosen:
        general.append("Choose the columns that hold the text of each comment and its themes")
    elif "text" not in chosen:
        general.append("Choose the column that holds the text of each comment")
    elif "themes" not in chosen:
        general.append("Choose the column that holds the themes")
    return by_column, general


def remember_mapping(consultation, kind, mapping, user):
    """Keep this mapping for the consultation's next file of this kind (by column name)."""
    record = ImportMapping.query.filter_by(consultation_id=consultation.id, kind=kind).first()
    if record is None:
        record = ImportMapping(consultation_id=consultation.id, kind=kind)
        db.session.add(record)
    # Columns from earlier files that this file does not have are kept too.
    columns = dict((record.mapping or {}).get("columns") or {})
    columns.update(mapping["columns"])
    record.mapping = {"columns": columns, "date_order": mapping.get("date_order", "dmy")}
    record.updated_by_id = getattr(user, "id", None)
    db.session.flush()
    return record


def active_import(consultation):
    """A check or import of this consultation that is queued or running, or None."""
    return BackgroundJob.query.filter(
        BackgroundJob.consultation_id == consultation.id, BackgroundJob.kind.in_(JOB_KINDS),
        BackgroundJob.status.in_(jobs.ACTIVE_STATUSES),
    ).order_by(BackgroundJob.id.desc()).first()


def recent_imports(consultation, limit=25):
    """The consultation's latest checks and imports, newest first."""
    return BackgroundJob.query.filter(
        BackgroundJob.consultation_id == consultation.id, BackgroundJob.kind.in_(JOB_KINDS),
    ).order_by(BackgroundJob.id.desc()).limit(limit).all()


def start_check(consultation, upload, mapping, user, ip_address=""):
    """Queue the check of an uploaded file with this mapping; returns the job."""
    params = {"upload": upload.token, "kind": upload.kind, "filename": upload.filename, "mapping": mapping,
              "ip": ip_address}
    return jobs.enqueue(CHECK_JOB[upload.kind], consultation, user, params)


def start_import(consultation, check_job, user, ip_address=""):
    """Queue the import of a checked file, with the mapping it was checked with; returns the job."""
    params = dict(check_job.params)
    params.update({"check_job_id": check_job.id, "ip": ip_address,
                   "rows": (check_job.result or {}).get("rows", 0)})
    return jobs.enqueue(IMPORT_JOB[params["kind"]], consultation, user, params)


def kind_of_job(background_job):
    """"responses" or "coded" for an import or check job."""
    return (background_job.params or {}).get("kind") or (
        "coded" if "coded" in background_job.kind else "responses")


# Reading values ----------------------------------------------------------------------------

_DATE_FORMATS = {
    "dmy": ("%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y"),
    "mdy": ("%m/%d/%Y", "%m/%d/%y", "%m-%d-%Y"),
}
_TIME_FORMATS = ("", " %H:%M:%S", " %H:%M", " %I:%M:%S %p", " %I:%M %p", " %I:%M:%S%p", " %I:%M%p")
_WORDY_DATES = ("%d %B %Y", "%d %b %Y", "%A %d %B %Y", "%B %d %Y", "%b %d %Y", "%d %B %Y %H:%M", "%d %b %Y %H:%M")


class DateReader:
    """Reads dates as survey tools write them; remembers the format that last worked."""

    def __init__(self, order="dmy"):
        self.formats = [d + t for d in _DATE_FORMATS.get(order, _DATE_FORMATS["dmy"]) for t in _TIME_FORMATS]
        self.formats += list(_WORDY_DATES)
        self.order = order
        self.last = None

    def read(self, value):
        """A naive UTC datetime, or None if the value is not a date."""
        text = " ".join(value.replace(",", " ").split()) if value else ""
        if not text:
            return None
        moment = self._numeric(text)
        if moment is False:
            return None  # looks like a date but is not one, such as 31/02/2026
        if moment is None and _ISO_START.match(text):
            try:
                moment = datetime.fromisoformat(text.replace(" ", "T", 1))
            except ValueError:
                return None
        if moment is None:
            for fmt in ([self.last] if self.last else []) + self.formats:
                try:
                    moment = datetime.strptime(text, fmt)
                except ValueError:
                    continue
                self.last = fmt
                break
        if moment is None:
            return None
        if moment.tzinfo is not None:
            moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
        return moment

    def _numeric(self, text):
        """The common 05/03/2026 14:30 forms, without strptime (which is slow at 100,000 rows)."""
        match = _NUMERIC_DATE.match(text)
        if match is None:
            return None
        first, second, year, hour, minute, second_of_minute, half = match.groups()
        day, month = (first, second) if self.order == "dmy" else (second, first)
        year = int(year) + (2000 if len(year) == 2 else 0)
        hour = int(hour or 0)
        if half:
            if not 1 <= hour <= 12:
                return False
            hour = hour % 12 + (12 if half.lower() == "pm" else 0)
        try:
            return datetime(year, int(month), int(day), hour, int(minute or 0), int(second_of_minute or 0))
        except ValueError:
            return False


_ISO_START = re.compile(r"^\d{4}-")
_NUMERIC_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})"
                           r"(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)? ?([AaPp][Mm])?)?$")


def _split(value, separator=";"):
    return [part.strip() for part in value.split(separator) if part.strip()]


def _key_from_id(value):
    value = value.strip()
    if len(value) <= 128:
        return value
    return "sha256:" + hashlib.sha256(value.encode("utf-8")).hexdigest()


def _key_from_values(values):
    blob = json.dumps(values, sort_keys=True, ensure_ascii=False)
    return "sha256:" + hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _short(text, limit=300):
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Rows:
    columns = {}

    def column_for(self, target):
        """The file's column mapped to target, or ""."""
        return next((column for column, chosen in self.columns.items() if chosen == target), "")


class ResponseRows(_Rows):
    """Turns a file's rows into responses, with every problem found, given plain lookups."""

    def __init__(self, lookups, mapping, now=None):
        self.columns = {column: target for column, target in mapping["columns"].items() if target != IGNORE}
        self.groups = lookups["groups"]
        self.group_names = lookups["group_names"]
        self.localities = lookups["localities"]
        self.locality_names = lookups["locality_names"]
        self.questions = lookups["questions"]
        self.dates = DateReader(mapping.get("date_order", "dmy"))
        self.now = now or utcnow()
        self.has_id = "id" in self.columns.values()

    def headings(self):
        """Column headings for the preview, in the order of the mapping."""
        headings = []
        for target in self.columns.values():
            if target.startswith("question:"):
                question = self.questions.get(int(target.split(":")[1]))
                headings.append(f"Question {question['number']}" if question else target)
            else:
                headings.append(RESPONSE_TARGETS[target].split(" (")[0])
        return headings

    def convert(self, row):
        """(record, problems): the response a row becomes, and [(column, message)] for what is wrong."""
        problems = []
        record = {"number": row.number, "respondent_type": "individual", "organisation_name": "",
                  "respondent_name": "", "group_ids": [], "locality_id": None, "locality_other": "",
                  "consent": None, "submitted_at": None, "answers": [], "import_key": None}
        raw_type = respondent_type = None
        display = []
        key_values = {}
        if row.extra_cells:
            problems.append(("", f"This row has {row.extra_cells} more cell{'s' if row.extra_cells > 1 else ''} "
                                 "than there are column names. Check for a stray comma or semicolon."))
        for column, target in self.columns.items():
            value = (row.values.get(column) or "").strip()
            key_values[target] = value
            shown = value
            if target == "id":
                if not value:
                    problems.append((column, "The ID is missing"))
                else:
                    record["import_key"] = _key_from_id(value)
            elif target == "respondent_type":
                raw_type = value
            elif target == "organisation_name":
                if len(value) > 250:
                    problems.append((column, "The organisation name must be 250 characters or fewer"))
                record["organisation_name"] = value[:250]
            elif target == "respondent_name":
                if len(value) > 200:
                    problems.append((column, "The name must be 200 characters or fewer"))
                record["respondent_name"] = value[:200]
            elif target == "groups":
                names = []
                for part in _split(value):
                    group_id = self.groups.get(part.lower())
                    if group_id is None:
                        problems.append((column, f"“{_short(part, 80)}” is not one of this consultation’s "
                                                 "stakeholder groups"))
                    elif group_id not in record["group_ids"]:
                        record["group_ids"].append(group_id)
                        names.append(self.group_names[group_id])
                shown = "; ".join(names)
            elif target == "locality":
                if value:
                    other = LOCALITY_OTHER_WORDS.get(_norm(value)) or LOCALITY_OTHER_WORDS.get(value.lower())
                    locality_id = self.localities.get(value.lower())
                    if locality_id is not None:
                        record["locality_id"] = locality_id
                        shown = self.locality_names[locality_id]
                    elif other:
                        record["locality_other"] = other
                        shown = LOCALITY_OTHER_LABELS[other]
                    else:
                        problems.append((column, f"“{_short(value, 80)}” is not one of this consultation’s "
                                                 "localities, “outside the area” or “prefer not to say”"))
            elif target == "consent":
                if value:
                    consent = CONSENT_WORDS.get(value.lower()) or CONSENT_WORDS.get(_norm(value))
                    if consent is None:
                        problems.append((column, f"“{_short(value, 80)}” is not a consent answer: use "
                                                 "publish named, publish anonymous or do not publish "
                                                 "(or yes or no)"))
                    record["consent"] = consent
                shown = CONSENT_LABELS[record["consent"]] if record["consent"] or not value else value
            elif target == "submitted_at":
                if value:
                    moment = self.dates.read(value)
                    if moment is None:
                        example = "31/12/2026" if self.dates.order == "dmy" else "12/31/2026"
                        problems.append((column, f"“{_short(value, 40)}” is not a date (write dates like "
                                                 f"{example} or 2026-12-31)"))
                    elif moment > self.now + timedelta(days=1):
                        problems.append((column, f"{value} is in the future"))
                    else:
                        record["submitted_at"] = moment
                        shown = moment.strftime("%-d %B %Y %H:%M").removesuffix(" 00:00")
            elif target.startswith("question:"):
                question = self.questions.get(int(target.split(":")[1]))
                if question is None:
                    problems.append((column, "This question no longer exists: choose the mapping again"))
                elif value:
                    answer, problem = self._answer(question, value)
                    if problem:
                        problems.append((column, problem))
                    else:
                        record["answers"].append(answer)
                        shown = answer[1] if question["kind"] == "free_text" else "; ".join(answer[2])
            display.append(shown)
        if raw_type is not None and raw_type:
            respondent_type = RESPONDENT_TYPE_WORDS.get(raw_type.lower()) or RESPONDENT_TYPE_WORDS.get(_norm(raw_type))
            if respondent_type is None:
                lowered = raw_type.lower()
                respondent_type = ("organisation" if "organis" in lowered or "organiz" in lowered
                                   else "individual" if "individual" in lowered else None)
            if respondent_type is None:
                problems.append((self.column_for("respondent_type"),
                                 f"“{_short(raw_type, 60)}” is not individual or organisation"))
            else:
                record["respondent_type"] = respondent_type
        elif record["organisation_name"]:
            record["respondent_type"] = "organisation"
        if "respondent_type" in self.columns.values() and not (raw_type and respondent_type is None):
            display[list(self.columns.values()).index("respondent_type")] = \
                RESPONDENT_TYPE_LABELS[record["respondent_type"]]
        if not record["import_key"] and not self.has_id:
            record["import_key"] = _key_from_values(key_values)
        record["display"] = display  # shortened only for the rows shown in the preview
        return record, problems

    def _answer(self, question, value):
        """(question_id, text, choices) or a problem."""
        kind = question["kind"]
        if kind == "free_text":
            return (question["id"], value, []), None
        options = question["options"]
        parts = _split(value) if kind == "multiple_choice" else [value]
        chosen = []
        for part in parts:
            option = options.get(part.lower())
            if option is None:
                return None, (f"“{_short(part, 60)}” is not one of the options for question "
                              f"{question['number']}")
            if option not in chosen:
                chosen.append(option)
        return (question["id"], "", chosen), None


def response_lookups(consultation):
    """Plain data the rows are checked against: groups, localities and questions by name or id."""
    questions = {}
    for number, question in enumerate(consultation.questions, start=1):
        questions[question.id] = {
            "id": question.id, "number": number, "kind": question.kind, "section_id": question.section_id,
            "options": {option.strip().lower(): option for option in question.choices},
        }
    return {
        "groups": {group.name.strip().lower(): group.id for group in consultation.stakeholder_groups},
        "group_names": {group.id: group.name for group in consultation.stakeholder_groups},
        "localities": {locality.name.strip().lower(): locality.id for locality in consultation.localities},
        "locality_names": {locality.id: locality.name for locality in consultation.localities},
        "questions": questions,
    }


def existing_response_keys(consultation_id):
    """Import keys of the consultation's responses already imported."""
    return set(db.session.scalars(select(Response.import_key).where(
        Response.consultation_id == consultation_id, Response.import_key.is_not(None))))


# Coded feedback -------------------------------------------------------------------------------

def theme_paths(value):
    """"Carers; Transport > Rural" -> [("Carers",), ("Transport", "Rural")], or a problem."""
    paths = []
    for part in _split(value):
        names = tuple(" ".join(name.split()) for name in part.split(">"))
        if any(not name for name in names):
            return None, f"“{_short(part, 60)}” has an empty theme name (write Parent > Child)"
        if any(len(name) > 200 for name in names):
            return None, "A theme name must be 200 characters or fewer"
        if names not in paths:
            paths.append(names)
    return paths, None


class CodedRows(_Rows):
    """Turns a file's rows into coded feedback items, with every problem found."""

    def __init__(self, lookups, mapping):
        self.columns = {column: target for column, target in mapping["columns"].items() if target != IGNORE}
        self.sections = lookups["sections"]
        self.has_id = "id" in self.columns.values()

    def headings(self):
        """Column headings for the preview, in the order of the mapping."""
        return [CODED_TARGETS[target].split(" (")[0] for target in self.columns.values()]

    def convert(self, row):
        """(record, problems) for one row."""
        problems = []
        record = {"number": row.number, "text": "", "paths": [], "section_id": None, "speaks_for": 1,
                  "import_key": None}
        display = []
        if row.extra_cells:
            problems.append(("", "This row has more cells than there are column names"))
        for column, target in self.columns.items():
            value = (row.values.get(column) or "").strip()
            shown = value
            if target == "id":
                if not value:
                    problems.append((column, "The ID is missing"))
                else:
                    record["import_key"] = _key_from_id(value)
            elif target == "text":
                if not value:
                    problems.append((column, "The comment has no text"))
                record["text"] = value
            elif target == "themes":
                paths, problem = theme_paths(value)
                if problem:
                    problems.append((column, problem))
                else:
                    record["paths"] = paths
                    shown = "; ".join(" > ".join(path) for path in paths)
            elif target == "section":
                if value:
                    section = self.sections.get(_section_key(value))
                    if section is None:
                        problems.append((column, f"“{_short(value, 60)}” is not a section of the latest "
                                                 "draft of the plan"))
                    else:
                        record["section_id"], shown = section
            elif target == "speaks_for":
                if value:
                    number = value.replace(",", "")
                    if number.endswith(".0"):
                        number = number[:-2]
                    if not number.isdigit() or int(number) < 1 or int(number) > 1_000_000:
                        problems.append((column, f"“{_short(value, 20)}” is not a whole number of people "
                                                 "(1 or more)"))
                    else:
                        record["speaks_for"] = int(number)
            display.append(shown)
        if not record["import_key"] and not self.has_id:
            themes = sorted(";".join(name.lower() for name in path) for path in record["paths"])
            record["import_key"] = _key_from_values({"text": record["text"], "themes": themes})
        record["display"] = display  # shortened only for the rows shown in the preview
        return record, problems


def _section_key(value):
    return " ".join(value.lower().rstrip(".").split())


def coded_lookups(consultation):
    """Sections of the latest draft by number, heading and title; themes by parent and name."""
    sections = {}
    latest = consultation.latest_version
    for section in (latest.sections if latest else []):
        for name in (section.number, section.heading, section.title):
            if name:
                sections.setdefault(_section_key(name), (section.id, section.title))
    return {"sections": sections}


class Codebook:
    """The consultation's themes by (parent id, lower-case name), creating missing ones on request."""

    def __init__(self, consultation_id):
        self.consultation_id = consultation_id
        self.by_name = {}
        self.merged = {}
        self.next_position = {}
        for theme_id, parent_id, name, merged_into_id, position in db.session.execute(
                select(Theme.id, Theme.parent_id, Theme.name, Theme.merged_into_id, Theme.position)
                .where(Theme.consultation_id == consultation_id)):
            self.by_name[(parent_id, name.strip().lower())] = theme_id
            if merged_into_id:
                self.merged[theme_id] = merged_into_id
            self.next_position[parent_id] = max(self.next_position.get(parent_id, 0), position + 1)
        self.created = []

    def find(self, path):
        """The id of the theme at path, or None if some part does not exist yet."""
        parent_id = None
        for name in path:
            parent_id = self.by_name.get((parent_id, name.lower()))
            if parent_id is None:
                return None
        return self._follow(parent_id)

    def missing(self, path):
        """The part of path that would be created, as "Parent > Child", or None."""
        parent_id = None
        for depth, name in enumerate(path):
            parent_id = self.by_name.get((parent_id, name.lower()))
            if parent_id is None:
                return " > ".join(path[: depth + 1])
        return None

    def ensure(self, path):
        """The id of the theme at path, creating it (and its parents) if needed."""
        parent_id = None
        for depth, name in enumerate(path):
            theme_id = self.by_name.get((parent_id, name.lower()))
            if theme_id is None:
                theme = Theme(consultation_id=self.consultation_id, parent_id=parent_id, name=name,
                              position=self.next_position.get(parent_id, 0))
                db.session.add(theme)
                db.session.flush()
                theme_id = theme.id
                self.by_name[(parent_id, name.lower())] = theme_id
                self.next_position[parent_id] = theme.position + 1
                self.created.append(" > ".join(path[: depth + 1]))
            parent_id = theme_id
        return self._follow(parent_id)

    def _follow(self, theme_id):
        seen = set()
        while theme_id in self.merged and theme_id not in seen:
            seen.add(theme_id)
            theme_id = self.merged[theme_id]
        return theme_id


def existing_item_keys(consultation_id):
    """Import keys of the consultation's feedback items already imported."""
    return set(db.session.scalars(select(FeedbackItem.import_key).where(
        FeedbackItem.consultation_id == consultation_id, FeedbackItem.import_key.is_not(None))))


# Checking and importing ---------------------------------------------------------------------

class Tally:
    """Counts and problems gathered while reading a file."""

    def __init__(self):
        self.rows = 0
        self.new = 0
        self.already = 0
        self.repeated = 0
        self.rows_with_errors = 0
        self.error_count = 0
        self.errors = []
        self.groups = {}
        self.preview = []
        self.seen_ids = {}

    def problem(self, number, column, message):
        """Note one problem with one row."""
        self.error_count += 1
        if len(self.errors) < MAX_LISTED_ERRORS:
            self.errors.append([number, column, message])
        group = self.groups.setdefault((column, message), [0, []])
        group[0] += 1
        if len(group[1]) < 5:
            group[1].append(number)

    def as_result(self, headings, extra=None):
        """The check's result, for the job row and the preview page."""
        groups = sorted(self.groups.items(), key=lambda item: -item[1][0])[:MAX_ERROR_GROUPS]
        result = {
            "rows": self.rows, "new": self.new, "already": self.already, "repeated": self.repeated,
            "rows_with_errors": self.rows_with_errors, "error_count": self.error_count,
            "errors": self.errors, "error_groups": [[column, message, count, rows]
                                                    for (column, message), (count, rows) in groups],
            "headings": headings, "preview": self.preview,
        }
        result.update(extra or {})
        return result


def _read(upload, converter, existing, tally, progress, on_record=None, verb="Checked",
          stop_writing_on_error=False):
    """Read every row, note its problems and whether it is new; call on_record(record) for new, clean rows."""
    started = time.monotonic()
    id_column = converter.column_for("id")
    known_total = progress.total
    with upload.open_table() as table:
        for row in table.rows():
            tally.rows += 1
            record, problems = converter.convert(row)
            key = record["import_key"]
            if converter.has_id and key:
                earlier = tally.seen_ids.setdefault(key, row.number)
                if earlier != row.number:
                    problems.append((id_column, f"The same ID is also on row {earlier}"))
            if problems:
                tally.rows_with_errors += 1
                for column, message in problems:
                    tally.problem(row.number, column, message)
                status = "Has problems"
            elif key in existing:
                tally.already += 1
                status = "Already imported"
            elif not converter.has_id and key in tally.seen_ids:
                # The same values twice and no ID to tell them apart: imported once.
                tally.repeated += 1
                status = f"Same as row {tally.seen_ids[key]}"
            else:
                if not converter.has_id:
                    tally.seen_ids[key] = row.number
                tally.new += 1
                status = "New"
                if on_record is not None and not (stop_writing_on_error and tally.error_count):
                    on_record(record)
            if len(tally.preview) < PREVIEW_ROWS:
                tally.preview.append([row.number, status] + [_short(value, 200) for value in record["display"]])
            if tally.rows % 250 == 0:
                total = known_total
                if not total:
                    # Unknown until the end: estimate from how far through the file we are.
                    fraction = table.fraction_read()
                    total = max(tally.rows, int(tally.rows / fraction)) if fraction > 0.001 else 0
                progress.update(tally.rows, total=max(total, tally.rows) if total else 0,
                                message=f"{verb} {tally.rows:,} rows")
    tally.seconds = time.monotonic() - started


def _plural(count, singular, plural=None):
    return f"{count:,} {singular if count == 1 else (plural or singular + 's')}"


def check_file(consultation, upload, mapping, progress):
    """Read the whole file with this mapping: preview rows, every problem, and counts. Changes nothing."""
    kind = upload.kind
    if kind == "responses":
        converter = ResponseRows(response_lookups(consultation), mapping)
        existing = existing_response_keys(consultation.id)
    else:
        converter = CodedRows(coded_lookups(consultation), mapping)
        existing = existing_item_keys(consultation.id)
        codebook = Codebook(consultation.id)
    extra = {}
    # End the read transaction: on SQLite it would block the progress writes.
    db.session.rollback()
    tally = Tally()
    to_create = []
    on_record = None
    if kind == "coded":
        def on_record(record):
            for path in record["paths"]:
                missing = codebook.missing(path)
                if missing and missing not in to_create:
                    to_create.append(missing)
    progress.update(0, message="Reading the file", force=True)
    try:
        _read(upload, converter, existing, tally, progress, on_record=on_record)
    except tabular.TableError as problem:
        raise jobs.JobFailed(str(problem)) from None
    if kind == "coded":
        extra["themes_to_create"] = to_create[:200]
        extra["themes_to_create_count"] = len(to_create)
    progress.update(tally.rows, total=tally.rows, message=f"Checked {tally.rows:,} rows", force=True)
    result = tally.as_result(converter.headings(), extra)
    if tally.error_count:
        result["summary"] = (f"Checked {tally.rows:,} rows: {_plural(tally.rows_with_errors, 'row')} "
                             "with problems")
    else:
        result["summary"] = f"Checked {tally.rows:,} rows: no problems"
    return result


_system_random = random.SystemRandom()


class References:
    """New response references (ENG-XXXXXX), a chunk at a time, checked against the database.

    The check runs in the import's own transaction, so it also sees the chunks already written.
    """

    def take(self, count):
        """count references that no response has."""
        chosen = set()
        while len(chosen) < count:
            candidates = set()
            while len(candidates) < count - len(chosen):
                reference = "ENG-" + "".join(_system_random.choices(REFERENCE_ALPHABET, k=6))
                if reference not in chosen:
                    candidates.add(reference)
            clashes = set(db.session.scalars(select(Response.reference).where(
                Response.reference.in_(candidates))))
            chosen.update(candidates - clashes)
        return list(chosen)


def bulk_insert(table, rows):
    """Insert rows (dicts with the same keys) into table, in the session's transaction, fast.

    session.execute(insert(table), rows) spends most of its time in SQLAlchemy's per-row
    parameter handling, and on PostgreSQL sends one statement per row. Here values go
    through the column types' own bind processors (so they are stored exactly as the
    ORM stores them), then straight to the driver: COPY on PostgreSQL, executemany on
    SQLite. 100,000 responses with their answers and feedback items take seconds, not minutes.
    """
    if not rows:
        return
    connection = db.session.connection()
    dialect = connection.dialect
    names = list(rows[0])
    processors = [(position, process) for position, process in enumerate(
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names) if process]
    values = _processed(rows, names, processors)
    quote = dialect.identifier_preparer.quote
    columns = ", ".join(quote(name) for name in names)
    driver = connection.connection.driver_connection
    before_raw_write(connection)  # SQLite: the write lock, as for any statement SQLAlchemy sends
    if dialect.name == "postgresql":
        # bandit B608: reviewed, our own table and column names, quoted
        statement = f"COPY {quote(table.name)} ({columns}) FROM STDIN"  # nosec B608
    else:
        statement = f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({', '.join('?' for _ in names)})"  # nosec B608
    try:
        if dialect.name == "postgresql":
            with driver.cursor() as cursor, cursor.copy(statement) as copy:
                for row in values:
                    copy.write_row(row)
        else:
            cursor = driver.cursor()
            try:
                cursor.executemany(statement, values)
            finally:
                cursor.close()
    except dialect.loaded_dbapi.Error as error:
        # The same exceptions as through SQLAlchemy (IntegrityError, OperationalError...).
        raise DBAPIError.instance(statement, None, error, dialect.loaded_dbapi.Error) from error


def _processed(rows, names, processors):
    """Each row as a list of driver values, in the order of names."""
    pick = operator.itemgetter(*names) if len(names) > 1 else (lambda row: (row[names[0]],))
    # Most rows share their timestamps: convert each distinct value once, not once per row.
    last = [(object(), None) for _ in processors]
    values = []
    for row in rows:
        value = list(pick(row))
        for slot, (position, process) in enumerate(processors):
            raw = value[position]
            seen, converted = last[slot]
            if raw is not seen:
                converted = process(raw)
                last[slot] = (raw, converted)
            value[position] = converted
        values.append(value)
    return values


def _prefer_indexes():
    """On PostgreSQL, plan this transaction's lookups as index scans.

    The import's own rows are invisible to autovacuum's ANALYZE until it commits, so part
    way through a large first import the statistics say the response table is nearly empty
    and the planner turns the per-chunk lookups (new references, foreign keys) into full
    scans of 100,000 rows. SET LOCAL ends with the transaction.
    """
    if db.session.connection().dialect.name == "postgresql":
        db.session.execute(sql("SET LOCAL enable_seqscan = off"))


def _new_ids(table, count):
    """Ids for count new rows of table, reserved from its sequence on PostgreSQL; None elsewhere.

    Reserved ids mean no reading back after COPY (which, inside one long transaction, the
    planner would do by scanning tables it still believes are empty). SQLite reads them back.
    """
    if db.session.connection().dialect.name != "postgresql" or not count:
        return None
    return list(db.session.scalars(
        select(func.nextval(func.pg_get_serial_sequence(table.name, "id"))).select_from(
            func.generate_series(1, count))))


def _ids(table, key_columns, **where):
    """{natural key: id} of rows just inserted: one query per chunk (COPY returns no ids)."""
    columns = [table.c[name] for name in key_columns]
    query = select(table.c.id, *columns)
    for name, allowed in where.items():
        query = query.where(table.c[name].in_(allowed) if isinstance(allowed, (list, set, tuple))
                            else table.c[name] == allowed)
    rows = db.session.execute(query)
    if len(columns) == 1:
        return {key: row_id for row_id, key in rows}
    return {tuple(keys): row_id for row_id, *keys in rows}


def _write_responses(records, consultation_id, user_id, references, now, free_text):
    """Insert one chunk of responses with their groups and answers.

    Returns the free-text answers as (answer id, response id, question id, text).
    """
    refs = references.take(len(records))
    keys = [record["import_key"] for record in records]
    reserved = _new_ids(RESPONSE, len(records))
    response_rows = [{
        "consultation_id": consultation_id, "reference": reference, "status": "submitted",
        "channel": "import", "respondent_type": record["respondent_type"],
        "respondent_name": record["respondent_name"], "organisation_name": record["organisation_name"],
        "contact_email": "", "locality_id": record["locality_id"], "locality_other": record["locality_other"],
        "consent": record["consent"], "submitted_at": record["submitted_at"] or now,
        "received_on": (record["submitted_at"] or now).date(), "entered_by_id": user_id,
        "checked_by_second_person": False, "import_key": record["import_key"], "is_demo": False,
        "created_at": now, "updated_at": now,
    } for record, reference in zip(records, refs)]
    if reserved:
        for row, response_id in zip(response_rows, reserved):
            row["id"] = response_id
    bulk_insert(RESPONSE, response_rows)
    if reserved:
        response_ids = dict(zip(keys, reserved))
    else:
        response_ids = _ids(RESPONSE, ["import_key"], consultation_id=consultation_id, import_key=keys)
    group_rows, answer_rows, texts = [], [], {}
    for record in records:
        response_id = response_ids[record["import_key"]]
        group_rows += [{"response_id": response_id, "group_id": group_id} for group_id in record["group_ids"]]
        for question_id, text, choices in record["answers"]:
            answer_rows.append({"response_id": response_id, "question_id": question_id, "text": text,
                                "choices": choices, "created_at": now, "updated_at": now})
            if question_id in free_text and text:
                texts[(response_id, question_id)] = text
    if group_rows:
        bulk_insert(response_group, group_rows)
    if not answer_rows:
        return []
    reserved = _new_ids(ANSWER, len(answer_rows))
    if reserved:
        for row, answer_id in zip(answer_rows, reserved):
            row["id"] = answer_id
    bulk_insert(ANSWER, answer_rows)
    if not texts:
        return []
    if reserved:
        answer_ids = {(row["response_id"], row["question_id"]): row["id"] for row in answer_rows}
    else:
        answer_ids = _ids(ANSWER, ["response_id", "question_id"], response_id=list(response_ids.values()),
                          question_id=list(free_text))
    return [(answer_ids[key], key[0], key[1], text) for key, text in texts.items()]


def _stream_rows(upload, converter, existing, progress, params, pending, flush, chunk_rows, why):
    """Read the file, handing rows to flush() a chunk at a time; fail, writing nothing, on any problem."""

    def on_record(record):
        pending.append(record)
        if len(pending) >= chunk_rows:
            flush()

    tally = Tally()
    progress.update(0, total=(params or {}).get("rows", 0), message="Importing", force=True)
    try:
        _read(upload, converter, existing, tally, progress, on_record=on_record, verb="Imported",
              stop_writing_on_error=True)
    except tabular.TableError as problem:
        raise jobs.JobFailed(str(problem)) from None
    if tally.error_count:
        raise jobs.JobFailed(
            f"{_plural(tally.rows_with_errors, 'row')} of the file now "
            f"{'has' if tally.rows_with_errors == 1 else 'have'} problems{why} so nothing was imported. "
            "Check the file again to see the problems.", result=tally.as_result(converter.headings()))
    if pending:
        flush()
    return tally


def import_responses(consultation, upload, mapping, user, progress, chunk_rows=None, params=None):
    """Add the file's new rows as submitted responses (channel "import"), all or nothing."""
    chunk_rows = chunk_rows or CHUNK_ROWS
    _prefer_indexes()
    lookups = response_lookups(consultation)
    converter = ResponseRows(lookups, mapping)
    questions = lookups["questions"]
    existing = existing_response_keys(consultation.id)
    references = References()
    now = utcnow()
    user_id = getattr(user, "id", None)
    pending = []
    counts = {"items": 0}

    # The rule for online answers (public.services._sync_feedback_item): every non-empty
    # free-text answer of a submitted response is one feedback item.
    free_text = {question_id for question_id, question in questions.items() if question["kind"] == "free_text"}

    def flush():
        items = [{
            "consultation_id": consultation.id, "text": text, "source": "answer",
            "response_id": response_id, "answer_id": answer_id, "question_id": question_id,
            "section_id": questions[question_id]["section_id"],
            # As for responses keyed in by staff: the importer entered it.
            "entered_by_id": user_id,
            "speaks_for": 1, "position": 0, "withheld": False, "withheld_reason": "",
            "is_demo": False, "created_at": now, "updated_at": now,
        } for answer_id, response_id, question_id, text in _write_responses(
            pending, consultation.id, user_id, references, now, free_text)]
        if items:
            bulk_insert(FEEDBACK_ITEM, items)
            counts["items"] += len(items)
        pending.clear()

    tally = _stream_rows(upload, converter, existing, progress, params, pending, flush, chunk_rows,
                         why=" (the consultation’s questions, groups or localities may have changed since "
                             "the check),")
    result = {"rows": tally.rows, "new": tally.new, "already": tally.already, "repeated": tally.repeated,
              "feedback_items": counts["items"], "seconds": round(tally.seconds, 2)}
    result["summary"] = (f"{tally.new:,} new, {tally.already:,} already imported"
                         + (f", {tally.repeated:,} repeated rows skipped" if tally.repeated else ""))
    return result


def import_coded(consultation, upload, mapping, user, progress, chunk_rows=None, params=None):
    """Add the file's new rows as feedback items with officer-confirmed tags, all or nothing."""
    chunk_rows = chunk_rows or CHUNK_ROWS
    _prefer_indexes()
    converter = CodedRows(coded_lookups(consultation), mapping)
    existing = existing_item_keys(consultation.id)
    codebook = Codebook(consultation.id)
    now = utcnow()
    user_id = getattr(user, "id", None)
    pending = []
    counts = {"tags": 0}
    position = [db.session.scalar(select(func.coalesce(func.max(FeedbackItem.position), 0)).where(
        FeedbackItem.consultation_id == consultation.id, FeedbackItem.source == "import")) or 0]

    def flush():
        item_rows = []
        for record in pending:
            position[0] += 1
            item_rows.append({
                "consultation_id": consultation.id, "text": record["text"], "source": "import",
                "section_id": record["section_id"], "speaks_for": record["speaks_for"], "position": position[0],
                "entered_by_id": user_id, "withheld": False, "withheld_reason": "", "is_demo": False,
                "import_key": record["import_key"], "created_at": now, "updated_at": now,
            })
        reserved = _new_ids(FEEDBACK_ITEM, len(item_rows))
        if reserved:
            for row, item_id in zip(item_rows, reserved):
                row["id"] = item_id
        bulk_insert(FEEDBACK_ITEM, item_rows)
        if reserved:
            item_ids = {row["import_key"]: row["id"] for row in item_rows}
        else:
            item_ids = _ids(FEEDBACK_ITEM, ["import_key"], consultation_id=consultation.id,
                            import_key=[record["import_key"] for record in pending])
        tag_rows = []
        for record in pending:
            item_id = item_ids[record["import_key"]]
            theme_ids = []
            for path in record["paths"]:
                theme_id = codebook.ensure(path)
                if theme_id not in theme_ids:
                    theme_ids.append(theme_id)
            tag_rows += [{"item_id": item_id, "theme_id": theme_id, "source": "import", "status": "confirmed",
                          "explanation": [], "coding_pass": "primary", "coder_id": user_id, "created_at": now,
                          "decided_at": now} for theme_id in theme_ids]
        if tag_rows:
            bulk_insert(TAG, tag_rows)
            counts["tags"] += len(tag_rows)
        pending.clear()

    tally = _stream_rows(upload, converter, existing, progress, params, pending, flush, chunk_rows, why=",")
    result = {"rows": tally.rows, "new": tally.new, "already": tally.already, "repeated": tally.repeated,
              "tags": counts["tags"], "themes_created": codebook.created, "seconds": round(tally.seconds, 2)}
    result["summary"] = (f"{tally.new:,} new, {tally.already:,} already imported"
                         + (f", {len(codebook.created):,} themes added" if codebook.created else ""))
    return result


# Job functions ----------------------------------------------------------------------------------

def _job_context(background_job):
    consultation = db.session.get(Consultation, background_job.consultation_id)
    if consultation is None:
        raise jobs.JobFailed("The consultation no longer exists.")
    params = background_job.params or {}
    upload = load_upload(consultation, params.get("kind"), params.get("upload"))
    if upload is None:
        raise jobs.JobFailed("The uploaded file is no longer available (files are kept for two days). "
                             "Upload it again.")
    user = db.session.get(User, background_job.created_by_id) if background_job.created_by_id else None
    return consultation, upload, params, user


def _check_job(background_job, progress):
    consultation, upload, params, _ = _job_context(background_job)
    return check_file(consultation, upload, params["mapping"], progress)


def _import_job(background_job, progress):
    consultation, upload, params, user = _job_context(background_job)
    importer = import_responses if upload.kind == "responses" else import_coded
    result = importer(consultation, upload, params["mapping"], user, progress, params=params)
    action = "responses.imported" if upload.kind == "responses" else "feedback.imported"
    event = audit.record(action, background_job, consultation=consultation, user=user, file=upload.filename,
                         rows=result["rows"], new=result["new"], already=result["already"],
                         repeated=result["repeated"])
    event.ip_address = (params.get("ip") or "")[:45]
    return result


def _import_failed(background_job):
    params = background_job.params or {}
    user = db.session.get(User, background_job.created_by_id) if background_job.created_by_id else None
    event = audit.record("import.failed", background_job,
                         consultation=db.session.get(Consultation, background_job.consultation_id), user=user,
                         file=params.get("filename", ""), kind=params.get("kind", ""),
                         reason=background_job.message)
    event.ip_address = (params.get("ip") or "")[:45]


def _import_done(background_job):
    consultation = db.session.get(Consultation, background_job.consultation_id)
    params = background_job.params or {}
    upload = load_upload(consultation, params.get("kind"), params.get("upload")) if consultation else None
    if upload is not None:
        delete_upload(upload)


jobs.job(CHECK_JOB["responses"], "Checking a file of responses")(_check_job)
jobs.job(CHECK_JOB["coded"], "Checking a file of coded feedback")(_check_job)
jobs.job(IMPORT_JOB["responses"], "Importing responses", on_success=_import_done,
         on_failure=_import_failed)(_import_job)
jobs.job(IMPORT_JOB["coded"], "Importing coded feedback", on_success=_import_done,
         on_failure=_import_failed)(_import_job)
