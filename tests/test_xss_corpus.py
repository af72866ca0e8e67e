"""An XSS and injection corpus pushed through every form and shown through every page and download.

Issue 7, item 5. The corpus is tests/xss_payloads.txt (script tags, attribute break-outs,
javascript: links, SVG handlers, {{7*7}}, </textarea> and </title> break-outs, quote games,
spreadsheet formulae, a right-to-left override, emoji of three and four bytes, personal details
to hide). Every text box a person can fill in gets one, each with a tag of its own (zq001z,
zq002z, ...) so that it can be found again: the public journey (anonymously, CSRF on, stale
forms and the emailed private link included) and every staff form, found by crawling the staff
pages as an admin with CSRF on: each form with a text box is filled in (choices keep a valid
value), posted with the page's CSRF token, and a field the form refuses gets a plain valid
value so that the rest is saved. Uploads are CSV and Excel files of payload cells.

Then every staff page (each GET route in tests/test_security.py ROUTES), every public page
(tests/test_access_map.py PUBLIC_ROUTES, in English and Welsh, the published statement and
responses included), the statement's print HTML and every download (PDF via pdftotext, DOCX,
XLSX, CSV, JSON, the data-request copy) is read back and checked:

- no payload becomes markup: no event handler attribute, no script without a source, no
  javascript: link, no <img src=x>, no raw "<script>alert(" anywhere in the HTML;
- {{7*7}} is shown as typed, never as 49;
- no spreadsheet or CSV cell starts a formula (= + - @ tab or return), and some were neutralised;
- JSON stays valid and holds the text as data; emoji and the override arrive intact;
- and every payload a form accepted is shown again somewhere (escaped), so no check is vacuous.
test_the_checks_notice_markup_formulas_and_templates shows each check can fail.
"""
import csv
import io
import json
import re
from collections import deque
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit

import docx
import openpyxl
import pytest

from engage.extensions import db
from engage.models import BackgroundJob, Consultation, FeedbackItem, Response, StatementRevision, Theme
from tests.conftest import PASSWORD, csrf_token_from
from tests.factories import make_user
from tests.publishing.test_exports import pdf_text
from tests.test_respond import FakeSMTP
from tests.test_access_map import PUBLIC_ROUTES
from tests.test_security import ROUTES

CORPUS_FILE = Path(__file__).with_name("xss_payloads.txt")
TAG = re.compile(r"zq\d{3}z")
# Payload templates: TAG is replaced by the field's own tag.
PAYLOADS = [line for line in CORPUS_FILE.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"-?\d[\d,]*(\.\d+)?%?$")
HONEYPOTS = {"website"}
# Forms never posted by the crawl: they sign out, delete, erase or move things on, or
# change status (done on purpose, in order, by the test).
SKIP_ACTIONS = re.compile(r"/auth/|/erase$|/delete$|/withdraw$|/status$|/publish$|/archive$|/restore$|/merge$"
                          r"|/language/")
# Forms without a text box that are still pressed: they carry typed text on to where it is shown.
ALSO_PRESS = re.compile(r"/imports/checks/\d+/import$|/coding/items/\d+$|/moderation/check$"
                        r"|/responses/\d+/check$|/notes/import$|/columns$|/emerging/start$|/campaigns/start$|/coding/suggest$"
                        r"|/themes/starters$")


class Corpus:
    """Hands out the payloads in turn, each with a new tag, and remembers where each went."""

    def __init__(self):
        self.count = 0
        self.where = {}

    def next(self, where, starting=None):
        """The next payload (with its tag), noted as sent to `where`; or the one starting so."""
        self.count += 1
        tag = f"zq{self.count:03d}z"
        self.where[tag] = where
        payload = PAYLOADS[(self.count - 1) % len(PAYLOADS)] if starting is None else \
            next(line for line in PAYLOADS if line.startswith(starting))
        return payload.replace("TAG", tag)


# --- Reading HTML ----------------------------------------------------------------------------------

