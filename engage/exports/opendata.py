"""The statement as open data: JSON that follows docs/open-data-schema.json.

A documented transform of the statement's content: the same figures, with themes
as one flat list (parent_id and depth give the tree), counts that may be suppressed
as cells ``{"count": null, "suppressed": true}`` exactly as in the statement, and
quotations without internal ids. The schema is served at SCHEMA_PATH on the same
site; `schema_version` changes only when a field changes meaning or goes away.
"""
import json
from datetime import datetime
from pathlib import Path

SCHEMA_VERSION = 1
SCHEMA_PATH = "/open-data/statement-schema.json"
SCHEMA_FILE = Path(__file__).resolve().parent.parent.parent / "docs" / "open-data-schema.json"


def _cell(row):
    return {"count": row.get("count"), "suppressed": bool(row.get("suppressed"))}


def _cells(rows, *keys):
    return [{**{key: row.get(key) for key in keys}, **_cell(row)} for row in rows]


def _version(version):
    if not version:
        return None
    return {"number": version["number"], "label": version["label"], "dated": version.get("dated"),
            "sections": version.get("sections", 0)}


def _theme(theme):
    response = theme.get("response") or {}
    return {
        "id": theme["id"], "parent_id": theme.get("parent_id"), "depth": theme.get("depth", 0),
        "name": theme["name"], "description": theme.get("description", ""),
        "comments": theme["items"], "people": theme["people"], "responses": theme["respondents"],
        "notes": theme["notes"],
        "stance": {key: theme["stance"].get(key, 0) for key in ("support", "concern", "mixed", "neutral",
                                                                 "not_recorded")},
        "responses_by_group": _cells(theme.get("by_group", []), "label"),
        "responses_by_locality": _cells(theme.get("by_locality", []), "label"),
        "quotations": [{"text": quote["text"], "attribution": quote["attribution"], "stance": quote.get("stance")}
                       for quote in theme.get("quotes", [])],
        "you_said": response.get("you_said", ""), "we_did": response.get("we_did", ""),
        "decision": response.get("decision"), "decision_label": response.get("decision_label", ""),
        "reason": response.get("reason", ""),
        "plan_sections": [{"number": section.get("number", ""), "heading": section.get("heading", ""),
                           "status": section["status"], "before": section.get("before"),
                           "after": section.get("after")} for section in response.get("sections", [])],
    }


def open_data(content, revision=None):
    """The open-data document (a dict) for a statement's content, as shown (after for_display)."""
    consultation = content["consultation"]
    who = content["who"]
    said = content["what_people_said"]
    changed = content["what_changed"]
    annexes = content["annexes"]
    published_at = getattr(revision, "published_at", None)
    themes = []
    for theme in said.get("themes", []):
        themes.append(_theme(theme))
        themes.extend(_theme(child) for child in theme.get("children", []))
    return {
        "schema": SCHEMA_PATH,
        "schema_version": SCHEMA_VERSION,
        "statement": {
            "revision": getattr(revision, "number", None),
            "published_at": (published_at.replace(microsecond=0).isoformat() + "Z"
                             if isinstance(published_at, datetime) else None),
            "generated_at": content.get("generated_at"),
        },
        "consultation": {key: consultation.get(key) for key in (
            "slug", "title", "organisation", "plan_type", "summary", "opens_on", "closes_on", "closed_on",
            "contact_email")},
        "suppression": {"threshold": content["suppression"]["threshold"], "note": content["suppression"]["note"]},
        "figures": {
            "responses": content["figures"]["responses"],
            "individual_responses": content["figures"]["individual_responses"],
            "organisation_responses": content["figures"]["organisation_responses"],
            "comments": content["figures"]["items"], "people": content["figures"]["people"],
            "events": content["figures"]["events"], "event_attendance": content["figures"]["event_attendance"],
            "themes": content["figures"]["themes"], "coded_comments": said.get("coded_items", 0),
        },
        "plan": {"consulted_version": _version(content["what"].get("consulted_version")),
                 "latest_version": _version(content["what"].get("latest_version"))},
        "respondents": {
            "by_respondent_type": [{"key": row["key"], "label": row["label"], "count": row["count"]}
                                   for row in who.get("by_respondent_type", [])],
            "by_group": [{"label": row["label"], "count": row["count"], "target": row.get("target")}
                         for row in who.get("by_group", [])],
            "by_locality": [{"label": row["label"], "count": row["count"], "target": row.get("target")}
                            for row in who.get("by_locality", [])],
            "by_channel": [{"key": row["key"], "label": row["label"], "count": row["count"]}
                           for row in who.get("by_channel", [])],
        },
        "equality": {
            "respondents": (who.get("equality") or {}).get("respondents", 0),
            "tables": [{"key": table["key"], "title": table["title"], "total": table["total"],
                        "rows": _cells(table["rows"], "label")}
                       for table in (who.get("equality") or {}).get("tables", [])],
        },
        "themes": themes,
        "plan_changes": {
            "counts": changed["counts"],
            "sections": [{"status": section["status"], "number": section.get("number", ""),
                          "heading": section.get("heading", ""), "before": section.get("before"),
                          "after": section.get("after"), "theme_ids": [theme["id"] for theme in section["themes"]]}
                         for section in changed.get("sections", [])],
        },
        "questions": [{"number": question["number"], "text": question["text"], "kind": question["kind"],
                       "section": question.get("section")} for question in annexes.get("questions", [])],
        "organisations": list(annexes.get("organisations", [])),
        "events": [{"title": event["title"], "kind": event["kind"], "date": event["date"],
                    "venue": event.get("venue", ""), "locality": event.get("locality"),
                    "attendance": event["attendance"],
                    "attendance_by_group": _cells(event.get("attendance_by_group", []), "label")}
                   for event in annexes.get("events", [])],
        "method": {
            "text": annexes["method"]["text"],
            "comments": annexes["method"]["items"], "coded_comments": annexes["method"]["coded_items"],
            "withheld_comments": annexes["method"]["withheld_items"],
            "suggestions": annexes["method"]["suggestions"],
            "kappa": (annexes["method"].get("agreement") or {}).get("kappa"),
        },
    }


def statement_json(content, revision=None):
    """The open data as UTF-8 JSON bytes."""
    return json.dumps(open_data(content, revision), ensure_ascii=False, indent=2).encode("utf-8")


def schema_bytes():
    """The JSON Schema of the open data, as stored in docs/."""
    return SCHEMA_FILE.read_bytes()
