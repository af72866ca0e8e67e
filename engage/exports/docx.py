"""The statement as a Word document (python-docx) that officers can edit for board papers.

Built-in styles only ('Title', 'Heading 1' to 'Heading 3', 'Table Grid', 'List
Bullet'), so the navigation pane, a table of contents and the organisation's own
template all work; tables have a header row that repeats across pages. Text is
added as text (python-docx escapes it), so nothing anyone typed can become markup.
"""
import io
from datetime import datetime

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

from engage.exports.text import count_text, number, paragraphs, xml_safe
from engage.publishing.statement import STANCE_LABELS, STANCES
from engage.templating import format_date

DIFF_STATUS_LABELS = {"added": "Added", "removed": "Removed", "changed": "Changed", "unchanged": "Unchanged"}


def _date(value):
    """An ISO date ("2025-03-05") as people read it ("5 March 2025"), or ""."""
    if not value:
        return ""
    try:
        return format_date(datetime.fromisoformat(str(value)[:10]).date())
    except ValueError:
        return str(value)


def _version(version):
    if not version:
        return "None"
    dated = f" ({_date(version['dated'])})" if version.get("dated") else ""
    return f"Version {version['number']}: {version['label']}{dated}"


class StatementDocument:
    """A python-docx Document with the few building blocks the statement needs."""

    def __init__(self):
        self.document = Document()
        normal = self.document.styles["Normal"]
        normal.font.name = "Arial"
        normal.font.size = Pt(11)

    def heading(self, text, level):
        """A heading in the built-in style: level 0 is 'Title', 1 to 4 are 'Heading 1' to 'Heading 4'."""
        return self.document.add_heading(xml_safe(text), level=level)

    def paragraph(self, text="", bold_label=None, style=None):
        """One paragraph; bold_label (e.g. "Decision:") goes before the text in bold."""
        paragraph = self.document.add_paragraph(style=style)
        if bold_label:
            paragraph.add_run(xml_safe(bold_label) + " ").bold = True
        if text:
            paragraph.add_run(xml_safe(text))
        return paragraph

    def text_block(self, text):
        """Officer or respondent plain text: paragraphs at blank lines, line breaks kept."""
        for block in paragraphs(text):
            paragraph = self.document.add_paragraph()
            run = None
            for line in block.split("\n"):
                if run is not None:
                    run.add_break()
                run = paragraph.add_run(xml_safe(line))

    def bullets(self, lines):
        """A bulleted list."""
        for line in lines:
            self.document.add_paragraph(xml_safe(line), style="List Bullet")

    def quote(self, text, attribution):
        """A quotation in the built-in 'Quote' style, with who said it."""
        for block in paragraphs(text):
            self.document.add_paragraph(xml_safe(block), style="Quote")
        self.document.add_paragraph(xml_safe(f"— {attribution}"))

    def table(self, caption, headers, rows, numeric=()):
        """A captioned table with a repeating header row; columns in `numeric` are right-aligned."""
        if caption:
            label = self.document.add_paragraph(style="Caption")
            label.add_run(xml_safe(caption))
        table = self.document.add_table(rows=1, cols=len(headers))
        table.style = "Table Grid"
        header_row = table.rows[0]
        properties = header_row._tr.get_or_add_trPr()
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        properties.append(repeat)
        for index, (cell, header) in enumerate(zip(header_row.cells, headers)):
            cell.text = ""
            run = cell.paragraphs[0].add_run(xml_safe(str(header)))
            run.bold = True
            if index in numeric:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
        for values in rows:
            cells = table.add_row().cells
            for index, (cell, value) in enumerate(zip(cells, values)):
                cell.text = xml_safe(str(value))
                if index in numeric:
                    cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
        self.document.add_paragraph()
        return table

    def count_table(self, caption, rows, heading="Number", label_heading="Category", value_key="count"):
        """A table of label and count; a suppressed count reads "not shown"."""
        body = [(row["label"], count_text(row) if "suppressed" in row else number(row.get(value_key)))
                for row in rows] or [("None", "")]
        return self.table(caption, (label_heading, heading), body, numeric=(1,))

    def save(self):
        """The document as .docx bytes."""
        buffer = io.BytesIO()
        self.document.save(buffer)
        return buffer.getvalue()