class PageReader(HTMLParser):
    """Forms, links, text and anything that became markup, from one page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms, self.links, self.texts, self.dangers = [], [], [], []
        self.form = self.select = self.textarea = None
        self.script = None
        self.error_ids = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.dangers.append(f"<{tag} {name}=...> event handler attribute")
            if name in ("href", "src", "action", "formaction", "xlink:href", "data") and value and \
                    re.sub(r"\s", "", value).lower().startswith(("javascript:", "vbscript:", "data:text")):
                self.dangers.append(f"<{tag} {name}={value!r}> script URL")
            if value and name in ("value", "title", "alt", "aria-label", "content", "placeholder"):
                self.texts.append(value)
            if value and name in ("id",) and value.endswith("-error"):
                self.error_ids.add(value[:-len("-error")])
        if tag == "img" and a.get("src") in ("x", "x "):
            self.dangers.append("<img src=x> from a payload")
        if tag == "script":
            self.script = "" if not a.get("src") else None
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
            if a["href"].startswith("#") and self.form is None:
                self.error_ids.add(a["href"][1:])
        if tag == "form":
            self.form = {"action": a.get("action") or "", "method": (a.get("method") or "get").lower(),
                         "fields": [], "buttons": []}
            self.forms.append(self.form)
        elif self.form is not None:
            if tag == "input":
                kind = (a.get("type") or "text").lower()
                field = {"kind": kind, "name": a.get("name"), "value": a.get("value") or "",
                         "checked": "checked" in a, "id": a.get("id") or "",
                         "numeric": a.get("inputmode") == "numeric"}
                if kind in ("submit", "image"):
                    self.form["buttons"].append(field)
                elif field["name"]:
                    self.form["fields"].append(field)
            elif tag == "textarea" and a.get("name"):
                self.textarea = {"kind": "textarea", "name": a["name"], "value": "", "id": a.get("id") or ""}
                self.form["fields"].append(self.textarea)
            elif tag == "select" and a.get("name"):
                self.select = {"kind": "select", "name": a["name"], "value": None, "options": [],
                               "id": a.get("id") or ""}
                self.form["fields"].append(self.select)
            elif tag == "option" and self.select is not None:
                self.select["options"].append(a.get("value", ""))
                if "selected" in a:
                    self.select["value"] = a.get("value", "")
            elif tag == "button" and (a.get("type") or "submit") == "submit":
                self.form["buttons"].append({"name": a.get("name"), "value": a.get("value") or ""})

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select" and self.select is not None:
            if self.select["value"] is None and self.select["options"]:
                self.select["value"] = self.select["options"][0]
            self.select = None
        elif tag == "script":
            if self.script is not None and "alert(" in self.script:
                self.dangers.append(f"inline script from a payload: {self.script[:80]!r}")
            self.script = None

    def handle_data(self, data):
        if self.script is not None:
            self.script += data
            return
        if self.textarea is not None:
            self.textarea["value"] += data
        self.texts.append(data)


def read_page(html):
    """A PageReader fed the page."""
    reader = PageReader()
    reader.feed(html)
    reader.close()
    return reader


# --- Checking what came back ---------------------------------------------------------------------

class Findings:
    """What every page and download showed: tags seen, escaped markup seen, problems."""

    def __init__(self):
        self.tags = {}  # tag -> set of kinds of output ("html", "pdf", ...)
        self.problems = []
        self.escaped_script_shown = 0
        self.pages = 0
        self.downloads = {}
        self.literal_jinja = 0
        self.intact = set()  # kinds of output that kept the emoji and the override intact
        self.neutralised = {}  # kind of output -> cells seen that start with ' before = + - @

    def _saw(self, text, kind):
        for tag in set(TAG.findall(text)):
            self.tags.setdefault(tag, set()).add(kind)

    def check_text(self, text, where, kind="html"):
        """Checks for any text output: tags seen, Jinja never evaluated."""
        self._saw(text, kind)
        for match in re.finditer(r"49\s*(zq\d{3}z)", text):
            self.problems.append(f"{where}: {{{{7*7}}}} was evaluated to 49 ({match.group(1)})")
        self.literal_jinja += text.count("{{7*7}}")
        # Three- and four-byte characters and a right-to-left override kept exactly as typed.
        if re.search("\u2615 zq\\d{3}z \U0001F600", text) and re.search("\u202ezq\\d{3}z exe", text):
            self.intact.add(kind)
        # (The corpus's own "'-alert(" starts with a quote already: not counted.)
        self.neutralised[kind] = self.neutralised.get(kind, 0) + len(re.findall(r"(?m)^'(?:[=+@]|-(?!alert))", text))

    def check_html(self, html, where, kind="html"):
        """No payload became markup; returns the parsed page."""
        self.pages += 1
        for raw in ("<script>alert(", "<svg/onload", "<img src=x", "</textarea><script"):
            if raw in html:
                self.problems.append(f"{where}: raw {raw!r} in the HTML")
        reader = read_page(html)
        self.problems.extend(f"{where}: {danger}" for danger in reader.dangers)
        self.check_text("\n".join(reader.texts), where, kind)
        self.escaped_script_shown += html.count("&lt;script&gt;alert(")
        return reader

    def check_cells(self, rows, where, kind):
        """No spreadsheet cell starts a formula."""
        for row in rows:
            for value in row:
                if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not NUMBER.match(value):
                    self.problems.append(f"{where}: cell starts a formula: {value[:60]!r}")
        self.check_text("\n".join(str(v) for row in rows for v in row if v is not None), where, kind)

    def check_download(self, response, where, tmp_path):
        """Check one file by its type."""
        mimetype = response.mimetype
        data = response.data
        if mimetype == "application/pdf":
            kind, text = "pdf", pdf_text(data, tmp_path)
            self.check_text(text, where, kind)
        elif "wordprocessingml" in mimetype:
            kind, text = "docx", docx_text(data)
            self.check_text(text, where, kind)
        elif "spreadsheetml" in mimetype:
            kind = "xlsx"
            workbook = openpyxl.load_workbook(io.BytesIO(data))
            rows = []
            for sheet in workbook.worksheets:
                for row in sheet.iter_rows():
                    for cell in row:
                        if cell.data_type == "f":
                            self.problems.append(f"{where}: {sheet.title}!{cell.coordinate} is a formula: "
                                                 f"{cell.value!r}")
                    rows.append([cell.value for cell in row])
            self.check_cells(rows, where, kind)
            text = "\n".join(str(v) for row in rows for v in row if v is not None)
        elif mimetype == "text/csv":
            kind, text = "csv", data.decode("utf-8-sig")
            self.check_cells(list(csv.reader(io.StringIO(text))), where, kind)
        elif mimetype == "application/json":
            kind = "json"
            try:
                parsed = json.loads(data)
            except ValueError as error:
                self.problems.append(f"{where}: not valid JSON: {error}")
                return None
            text = "\n".join(json_strings(parsed))
            self.check_text(text, where, kind)
        else:
            self.problems.append(f"{where}: unexpected download type {mimetype}")
            return None
        self.downloads.setdefault(kind, []).append(where)
        return text


def json_strings(value):
    """Every string in a JSON value (keys and values)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from json_strings(item)
    elif isinstance(value, str):
        yield value


def docx_text(data):
    """Every paragraph and table cell of the document."""
    document = docx.Document(io.BytesIO(data))
    lines = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.extend(cell.text for cell in row.cells)
    return "\n".join(lines)


# --- Filling in forms ----------------------------------------------------------------------------

TEXT_KINDS = {"text", "textarea", "email", "search", "tel", "url", "number"}


def field_key(field):
    """What tells a field apart (the day, month and year boxes of a date share a name)."""
    return field["id"] or field["name"]


def fallback_value(field):
    """A plain value the form will take, for a field that refused its payload."""
    name = field_key(field).lower()
    today = date.today()
    if "email" in name:
        return "someone@example.org"
    if name.endswith("-day"):
        return "28" if "close" in name else "1"
    if name.endswith("-month"):
        return str(today.month)
    if name.endswith("-year"):
        return str(today.year + 1) if "close" in name else str(today.year)
    if "end_time" in name:
        return "16:00"
    if "time" in name:
        return "14:00"
    if field["value"]:
        return field["value"]
    if "reference" in name or "confirm" in name:
        return ""
    return "1" if field["kind"] == "number" or field.get("numeric") or name.startswith(("attendance", "target", "speaks")) or \
        name.endswith(("days", "count", "_for", "percent", "size")) else "Plain words"


