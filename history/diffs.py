"""Differences between two states of an article, as HTML for the admin.

The body and the standfirst are compared word by word and shown inline, removed words
in ``<del>`` and added ones in ``<ins>``; every other field is shown whole, before and
after. Parts are written out as lines of text first (the byline and the topics as names,
each image as its caption, credit and file, the reading list as headings and entries with
their books).
"""

import difflib
import re

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from articles.models import Article

from .states import STATE_FIELDS

WORD_DIFF_FIELDS = ("body", "standfirst")
_TOKENS = re.compile(r"\s+|[^\s]+")


def word_diff(before: str, after: str) -> SafeString:
    """``after`` with the words removed since ``before`` in ``<del>`` and the words added
    in ``<ins>``; whitespace is kept as it is."""
    old, new = _TOKENS.findall(before), _TOKENS.findall(after)
    parts = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            parts.append(escape("".join(old[i1:i2])))
            continue
        if i2 > i1:
            parts.append(format_html("<del>{}</del>", "".join(old[i1:i2])))
        if j2 > j1:
            parts.append(format_html("<ins>{}</ins>", "".join(new[j1:j2])))
    return mark_safe("".join(parts))


def as_text(name: str, value) -> str:
    """A field of a resolved state (``states.resolve``) as the text the diff shows."""
    if name == "issue":
        return value["name"]
    if name in ("authors", "topics"):
        return ", ".join(record["name"] for record in value)
    if name == "images":
        return "\n".join(
            " · ".join(part for part in (i["caption"], i["credit"], i["file"]) if part)
            or "(empty image)"
            for i in value
        )
    if name == "reading_list":
        lines = []
        for group in value:
            lines.append(group["heading"])
            for entry in group["entries"]:
                books = "; ".join(book["title"] for book in entry["books"])
                lines.append(f"  – {entry['text']}" + (f" [{books}]" if books else ""))
        return "\n".join(lines)
    return "" if value is None else str(value)


def label(name: str) -> str:
    if name in ("authors", "topics", "images", "reading_list"):
        return name.replace("_", " ").capitalize()
    return str(Article._meta.get_field(name).verbose_name).capitalize()


def state_diff(before: dict | None, after: dict) -> list[dict]:
    """The fields that differ between two resolved states, each as ``{name, label,
    before, after, inline}``: ``inline`` is the word diff for the body and standfirst."""
    rows = []
    for name in STATE_FIELDS:
        old = as_text(name, before[name]) if before else ""
        new = as_text(name, after[name])
        if before is not None and old == new:
            continue
        inline = word_diff(old, new) if name in WORD_DIFF_FIELDS else None
        rows.append(
            {"name": name, "label": label(name), "before": old, "after": new, "inline": inline}
        )
    return rows