def _stance_rows(stance):
    return [{"label": STANCE_LABELS[key], "count": stance.get(key, 0)} for key in (*STANCES, "not_recorded")
            if key in STANCES or stance.get(key)]


def _shown(rows):
    """Cross-tab rows minus shown zeros (as on the web page)."""
    return [row for row in rows if row.get("suppressed") or row.get("count")]


def _linked_section(doc, section):
    doc.paragraph(f"({DIFF_STATUS_LABELS.get(section['status'], section['status'])})", bold_label=section["title"])
    if section["status"] == "unchanged":
        doc.text_block(section.get("after") or "")
        return
    if section.get("before") is not None:
        doc.paragraph(bold_label="Wording in the draft consulted on:")
        doc.text_block(section["before"])
    if section.get("after") is not None:
        doc.paragraph(bold_label="Wording after consultation:")
        doc.text_block(section["after"])


def _theme(doc, theme, level):
    doc.heading(theme["name"], level)
    if theme.get("description"):
        doc.paragraph(theme["description"])
    notes = (f" and {number(theme['notes'])} {'note' if theme['notes'] == 1 else 'notes'} from events and letters"
             if theme.get("notes") else "")
    doc.paragraph(f"{number(theme['items'])} {'comment' if theme['items'] == 1 else 'comments'} from "
                  f"{number(theme['people'])} {'person' if theme['people'] == 1 else 'people'}, in "
                  f"{number(theme['respondents'])} {'response' if theme['respondents'] == 1 else 'responses'}"
                  f"{notes}.")
    response = theme.get("response") or {}
    part = level + 1
    if response.get("you_said") or response.get("we_did") or response.get("decision"):
        doc.heading("You said", part)
        doc.text_block(response.get("you_said", ""))
        doc.heading("We did", part)
        if response.get("decision_label"):
            doc.paragraph(response["decision_label"], bold_label="Decision:")
        doc.text_block(response.get("we_did", ""))
        if response.get("reason"):
            doc.paragraph(bold_label="Reason:")
            doc.text_block(response["reason"])
        if response.get("sections"):
            doc.heading("The plan, before and after", part)
            for section in response["sections"]:
                _linked_section(doc, section)
    else:
        doc.paragraph("The partnership’s response to this theme has not been written yet.")
    if theme.get("quotes"):
        doc.heading("What people said, in their words", part)
        for quote in theme["quotes"]:
            doc.quote(quote["text"], quote["attribution"])
    if theme["items"]:
        doc.count_table(f"Balance of views on {theme['name']}", _stance_rows(theme["stance"]),
                        heading="Comments", label_heading="View")
        doc.count_table(f"Responses raising {theme['name']}, by stakeholder group", _shown(theme["by_group"]),
                        heading="Responses", label_heading="Group")
        doc.count_table(f"Responses raising {theme['name']}, by locality", _shown(theme["by_locality"]),
                        heading="Responses", label_heading="Locality")