def form_data(form, corpus, where, plain=(), choose=None):
    """(pairs to send, {field: payload}) for a form: every text box a payload, or plain where it refused one."""
    choose = choose or {}
    data, texts = [], {}
    radios, boxes = {}, {}
    for field in form["fields"]:
        name, kind = field["name"], field["kind"]
        if kind in ("hidden",):
            data.append((name, field["value"]))
        elif kind in TEXT_KINDS:
            if name in HONEYPOTS:
                data.append((name, ""))
            elif name in choose:
                data.append((name, choose[name]))
                if TAG.search(choose[name]):
                    texts[name] = choose[name]
            elif field_key(field) in plain:
                data.append((name, fallback_value(field)))
            else:
                value = corpus.next(f"{where} {name}")
                if kind == "textarea":
                    # Two paragraphs: forms that split text at blank lines get two parts.
                    value += "\n\n" + corpus.next(f"{where} {name}")
                texts[name] = value
                data.append((name, value))
        elif kind == "select":
            value = choose.get(name, field["value"] or "")
            if field_key(field) in plain:
                # It refused the preselected option: take another.
                value = next((o for o in field["options"] if o and o != field["value"]), value)
            data.append((name, value))
        elif kind == "radio":
            radios.setdefault(name, []).append(field)
        elif kind == "checkbox":
            boxes.setdefault(name, []).append(field)
        elif kind == "file":
            data.append((name, "FILE"))
    for name, options in radios.items():
        if name in choose:
            data.append((name, choose[name]))
        else:
            picked = [o for o in options if o["checked"]] or options[:1]
            if name in plain and len(options) > 1:
                picked = [o for o in options if o is not picked[0]]
            data.append((name, picked[0]["value"]))
    for name, options in boxes.items():
        if name in choose:
            data.extend((name, value) for value in choose[name])
        else:
            picked = [o for o in options if o["checked"]] or options[:1]
            data.extend((name, o["value"] or "y") for o in picked)
    buttons = [b for b in form["buttons"] if b.get("name")]
    if buttons:
        data.append((buttons[0]["name"], buttons[0]["value"]))
    return data, texts


UPLOAD_COLUMNS = ("Response ID", "Comment", "Organisation", "Responding as", "Consent", "Themes", "Name", "Locality")


def payload_rows(corpus, where, count=3, bad_locality=False):
    """Rows of a spreadsheet of responses whose cells are payloads (with bad_locality, one the check refuses)."""
    rows = [list(UPLOAD_COLUMNS)]
    for number in range(count):
        # The first comment has a phone number and an email address: moderation suggests hiding them.
        rows.append([f"R{corpus.count}", corpus.next(f"{where} file:Comment", None if number else "Ring"), corpus.next(f"{where} file:Organisation"),
                     "Organisation", "Publish named", corpus.next(f"{where} file:Themes"),
                     corpus.next(f"{where} file:Name"), corpus.next(f"{where} file:Locality") if bad_locality else ""])
    return rows


def column_choices(form):
    """What the columns of payload_rows' file are, for the columns page of either kind of import."""
    options = next(f["options"] for f in form["fields"] if f["name"] == "column_1")
    question = next((option for option in options if option.startswith("question:")), None)
    targets = ({"Response ID": "id", "Comment": question, "Organisation": "organisation_name",
                "Responding as": "respondent_type", "Consent": "consent", "Name": "respondent_name",
                "Locality": "locality"}
               if question else {"Response ID": "id", "Comment": "text", "Themes": "themes"})
    return {f"column_{position}": targets.get(column, "ignore") for position, column in enumerate(UPLOAD_COLUMNS)}


def upload_file(corpus, where):
    """(file, its text) for an upload box: a CSV whose cells are payloads (responses, notes)."""
    rows = payload_rows(corpus, where)
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return (io.BytesIO(out.getvalue().encode("utf-8")), "payloads.csv"), out.getvalue()


def refused_upload(corpus, where):
    """(file, its text): a CSV whose localities are payloads: the check lists each as a problem."""
    rows = payload_rows(corpus, where, bad_locality=True)
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return (io.BytesIO(out.getvalue().encode("utf-8")), "refused.csv"), out.getvalue()


def xlsx_upload(corpus, where):
    """(file, its text): the same as an Excel workbook, payload cells stored as text, not formulas."""
    rows = payload_rows(corpus, where)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for row in sheet.iter_rows():
        for cell in row:
            cell.data_type = "s"  # openpyxl would store "=1+2" as a formula; a survey tool exports text
    data = io.BytesIO()
    workbook.save(data)
    data.seek(0)
    return (data, "payloads.xlsx"), "\n".join(",".join(row) for row in rows)


def errored_fields(reader, form):
    """Names of the form's fields that the re-shown page marks as wrong."""
    names = set()
    for field in form["fields"]:
        for error_id in reader.error_ids:
            if field["id"] == error_id or field["name"] == error_id or \
                    (field["id"] or "").startswith(error_id + "-") or field["name"].startswith(error_id + "-"):
                names.add(field_key(field))
    return names


def error_messages(html):
    """The error messages a page shows (for a helpful failure message)."""
    return [" ".join(re.sub(r"<[^>]+>", "", m).split())
            for m in re.findall(r'class="govuk-error-message">(.*?)</p>', html, re.S)]


