"""Halo's HTML fields (`details_html`, `note_html`) and our plain text, both ways.

Tickets and actions hold plain text, shown escaped everywhere; markup an integration sends
becomes its text (paragraphs and line breaks kept), and reads give that text back as HTML.
"""

import html
import re
from typing import Any

from django.utils.html import linebreaks, strip_tags

_PARAGRAPH_ENDS = re.compile(r"<\s*/\s*(p|h[1-6]|blockquote|ul|ol|table)\s*>", re.IGNORECASE)
_LINE_ENDS = re.compile(r"<\s*br\s*/?\s*>|<\s*/\s*(div|li|tr)\s*>", re.IGNORECASE)
_BLANK_RUNS = re.compile(r"\n{3,}")


def from_html(value: Any) -> str:
    """The text of an HTML fragment: tags dropped, entities decoded, breaks kept."""
    marked = _LINE_ENDS.sub("\n", _PARAGRAPH_ENDS.sub("\n\n", str(value or "")))
    plain = html.unescape(strip_tags(marked))
    lines = [line.rstrip() for line in plain.replace("\r\n", "\n").split("\n")]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip()


def to_html(value: str) -> str:
    """Plain text as HTML paragraphs, escaped."""
    return linebreaks(value, autoescape=True) if value else ""