def statement_docx(content, revision=None):
    """The statement as .docx bytes: Title, Heading 1-3, tables with header rows, title and language set."""
    doc = StatementDocument()
    consultation = content["consultation"]
    title = f"Statement of consultation: {consultation['title']}"
    properties = doc.document.core_properties
    properties.title = xml_safe(title)[:255]
    properties.language = "en-GB"
    properties.subject = "Statement of consultation"
    properties.author = xml_safe(consultation.get("organisation") or "")[:255]
    properties.keywords = "statement of consultation"
    properties.comments = "Made by Engage from the published statement."
    published_at = getattr(revision, "published_at", None)
    if isinstance(published_at, datetime):
        properties.created = published_at

    if consultation.get("organisation"):
        doc.paragraph(consultation["organisation"])
    doc.heading(title, 0)
    if revision is not None:
        published = f", published {format_date(published_at)}" if isinstance(published_at, datetime) else ""
        doc.paragraph(f"Revision {revision.number}{published}.")
    figures = content["figures"]
    doc.table("The consultation in numbers", ("", "Number"), [
        ("Responses", number(figures["responses"])),
        ("People who took part (counting each event note for the people it speaks for)", number(figures["people"])),
        ("Comments", number(figures["items"])), ("Engagement events", number(figures["events"])),
        ("People at events", number(figures["event_attendance"])), ("Themes", number(figures["themes"]))],
        numeric=(1,))

    if content.get("introduction"):
        doc.heading("Introduction", 1)
        doc.text_block(content["introduction"])

    what = content["what"]
    doc.heading("What we consulted on", 1)
    rows = [("Plan", f"{consultation['title']} ({what['plan_type']})"),
            ("Who consulted", consultation.get("organisation", "")),
            ("Draft consulted on", _version(what.get("consulted_version"))),
            ("Opened", _date(what.get("opens_on")) or "Not recorded"),
            ("Closed", _date(what.get("closed_on")) or "Not recorded")]
    consulted, latest = what.get("consulted_version"), what.get("latest_version")
    if consulted and latest and consulted["number"] != latest["number"]:
        rows.append(("Draft after consultation", _version(latest)))
    doc.table(None, ("About the consultation", ""), rows)
    if consultation.get("summary"):
        doc.text_block(consultation["summary"])

    how = content["how"]
    doc.heading("How people took part", 1)
    if how.get("first_response_on"):
        doc.paragraph(f"Responses arrived between {_date(how['first_response_on'])} and "
                      f"{_date(how['last_response_on'])}.")
    if how.get("channels"):
        doc.count_table("Responses by how they were sent", how["channels"], heading="Responses",
                        label_heading="How sent", value_key="responses")
    else:
        doc.paragraph("No responses were received.")
    if how.get("event_kinds"):
        doc.table("Engagement events by type", ("Type of event", "Events", "People attending"),
                  [(kind["label"], number(kind["events"]), number(kind["attendance"])) for kind in how["event_kinds"]],
                  numeric=(1, 2))

    who = content["who"]
    doc.heading("Who responded", 1)
    kinds = [f"{number(row['count'])} from {row['label'].lower()}" for row in who.get("by_respondent_type", [])]
    doc.paragraph(f"{number(who['responses'])} {'response was' if who['responses'] == 1 else 'responses were'} "
                  f"received" + (": " + ", ".join(kinds[:-1]) + (" and " if len(kinds) > 1 else "") + kinds[-1]
                                 if kinds else "") + ".")
    doc.count_table("Responses by stakeholder group", who["by_group"], heading="Responses", label_heading="Group")
    doc.paragraph("A respondent can belong to more than one group.")
    doc.count_table("Responses by locality", who["by_locality"], heading="Responses", label_heading="Locality")
    if who.get("under_represented"):
        doc.heading("Groups and places we heard less from than we aimed for", 2)
        doc.bullets(f"{row['label']}: {number(row['count'])} {'response' if row['count'] == 1 else 'responses'} "
                    f"against an aim of {number(row['target'])}" for row in who["under_represented"])
    doc.heading("Equality monitoring", 2)
    equality = who.get("equality") or {}
    if equality.get("respondents"):
        doc.paragraph(f"{number(equality['respondents'])} "
                      f"{'respondent' if equality['respondents'] == 1 else 'respondents'} answered the optional "
                      f"equality questions. The answers are only ever reported as totals. "
                      f"{content['suppression']['note']}")
        for table in equality.get("tables", []):
            doc.count_table(table["title"], table["rows"], heading="Respondents", label_heading="Answer")
    else:
        doc.paragraph("Nobody answered the optional equality questions.")

    said = content["what_people_said"]
    doc.heading("What people said and what we did", 1)
    doc.paragraph(f"Officers coded {number(said['coded_items'])} "
                  f"{'comment' if said['coded_items'] == 1 else 'comments'} against {number(figures['themes'])} "
                  f"{'theme' if figures['themes'] == 1 else 'themes'}. For each theme: how many raised it, what we "
                  "did in response, and quotations from people who agreed to be quoted, with personal details "
                  f"removed. {content['suppression']['note']}")
    for theme in said.get("themes", []):
        _theme(doc, theme, 2)
        for child in theme.get("children", []):
            _theme(doc, child, 3)
    if not said.get("themes"):
        doc.paragraph("No themes have been coded.")

    changed = content["what_changed"]
    doc.heading("What changed in the plan", 1)
    if changed.get("sections"):
        counts = changed["counts"]
        doc.paragraph(f"Between {_version(changed['from_version'])} and {_version(changed['to_version'])}: "
                      f"{number(counts['changed'])} {'section' if counts['changed'] == 1 else 'sections'} changed, "
                      f"{number(counts['added'])} added and {number(counts['removed'])} removed.")
        for section in changed["sections"]:
            heading = f"{section['number']}. {section['heading']}" if section.get("number") else section["heading"]
            doc.heading(f"{heading} ({DIFF_STATUS_LABELS.get(section['status'], section['status'])})", 2)
            if section.get("themes"):
                doc.paragraph(", ".join(theme["name"] for theme in section["themes"]), bold_label="In response to:")
            _linked_section(doc, {**section, "title": heading})
    elif changed.get("from_version"):
        doc.paragraph(f"The plan has not changed since {_version(changed['from_version'])}.")
    else:
        doc.paragraph("There is no draft of the plan to compare.")

    doc.heading("Next steps", 1)
    if content.get("next_steps"):
        doc.text_block(content["next_steps"])
    else:
        doc.paragraph("Not yet written.")

    annexes = content["annexes"]
    doc.heading("Annexes", 1)
    doc.heading("Questions asked", 2)
    if annexes.get("questions"):
        for question in annexes["questions"]:
            about = f"; about {question['section']}" if question.get("section") else ""
            doc.paragraph(f"{question['text']} ({question['kind_label']}{about})", bold_label=f"{question['number']}.")
    else:
        doc.paragraph("No questions were asked.")
    doc.heading("Organisations that responded", 2)
    if annexes.get("organisations"):
        doc.bullets(annexes["organisations"])
    else:
        doc.paragraph("No organisation that responded asked to be named.")
    doc.heading("The themes (codebook)", 2)
    if annexes.get("codebook"):
        doc.bullets(("Sub-theme: " if theme.get("depth") else "") + theme["name"]
                    + (f": {theme['description']}" if theme.get("description") else "")
                    for theme in annexes["codebook"])
    else:
        doc.paragraph("There are no themes.")
    doc.heading("Engagement events", 2)
    if annexes.get("events"):
        doc.table("Engagement events", ("Date", "Event", "Place", "People"), [
            (_date(event["date"]), f"{event['title']} ({event['kind_label']})",
             ", ".join(part for part in (event.get("venue"), event.get("locality")) if part),
             number(event["attendance"])) for event in annexes["events"]], numeric=(3,))
        for event in annexes["events"]:
            if event.get("attendance_by_group"):
                doc.count_table(f"Who attended: {event['title']}, {_date(event['date'])}", event["attendance_by_group"],
                                heading="People", label_heading="Group")
    else:
        doc.paragraph("No engagement events were held.")
    method = annexes["method"]
    doc.heading("How the responses were analysed", 2)
    doc.paragraph(method["text"])
    suggestions = method["suggestions"]
    doc.table(None, ("", "Number"), [
        ("Comments", number(method["items"])), ("Comments coded by officers", number(method["coded_items"])),
        ("Themes suggested automatically", number(suggestions["made"])),
        ("Suggestions officers accepted", number(suggestions["accepted"])),
        ("Suggestions officers rejected", number(suggestions["rejected"])),
        ("Suggestions not yet decided", number(suggestions["pending"])),
        ("Comments withheld from publication (still counted)", number(method["withheld_items"]))], numeric=(1,))
    agreement = method.get("agreement")
    if agreement and agreement.get("per_theme"):
        doc.table("Agreement between the two coders, by theme", ("Theme", "Kappa", "Reading"), [
            (row["name"], f"{row['kappa']:.2f}" if row["kappa"] is not None else "–", row["reading"])
            for row in agreement["per_theme"]], numeric=(1,))
    doc.paragraph(content["suppression"]["note"])
    return doc.save()