class Crawler:
    """A signed-in (or anonymous) browser that visits pages, fills in forms and checks what it sees."""

    def __init__(self, client, findings, corpus, tmp_path, prefixes=("/staff",), per_pattern=2, kind="staff"):
        self.client, self.findings, self.corpus, self.tmp_path = client, findings, corpus, tmp_path
        self.kind = kind
        self.saved_tags = {}  # tag -> field, for text a form accepted
        self.prefixes = prefixes
        self.per_pattern = per_pattern
        self.visited = set()
        self.patterns = {}
        self.forms = {}  # signature -> (page url, action, form, shown only after a POST)
        self.posted = {}  # signature -> status code
        self.tries = {}  # signature -> times sent
        self.errors = []
        self.fields_sent = 0
        self.pending = []  # where forms sent us: crawled next time
        self.last_location = None
        self.refusals = {}
        self.paths_seen = set()  # every path crawled, ids as N

    @staticmethod
    def pattern(url):
        """The URL with ids as N and only the names of its query parameters: pages of one kind."""
        parts = urlsplit(url)
        return re.sub(r"[0-9a-f]{32}|\d+", "N", parts.path) + "?" + ",".join(sorted(k for k, _ in parse_qsl(parts.query)))

    def get(self, url, where=None):
        """GET and check a page or a download; returns (response, reader or None)."""
        response = self.client.get(url)
        where = where or f"GET {url}"
        if response.status_code == 200:
            self.paths_seen.add(normal_path(urlsplit(url).path))
        if response.status_code >= 500:
            self.errors.append(f"{where}: {response.status_code}")
            return response, None
        if response.status_code != 200:
            return response, None
        if response.mimetype == "text/html":
            return response, self.findings.check_html(response.get_data(as_text=True), where, self.kind)
        self.findings.check_download(response, where, self.tmp_path)
        return response, None

    def crawl(self, starts, budget=250):
        """Visit pages breadth first from starts (a few of each URL pattern), noting their forms."""
        queue = deque(list(starts) + self.pending)
        self.pending = []
        count = 0
        while queue and count < budget:
            url = queue.popleft()
            if url in self.visited:
                continue
            pattern = self.pattern(url)
            if self.patterns.get(pattern, 0) >= self.per_pattern:
                continue
            self.visited.add(url)
            self.patterns[pattern] = self.patterns.get(pattern, 0) + 1
            count += 1
            response, reader = self.get(url)
            if reader is None:
                continue
            for form in reader.forms:
                self.note_form(url, form)
            for href in reader.links:
                target = urljoin(url, href).split("#")[0]
                parts = urlsplit(target)
                if parts.netloc not in ("", "localhost") or not parts.path.startswith(self.prefixes):
                    continue
                if re.search(r"/auth/|/language/", parts.path):
                    continue
                queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
        return count

    def accepted(self, texts, action):
        """Note the text a form took (its tags must show up again somewhere)."""
        self.fields_sent += len(texts)
        for name, value in texts.items():
            for tag in TAG.findall(value):
                self.saved_tags[tag] = f"{self.pattern(action)} {name}"

    def note_form(self, url, form, shown_after_post=False):
        action = urljoin(url, form["action"] or url)
        path = urlsplit(action).path
        if SKIP_ACTIONS.search(path) or not path.startswith(self.prefixes):
            return
        has_text = any(f["kind"] in TEXT_KINDS | {"file"} and f["name"] not in HONEYPOTS for f in form["fields"])
        if not has_text and not (form["method"] == "post" and ALSO_PRESS.search(path)):
            return
        signature = self.signature(action, form)
        # A form refused before is tried once more later: what it needed may be there now.
        if signature not in self.forms and self.posted.get(signature) not in (200, 302) and \
                self.tries.get(signature, 0) < 2:
            self.forms[signature] = (url, action, form, shown_after_post)

    def signature(self, action, form):
        """What makes two forms the same form (for different objects)."""
        names = ",".join(sorted({re.sub(r"\d+", "N", f["name"]) for f in form["fields"]
                                 if f["kind"] in TEXT_KINDS | {"file"}}))
        return form["method"], self.pattern(action), names

    def submit_all(self):
        """Fill in and send every form noted and not yet sent; returns how many were sent."""
        sent = 0
        while self.forms:
            signature, (url, action, form, shown_after_post) = next(iter(self.forms.items()))
            del self.forms[signature]
            if shown_after_post:  # a second step (a preview to confirm): only there, and now
                self.submit(url, action, form)
                sent += 1
                continue
            # The page again, as a person would have it now (other forms may have changed it).
            response, reader = self.get(url)
            if reader is None:
                continue
            fresh = [later for later in reader.forms if self.signature(urljoin(url, later["action"] or url), later)
                     == signature]
            if fresh:
                self.submit(url, action, fresh[0])
                sent += 1
        return sent

    def submit(self, url, action, form, choose=None):
        """Send a form with payloads (noting how it went); returns the status."""
        status = self._submit(url, action, form, choose)
        signature = self.signature(action, form)
        self.tries[signature] = self.tries.get(signature, 0) + 1
        if self.posted.get(signature) not in (200, 302):
            self.posted[signature] = status
        return status

    def _submit(self, url, action, form, choose=None):
        """Send a form with payloads; fields it refuses get plain values, up to four tries."""
        if action.endswith("/columns") and choose is None:
            choose = column_choices(form)
        plain = set()
        status = None
        for attempt in range(4):
            data, texts = form_data(form, self.corpus, f"{form['method'].upper()} {action}", plain, choose)
            where = f"{form['method'].upper()} {action} (from {url}, try {attempt + 1})"
            if form["method"] == "get":
                query = urlencode([(k, v) for k, v in data if v != "FILE"])
                response = self.client.get(urlsplit(action).path + "?" + query)
            else:
                payload, files = {}, False
                for name, value in data:
                    if value == "FILE":
                        wanted = (choose or {}).get(name)
                        if name in plain or wanted == "":
                            continue
                        value, texts[name] = (wanted or upload_file)(self.corpus, where)
                        files = True
                    payload.setdefault(name, []).append(value)
                payload = {k: v if len(v) > 1 else v[0] for k, v in payload.items()}
                response = self.client.post(action, data=payload,
                                            content_type="multipart/form-data" if files else None)
            status = response.status_code
            if status >= 500:
                self.errors.append(f"{where}: {status}")
                return status
            if response.mimetype == "text/html" and status == 200 or status == 400:
                reader = self.findings.check_html(response.get_data(as_text=True), where, self.kind)
            else:
                reader = None
            if status in (302, 303):
                self.accepted(texts, action)
                parts = urlsplit(response.headers["Location"])
                self.last_location = parts.path + (f"?{parts.query}" if parts.query else "")
                if parts.path.startswith(self.prefixes):
                    self.pending.append(self.last_location)
                return status
            if status == 200 and form["method"] == "get":
                self.accepted(texts, action)
                return status
            if status == 200:
                self.accepted(texts, action)
                if reader is not None:
                    for later in reader.forms:
                        self.note_form(action, later, shown_after_post=True)
                return status
            if status != 400 or reader is None:
                return status
            self.refusals[where] = error_messages(response.get_data(as_text=True))
            wrong = errored_fields(reader, form) - plain
            # A form that refused nothing in particular: the payloads may all be at fault.
            plain |= wrong or {field_key(f) for f in form["fields"]}
        return status


def normal_path(path):
    """The path with every id (number, token, reference, group key) as N."""
    return "/".join("N" if re.search(r"\d", part) or re.fullmatch(r"[A-Z]+-[0-9A-Z]+", part) else part
                    for part in path.split("/"))


def signed_in(app, user):
    """A client of the user, signed in through the real form, CSRF token and all."""
    client = app.test_client()
    token = csrf_token_from(client.get("/auth/login").get_data(as_text=True))
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    return client


PLAN_MARKDOWN = """# Draft plan TAGA <script>alert('TAGA')</script>

Introductory words {{7*7}}TAGB and a [link](javascript:alert('TAGC')) and <img src=x onerror=alert('TAGD')>.

## 1. Vision <svg/onload=alert('TAGE')>

We want people to live well at home. "><img src=x onerror=alert('TAGF')>

## 2. Carers

=HYPERLINK("http://evil.example/TAGG","Click")
"""


def plan_markdown(corpus):
    """A draft plan whose headings, text and links carry payloads."""
    text = PLAN_MARKDOWN
    for letter in "GFEDCBA":
        corpus.count += 1
        tag = f"zq{corpus.count:03d}z"
        corpus.where[tag] = f"plan markdown {letter}"
        text = text.replace(f"TAG{letter}", tag)
    return text


def as_post(data):
    """Pairs as a dict for the test client (a name given twice becomes a list)."""
    result = {}
    for name, value in data:
        result.setdefault(name, []).append(value)
    return {name: values if len(values) > 1 else values[0] for name, values in result.items()}


def the_login_form(reader):
    """The sign-in form (the_form skips forms posting to /auth/)."""
    return next(form for form in reader.forms if form["method"] == "post" and any(
        field["name"] == "password" for field in form["fields"]))


def the_form(reader, method="post", action=None):
    """The page's form (the first with this method, or with an action ending so)."""
    for form in reader.forms:
        if "/auth/" in form["action"]:
            continue
        if form["method"] == method and (action is None or form["action"].split("?")[0].endswith(action)):
            return form
    raise AssertionError(f"no {method} form {action or ''} on the page")


def press(client, url, action, data=None):
    """POST a form found on url (with the page's CSRF token)."""
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    return client.post(action, data={"csrf_token": token, **(data or {})})


def move_to(client, consultation_id, status):
    """Change the consultation's status through the overview page's form."""
    overview = f"/staff/consultations/{consultation_id}"
    response = press(client, overview, overview + "/status", {"status": status})
    assert response.status_code == 302
    db.session.rollback()
    assert db.session.get(Consultation, consultation_id).status == status


def respond_online(client, crawler, slug):
    """The whole public journey with payloads in every text box, CSRF on; returns the pages' count."""
    response, reader = crawler.get(f"/consultations/{slug}/respond")  # the start page: "Start now" is a link
    assert reader is not None, response.status_code
    url = f"/consultations/{slug}/respond/about"
    steps = 1
    while steps < 20:
        steps += 1
        response, reader = crawler.get(url)
        assert reader is not None, (url, response.status_code)
        if url.endswith("/done"):
            crawler.get(f"/consultations/{slug}/respond/withdraw")  # the confirmation page, not pressed
            return steps
        form = the_form(reader)
        choose = {"respondent_type": "organisation", "consent": "publish_named"}
        # Answers, which reach every download, start with a formula and hold the characters most
        # often mangled: the same in every run, whatever the rotation of the corpus. (No web link:
        # moderation would hold the answer back until an officer looked at it.)
        for field in form["fields"]:
            if field["kind"] == "textarea":
                choose[field["name"]] = "\n\n".join(crawler.corpus.next(f"{url} {field['name']}", starting)
                                                      for starting in ("=1+2", "\u2615", "\u202e", "<script>"))
        action = urljoin(url, form["action"] or url)
        if "/respond/" in url and not url.endswith(("/check", "/equality")):
            # A stale form (expired CSRF token) is shown again with what was typed: escaped.
            data, texts = form_data(form, crawler.corpus, f"stale {url}", choose=choose)
            stale = client.post(action, data=as_post([(k, "stale" if k == "csrf_token" else v) for k, v in data]))
            assert stale.status_code == 400, (url, stale.status_code)
            shown = crawler.findings.check_html(stale.get_data(as_text=True), f"stale POST {url}", "public")
            assert all(TAG.search(value).group(0) in "".join(shown.texts) for value in texts.values()), url
        status = crawler.submit(url, action, form, choose=choose)
        assert status == 302, (url, status)
        if url.endswith("/about"):
            # What is still to answer, each question by its text.
            crawler.get(f"/consultations/{slug}/respond/check")
            # Save and return by email: the address box shows what was typed, escaped.
            saved, saved_reader = crawler.get(f"/consultations/{slug}/respond/saved")
            email_form = the_form(saved_reader)
            assert any(f["name"] == "email" for f in email_form["fields"])
            data, _ = form_data(email_form, crawler.corpus, "saved email")
            refused = client.post(f"/consultations/{slug}/respond/saved", data=as_post(data))
            assert refused.status_code == 400
            crawler.findings.check_html(refused.get_data(as_text=True), "POST saved (bad email)")
            assert "zq" in refused.get_data(as_text=True)
            token = csrf_token_from(refused.get_data(as_text=True))
            sent = client.post(f"/consultations/{slug}/respond/saved",
                               data={"email": "someone@example.org", "csrf_token": token})
            assert sent.status_code == 302 and len(FakeSMTP.sent) == 1
            crawler.findings.check_text(str(FakeSMTP.sent[0]), "private link email", "email")
        url = urlsplit(crawler.last_location).path
    raise AssertionError("the journey never ended")


@pytest.fixture
def corpus_app(csrf_app, tmp_path, monkeypatch):
    """The app with CSRF on, uploads and downloads in this test's folder, and a fake mail server."""
    import engage.mail

    FakeSMTP.sent = []
    monkeypatch.setattr(engage.mail.smtplib, "SMTP", FakeSMTP)
    csrf_app.config.update(IMPORT_UPLOAD_DIR=str(tmp_path / "uploads"), EXPORT_DIR=str(tmp_path / "exports"),
                           EXPORT_RECHECK_SECONDS=0, SMTP_HOST="smtp.example.org", MAIL_FROM="engage@example.org")
    return csrf_app


# Forms that must have taken their payloads (path patterns): if one stops being found or
# filled in, the corpus silently covers less, so say so.
MUST_ACCEPT = [
    "/staff/consultations/new", "/staff/consultations/N/edit", "/staff/consultations/N/versions/new",
    "/staff/consultations/N/questions/new", "/staff/consultations/N/questions/N/edit",
    "/staff/consultations/N/events/new", "/staff/consultations/N/events/N/edit",
    "/staff/consultations/N/events/N/notes", "/staff/consultations/N/events/N/notes/import",
    "/staff/consultations/N/events/N/items", "/staff/consultations/N/events/N/items/N/edit",
    "/staff/consultations/N/imports/checks/N/import",
    "/staff/consultations/N/events/N/items/N/split", "/staff/consultations/N/imports/responses/new",
    "/staff/consultations/N/imports/responses/N/columns", "/staff/consultations/N/imports/coded/new",
    "/staff/consultations/N/imports/coded/N/columns", "/staff/consultations/N/responses/key",
    "/staff/consultations/N/responses/letter", "/staff/consultations/N/responses/N/edit",
    "/staff/consultations/N/representation/targets", "/staff/consultations/N/themes/new",
    "/staff/consultations/N/themes/N/edit", "/staff/consultations/N/themes/N/split",
    "/staff/consultations/N/moderation/items/N/redactions", "/staff/consultations/N/moderation/items/N/withhold",
    "/staff/consultations/N/moderation/items/N/decide",
    "/staff/consultations/N/statement/themes/N", "/staff/consultations/N/statement/text",
    "/staff/consultations/N/agreement/samples", "/staff/consultations/N/coding/items",
    "/staff/consultations/N/responses",
]
# Text a form takes but rightly drops: an organisation's name given with "as an individual",
# options of a free-text question; of a file, the columns that kind of import does not read
# (its Comment column must always come through).
DROPPED = re.compile(r" (organisation_name|options);|file:(Organisation|Themes|Name)$")


def test_every_form_page_and_download_keeps_the_corpus_as_text(corpus_app, tmp_path):
    """One consultation's life, every form given payloads (CSRF on), then every page and download read back."""
    from engage.coding.services import set_item_themes
    from engage.models import User

    app = corpus_app
    findings, corpus = Findings(), Corpus()
    admin = signed_in(app, make_user("admin"))
    second = make_user("officer", name="Second coder")  # someone to choose as checker or second coder
    staff = Crawler(admin, findings, corpus, tmp_path)

    # 1. A consultation made through its form, a draft plan full of payloads, then every other staff form.
    _, reader = staff.get("/staff/consultations/new")
    assert staff.submit("/staff/consultations/new", "/staff/consultations/new", the_form(reader)) == 302
    consultation = Consultation.query.one()
    cid, slug = consultation.id, consultation.slug
    base = f"/staff/consultations/{cid}"
    for _ in range(2):  # two drafts, so that the comparison of drafts shows payloads too
        _, reader = staff.get(base + "/versions/new")
        assert staff.submit(base + "/versions/new", base + "/versions/new", the_form(reader),
                            choose={"text": plan_markdown(corpus), "upload": ""}) == 302

    def round_of_forms(starts=(), rounds=3):
        for _ in range(rounds):
            staff.visited, staff.patterns = set(), {}
            staff.crawl(["/staff/", base, *starts], budget=150)
            if not staff.submit_all():
                break

    round_of_forms()
    move_to(admin, cid, "open")

    # 2. The public journey, CSRF on, anonymously; then the forms of an open consultation (intake, imports...),
    # and an Excel workbook of payloads imported too.
    public = Crawler(app.test_client(), findings, corpus, tmp_path, prefixes=("/consultations/", "/r/", "/"),
                     kind="public")
    respond_online(public.client, public, slug)
    journey_tags = set(public.saved_tags)
    round_of_forms()
    for upload in (xlsx_upload, refused_upload):
        _, reader = staff.get(base + "/imports/responses/new")
        assert staff.submit(base + "/imports/responses/new", base + "/imports/responses/new", the_form(reader),
                            choose={"upload": upload}) == 302
        columns = staff.last_location
        _, reader = staff.get(columns)
        assert staff.submit(columns, columns, the_form(reader)) == 302
        db.session.rollback()
        check = BackgroundJob.query.filter_by(consultation_id=cid, kind="import_responses_check").order_by(
            BackgroundJob.id.desc()).first()
        preview = f"{base}/imports/checks/{check.id}"
        _, reader = staff.get(preview)
        if upload is xlsx_upload:  # the refused file's problems are listed, with no Import button
            assert staff.submit(preview, preview + "/import", the_form(reader, action="/import")) == 302

    # 3. Analysis: every item coded to a theme (so it can be quoted), then the codebook, coding,
    # moderation and statement forms.
    move_to(admin, cid, "closed")
    move_to(admin, cid, "analysing")
    db.session.rollback()
    user = User.query.filter_by(role="admin").one()
    themes = Theme.query.filter_by(consultation_id=cid).order_by(Theme.id).all()
    assert themes, "no theme was made through the codebook forms"
    item_ids = [item.id for item in FeedbackItem.query.filter_by(consultation_id=cid).order_by(FeedbackItem.id)]
    for item in FeedbackItem.query.filter_by(consultation_id=cid).all():
        set_item_themes(item, [themes[item.id % len(themes)].id], user)
    db.session.commit()
    # A look for what to hide (the imported comments have a phone number and an email address):
    # the moderation page's forms (decide, with a reason) are only shown for what it found.
    assert press(admin, base + "/moderation", base + "/moderation/check").status_code == 302
    flagged = FeedbackItem.query.filter(FeedbackItem.consultation_id == cid, FeedbackItem.response_id.isnot(None),
                                        FeedbackItem.text.contains("07700 900123")).first()
    for item_id in item_ids[:2]:  # two near-identical comments: a campaign
        db.session.get(FeedbackItem, item_id).duplicate_group = "g1"
    db.session.commit()
    keyed = [r.id for r in Response.query.filter(Response.consultation_id == cid, Response.channel.notin_(("online", "import")))]
    round_of_forms([f"{base}/moderation/items/{flagged.id}", f"{base}/coding/items/{item_ids[0]}",
                    f"{base}/coding/review", f"{base}/coding/review/accept", f"{base}/campaigns/g1",
                    f"{base}/compare?from=1&to=2", *(f"{base}/responses/{r}/check" for r in keyed[:2])])
    # The second coder's view of the sample drawn through the agreement form.
    coder = Crawler(signed_in(app, second), findings, corpus, tmp_path)
    coder.crawl([f"{base}/agreement"], budget=20)
    assert any(path.endswith("/code") for path in coder.paths_seen), coder.paths_seen
    # A redaction must name words of the text: hide a payload of a published answer, with a payload reason.
    answer = FeedbackItem.query.filter(FeedbackItem.consultation_id == cid, FeedbackItem.response_id.isnot(None),
                                       FeedbackItem.text.contains("zq")).order_by(FeedbackItem.id).first()
    words = re.search(r"\S*zq\d{3}z\S*", answer.text).group(0)
    item_page = f"{base}/moderation/items/{answer.id}"
    _, reader = staff.get(item_page)
    assert staff.submit(item_page, item_page + "/redactions", the_form(reader, action="/redactions"),
                        choose={"redact-words": words}) == 302

    # 4. Publish the statement through the preview's form, then prepare its downloads.
    _, reader = staff.get(base + "/statement/preview")
    publish_form = the_form(reader, action="/statement/publish")
    number = next(f["value"] for f in publish_form["fields"] if f["name"] == "number")
    assert press(admin, base + "/statement/preview", base + "/statement/publish", {"number": number}).status_code == 302
    db.session.rollback()
    assert StatementRevision.query.filter_by(consultation_id=cid).count() == 1
    assert press(admin, base + "/exports", base + "/exports/prepare", {"number": number}).status_code == 302

    # 5. Every page and download, as an admin and as the public.
    staff.visited, staff.patterns, staff.per_pattern = set(), {}, 3
    staff_pages = staff.crawl(["/staff/", base, "/staff/audit", "/staff/retention"], budget=400)
    db.session.rollback()
    reference = Response.query.filter_by(consultation_id=cid).order_by(Response.id).first().reference
    staff.get(f"/staff/data-requests?reference={reference}")
    staff.get(f"/staff/data-requests/{reference}/copy.json")
    public.visited, public.patterns, public.per_pattern = set(), {}, 4
    public_pages = public.crawl(["/", f"/consultations/{slug}", f"/consultations/{slug}/plan"], budget=150)
    for page in ("statement", "responses", "statement/revisions/1"):
        response, _ = public.get(f"/consultations/{slug}/{page}")
        assert response.status_code == 200, page
    # The same public pages in Welsh (other strings, the same escaping).
    welsh = Crawler(app.test_client(), findings, corpus, tmp_path, prefixes=("/consultations/",), kind="public")
    welsh.client.get("/language/cy")
    welsh_pages = welsh.crawl([f"/consultations/{slug}", f"/consultations/{slug}/statement",
                               f"/consultations/{slug}/responses"], budget=20)
    assert welsh_pages >= 3 and 'lang="cy"' in welsh.client.get(f"/consultations/{slug}").get_data(as_text=True)
    # The print HTML the PDF is made from, checked as a page.
    from engage.exports.pdf import print_html

    revision = StatementRevision.query.filter_by(consultation_id=cid).one()
    with app.test_request_context():
        findings.check_html(print_html(revision.content, revision), "statement print HTML", "print")
    downloads = {}
    for key in ("pdf", "docx", "xlsx", "csv", "responses-csv", "json"):
        response, _ = staff.get(f"{base}/exports/1/{key}")
        assert response.status_code == 200, key
        response = public.client.get(f"/consultations/{slug}/statement/1/{key}")
        assert response.status_code == 200, key
        downloads[key] = findings.check_download(response, f"public download {key}", tmp_path)

    # Erasing a response (a data request) with a reason, then the audit log that records it.
    db.session.rollback()
    erased = Response.query.filter_by(consultation_id=cid, channel="import").order_by(Response.id).first() or \
        Response.query.filter_by(consultation_id=cid).order_by(Response.id.desc()).first()
    requests_page = f"/staff/data-requests?reference={erased.reference}"
    _, reader = staff.get(requests_page)
    erase_form = the_form(reader, action="/erase")
    assert staff.submit(requests_page, urljoin(requests_page, erase_form["action"]), erase_form,
                        choose={"confirm": erased.reference}) == 302
    staff.get("/staff/audit")
    # Signing in with markup for an email address shows it back as text.
    anonymous = Crawler(app.test_client(), findings, corpus, tmp_path, prefixes=("/auth/",), kind="public")
    _, reader = anonymous.get("/auth/login")
    data, _ = form_data(the_login_form(reader), corpus, "login")
    refused = anonymous.client.post("/auth/login", data=as_post(data))
    assert refused.status_code in (200, 400)
    findings.check_html(refused.get_data(as_text=True), "POST /auth/login", "public")

    # Payloads in the address itself (path and query), reflected on pages and error pages.
    probe = quote("".join(PAYLOADS[i].replace("TAG", "zq999z") for i in (0, 1, 5, 14)), safe="")
    reflected = 0
    for crawler, url in [(public, f"/consultations/{probe}"), (public, f"/consultations/{slug}?x={probe}"),
                         (public, f"/consultations/{slug}/plan/{probe}"), (public, f"/auth/login?next={probe}"),
                         (public, f"/consultations/{slug}/responses?page={probe}&theme={probe}&q={probe}"),
                         (staff, f"{base}/coding/items?q={probe}&page={probe}&sort={probe}&theme={probe}"),
                         (staff, f"{base}/responses?page={probe}&q={probe}&channel={probe}"),
                         (staff, f"/staff/data-requests?reference={probe}"), (staff, f"/staff/audit?page={probe}"),
                         (staff, f"{base}/statement/themes/{probe}")]:
        response = crawler.client.get(url)
        assert response.status_code < 500, url
        if response.mimetype == "text/html":
            findings.check_html(response.get_data(as_text=True), f"GET {url} ({response.status_code})", "reflected")
            reflected += 1
    assert reflected >= 8

    # Nothing broke, and no payload became markup, a formula or a template.
    errors = staff.errors + public.errors + coder.errors + welsh.errors + anonymous.errors
    assert not errors, errors
    assert staff_pages >= 60 and public_pages >= 10 and findings.pages >= 500, (staff_pages, public_pages)
    assert not findings.problems, "\n".join(findings.problems[:40])

    # The paths were exercised: the forms took the payloads, which then came back as text.
    accepted = {re.sub(r"\?.*", "", sig[1]) for sig, status in staff.posted.items() if status in (200, 302)}
    never = sorted(endpoint for endpoint, (method, template, _) in ROUTES.items() if method == "GET" and
                   normal_path(re.sub(r"\{\w+\}", "N", template.split("?")[0]))
                   not in staff.paths_seen | coder.paths_seen)
    assert not never, f"staff pages never shown with the corpus: {never}"
    rules = {rule.endpoint: normal_path(re.sub(r"<[^>]+>", "N", rule.rule)) for rule in app.url_map.iter_rules()}
    never = sorted(endpoint for endpoint, kind in PUBLIC_ROUTES.items() if kind in ("consultation", "public")
                   and endpoint not in ("public.resume", "exports.download", "main.healthz", "public.language",
                                        "exports.open_data_schema")
                   and rules[endpoint] not in public.paths_seen)
    assert not never, f"public pages never shown with the corpus: {never}"
    assert not set(MUST_ACCEPT) - accepted, sorted(set(MUST_ACCEPT) - accepted)
    missing = sorted(f"{tag} ({where}; {corpus.where[tag]})"
                     for tag, where in {**staff.saved_tags, **public.saved_tags}.items()
                     if tag not in findings.tags and not DROPPED.search(f"{where}; {corpus.where[tag]}"))
    assert not missing, "text saved but never shown again: " + ", ".join(missing)
    assert findings.escaped_script_shown and findings.literal_jinja
    assert {"staff", "public", "print", "docx", "xlsx", "csv", "json"} <= findings.intact, findings.intact
    assert findings.neutralised.get("csv") and findings.neutralised.get("xlsx"), findings.neutralised
    shown_publicly = {tag for tag, kinds in findings.tags.items() if "public" in kinds}
    assert journey_tags & shown_publicly, "nothing typed in the journey is on the published pages"
    for kind in ("print", "pdf", "docx", "xlsx", "csv", "json"):
        in_kind = {tag for tag, kinds in findings.tags.items() if kind in kinds}
        assert len(in_kind) >= 5, (kind, in_kind)
        assert journey_tags & in_kind, f"no answer from the journey in the {kind} download"
    # In the documents, markup someone typed is printed as the text they typed.
    for key in ("pdf", "docx"):
        assert re.search(r"<script>alert\('zq\d{3}z'\)</script>", re.sub(r"\s+", "", downloads[key])), key


def test_the_checks_notice_markup_formulas_and_templates(app, tmp_path):
    """The checks above can fail: each kind of escaping bug they look for is caught."""
    from types import SimpleNamespace

    findings = Findings()
    findings.check_html("<p>&lt;script&gt;alert('zq001z')&lt;/script&gt; {{7*7}}zq002z</p>"
                        '<input value="&#34;&gt;&lt;img src=x onerror=alert(1)&gt; zq003z">', "escaped")
    assert not findings.problems and {"zq001z", "zq002z", "zq003z"} <= set(findings.tags)
    for html in ("<p><script>alert('zq004z')</script></p>", '<input value=""><img src=x onerror=alert(1)>">',
                 '<a href=" javascript:alert(1)">x</a>', "<div data-x='' onmouseover='alert(1)' y=''>",
                 "<p>49zq005z</p>", "<svg/onload=alert(1)>", "<textarea></textarea><script>alert(1)</script>"):
        caught = Findings()
        caught.check_html(html, "unescaped")
        assert caught.problems, html
    cells = Findings()
    cells.check_cells([["'=1+2 zq006z", "-5", "12.5%", "plain"]], "safe", "csv")
    assert not cells.problems
    for value in ("=1+2", "+1", "-2+3", "@SUM(1)", "\t=1"):
        caught = Findings()
        caught.check_cells([[value]], "unsafe", "csv")
        assert caught.problems, value
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "=1+2"
    data = io.BytesIO()
    workbook.save(data)
    caught = Findings()
    caught.check_download(SimpleNamespace(mimetype="application/vnd.openxmlformats-officedocument."
                                                   "spreadsheetml.sheet", data=data.getvalue()), "formula", tmp_path)
    assert caught.problems
    caught = Findings()
    caught.check_download(SimpleNamespace(mimetype="application/json", data=b'{"a": "zq007z"'), "bad json",
                          tmp_path)
    assert caught.problems


def test_a_title_with_a_line_break_cannot_break_or_inject_into_the_private_link_email(client, app, monkeypatch):
    """A browser cannot type a line break into a one-line title, but a crafted POST can: the email still goes."""
    import engage.mail
    from tests.test_respond import fill_in, journey_consultation, url

    FakeSMTP.sent = []
    monkeypatch.setattr(engage.mail.smtplib, "SMTP", FakeSMTP)
    app.config.update(SMTP_HOST="smtp.example.org", MAIL_FROM="engage@example.org")
    consultation, q = journey_consultation(title="Care plan\r\nBcc: evil@example.org")
    fill_in(client, consultation, q, upto=2)
    response = client.post(url(consultation, "saved"), data={"email": "ann@example.org"})
    assert response.status_code == 302
    [message] = FakeSMTP.sent
    assert message["Subject"] == "Your response to Care plan Bcc: evil@example.org"
    assert message["Bcc"] is None and message["To"] == "ann@example.org"


OFFSITE = ["//evil.example", "/\t/evil.example", "/\n/evil.example", "/\\evil.example", "/\t\\evil.example",
           "\\\\evil.example", "https://evil.example", "javascript:alert('zq900z')", " //evil.example"]


def as_a_browser_reads(location):
    """Where a browser goes for a Location header (it drops tabs and line breaks, reads \\ as /)."""
    return urlsplit(urljoin("http://localhost/page", re.sub(r"[\t\r\n]", "", location).replace("\\", "/")))


@pytest.mark.parametrize("target", OFFSITE)
def test_the_language_switch_and_sign_in_only_go_back_to_this_site(client, officer, target):
    response = client.get("/language/cy", query_string={"next": target})
    assert response.status_code == 302
    went = as_a_browser_reads(response.headers["Location"])
    assert went.scheme == "http" and went.netloc == "localhost", response.headers["Location"]
    response = client.post("/auth/login", query_string={"next": target},
                           data={"email": officer.email, "password": PASSWORD})
    assert response.status_code == 302
    went = as_a_browser_reads(response.headers["Location"])
    assert went.scheme == "http" and went.netloc == "localhost", response.headers["Location"]
