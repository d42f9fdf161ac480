"""Read a scraped web page of the archive (the seed's format) by its markers.

A page, blank lines aside, reads::

    Socialist Worker                      masthead (``--publication`` stands in if absent)
    Trotsky’s socialism                   headline
    Seventy years ago … Esme Choonara …   standfirst, perhaps carrying the byline
    Issue No. 2215
    by Maria Okafor                       optional byline line, not body text
    Leon Trotsky addresses …              each image caption, printed twice in a row
    Leon Trotsky addresses …
    Seventy years ago this week …         body paragraphs; a short line without closing
    An inspiration for today              punctuation is a subheading
    Further reading                       optional: groups of "  • " bullets, then a note
    Click here to subscribe …             site furniture from here on, except:
    Article information
    Tue 17 Aug 2010, 18:05 BST            the date line, UK local time
    Issue No. 2215

Text is kept exactly as the page has it; only the furniture is dropped.
"""

import datetime as dt
import re
from collections import Counter
from pathlib import PurePath
from zoneinfo import ZoneInfo

from articles.models import HEADING_MARKER

from .records import (
    ArticleRecord,
    AuthorRecord,
    BookRecord,
    EntryRecord,
    GroupRecord,
    ImageRecord,
    ImportFileError,
    IssueRecord,
)

LONDON = ZoneInfo("Europe/London")
FURTHER_READING = "Further reading"
FURNITURE = (
    "Click here to subscribe",
    "Article information",
    "Share this article",
    "Mobile users!",
)

_ISSUE_LINE = re.compile(r"Issue No\. (?P<number>\d+)")
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_DATE_LINE = re.compile(
    r"(?P<weekday>Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?P<day>\d{1,2}) (?P<month>[A-Z][a-z]{2}) "
    r"(?P<year>\d{4}), (?P<hour>\d{2}):(?P<minute>\d{2}) (?P<zone>BST|GMT)"
)
_DATE_EXAMPLE = "a date line like 'Tue 17 Aug 2010, 18:05 BST'"
_NAME = r"[A-Z][\w’'-]+(?:[ \u00a0][A-Z][\w’'-]+)+"
_NAMES = rf"{_NAME}(?:(?:, | and | & ){_NAME})*"
# "by Maria Okafor" names; "By the evening the government had fled" is body text.
_BY_LINE = re.compile(rf"[Bb]y (?P<names>{_NAMES})")
_BYLINE_VERBS = (
    r"(?:looks?|explains?|writes?|reports?|argues?|examines?|asks?|analyses|analyse|"
    r"assess(?:es)?|considers?|investigates?|describes?|reviews?|reflects?|recalls?|"
    r"traces?|explores?|introduces?|talks?)"
)
# The byline opens a sentence of the standfirst: "… was murdered. Esme Choonara looks at …".
_STANDFIRST_BYLINE = re.compile(rf"(?:^|(?<=[.!?]\s))(?P<names>{_NAMES}) {_BYLINE_VERBS}\b")
_NAME_SEPARATORS = re.compile(r",\s*(?:and\s+)?|\s+and\s+|\s*&\s*")
_BULLET = re.compile(r"\s*•\s*")
_VOLUMES = re.compile(r"(?P<who>.+?)[’']s (?P<count>\w+)[ -]volume [^:]*: (?P<titles>.+)")
_VOLUME_COUNTS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_AUTOBIOGRAPHY = re.compile(r"(?P<title>.+), (?P<who>.+?)[’']s autobiography")
# A heading such as "All of Trotsky’s writings are worth reading" names the author of
# the bullets under it that name none.
_WORKS_OF = re.compile(
    r"(?P<who>[A-Z][\w’'-]*(?:[ \u00a0][A-Z][\w’'-]*)*)[’']s (?:writings|works)\b"
)
_CAPITALISED_RUN = r"(?<![\w’'-])((?:[A-Z][\w’'-]+ ){1,3})"
_SUBHEADING_MAX_WORDS = 10
_CLOSING_PUNCTUATION = ".!?:;,…"
_CLOSING_QUOTES = "”’\"')]"


def parse_scraped(text: str, *, path: str, publication: str = "") -> IssueRecord:
    """One scraped page as an issue holding its one article.

    ``publication`` names the publication when the page has no masthead.
    """
    lines = [(number, line.rstrip("\r")) for number, line in enumerate(text.split("\n"), 1)]
    content = [(number, line) for number, line in lines if line.strip()]
    last_line = lines[-1][0]
    if not content:
        raise ImportFileError(path, 1, "expected a scraped article, found an empty file")

    issue_at = _find_issue_line(content, path)
    issue_line, issue_text = content[issue_at]
    number = int(_ISSUE_LINE.fullmatch(issue_text)["number"])
    masthead, headline_at, headline, standfirst = _header(content[:issue_at], path, publication)

    body_start = issue_at + 1
    body_end = _section_end(content, body_start, stop_at_further_reading=True)
    paragraphs, images, bylines = _body(content[body_start:body_end])
    if not paragraphs:
        found = repr(content[body_end][1]) if body_end < len(content) else "end of file"
        line = content[body_end][0] if body_end < len(content) else last_line
        raise ImportFileError(
            path, line, f"expected body paragraphs after the “Issue No.” line, found {found}"
        )

    warnings = []
    if not bylines and (match := _STANDFIRST_BYLINE.search(standfirst)):
        bylines = _split_names(match["names"])
    if not bylines:
        warnings.append(f"{path}:{issue_line}: no byline found; imported without an author")

    cursor = body_end
    groups, note = [], ""
    if cursor < len(content) and content[cursor][1] == FURTHER_READING:
        reading_end = _section_end(content, cursor + 1, stop_at_further_reading=False)
        context = "\n".join([headline, standfirst, *paragraphs])
        groups, note = _reading_list(content[cursor + 1 : reading_end], context, bylines)
        cursor = reading_end

    published_at = _trailer(content[cursor:], path, last_line, number)
    article = ArticleRecord(
        headline=headline,
        standfirst=standfirst,
        body="\n\n".join(paragraphs),
        published_at=published_at,
        where=headline_at,
        authors=[AuthorRecord(name) for name in bylines],
        images=[ImageRecord(caption) for caption in images],
        reading_groups=groups,
        reading_list_note=note,
        source=PurePath(path).name,
    )
    return IssueRecord(
        publication_name=masthead,
        number=number,
        where=issue_line,
        articles=[article],
        warnings=warnings,
    )


def _find_issue_line(content, path):
    # It follows masthead, headline and standfirst; the trailer repeats it, and that
    # copy must not be mistaken for it.
    for index, (_, line) in enumerate(content[:4]):
        if _ISSUE_LINE.fullmatch(line):
            return index
    # Point at a near miss ("Issue 2215", "Issue no 2215") rather than at nothing.
    line, found = next(
        ((number, line) for number, line in content[:5] if line.lower().startswith("issue")),
        content[min(3, len(content) - 1)],
    )
    raise ImportFileError(
        path,
        line,
        f"expected an “Issue No. N” line after the headline and standfirst, found {found!r}",
    )


def _header(header, path, publication):
    """Masthead, the headline's line number, headline and standfirst, from the lines
    before the issue line."""
    if len(header) == 3:
        (_, masthead), (headline_at, headline), (_, standfirst) = header
        return masthead, headline_at, headline, standfirst
    if header and len(header) < 3 and publication:
        (headline_at, headline), *rest = header
        return publication, headline_at, headline, rest[0][1] if rest else ""
    line = header[3][0] if len(header) > 3 else (header[0][0] if header else 1)
    raise ImportFileError(
        path,
        line,
        "expected masthead, headline and standfirst before the “Issue No.” line "
        f"(give --publication for a page with no masthead), found {len(header)} line(s)",
    )


def _section_end(content, start, *, stop_at_further_reading):
    for index in range(start, len(content)):
        line = content[index][1]
        if (
            line.startswith(FURNITURE)
            or _DATE_LINE.fullmatch(line)
            or (stop_at_further_reading and line == FURTHER_READING)
        ):
            return index
    return len(content)


def _body(content):
    """Paragraphs (subheadings marked), image captions (each printed twice) and the names
    on a ``by`` line before the first paragraph."""
    paragraphs, captions, bylines = [], [], []
    index = 0
    while index < len(content):
        line = content[index][1]
        if index + 1 < len(content) and content[index + 1][1] == line:
            captions.append(line)
            index += 2
            continue
        if not paragraphs and not bylines and (by_line := _BY_LINE.fullmatch(line)):
            bylines = _split_names(by_line["names"])
        else:
            paragraphs.append(f"{HEADING_MARKER}{line}" if _is_subheading(line) else line)
        index += 1
    return paragraphs, captions, bylines


def _is_subheading(line: str) -> bool:
    words = line.split()
    ending = line.rstrip().rstrip(_CLOSING_QUOTES)
    return (
        len(words) <= _SUBHEADING_MAX_WORDS
        and bool(ending)
        and ending[-1] not in _CLOSING_PUNCTUATION
    )


def _split_names(names: str) -> list[str]:
    return [" ".join(name.split()) for name in _NAME_SEPARATORS.split(names) if name.strip()]


def _reading_list(content, context, bylines):
    """Groups of bullets under their headings; the lines after the last bullet are the note."""
    groups: list[tuple[str, list[str]]] = []
    note = []
    for index, (_, line) in enumerate(content):
        bullet = _BULLET.match(line)
        if bullet:
            if not groups:
                groups.append(("", []))
            groups[-1][1].append(line[bullet.end() :])
        elif index + 1 < len(content) and _BULLET.match(content[index + 1][1]):
            groups.append((line, []))
        else:
            note.append(line)
    names = _NameResolver(context, bylines)
    records = []
    for heading, entries in groups:
        works_of = _WORKS_OF.search(heading)
        default_author = works_of["who"] if works_of else ""
        records.append(
            GroupRecord(
                heading=heading,
                entries=tuple(
                    EntryRecord(text, _books(text, default_author, names)) for text in entries
                ),
            )
        )
    return records, "\n\n".join(note)


def _books(text, default_author, names):
    """The books an entry names: "Title by Author", a multi-volume work, or a bare title."""
    if volumes := _VOLUMES.fullmatch(text):
        author = names.resolve(volumes["who"])
        titles = volumes["titles"].split(", ")
        expected = _VOLUME_COUNTS.get(volumes["count"], len(titles) + 1)
        if len(titles) < expected and " and " in titles[-1]:
            titles[-1:] = titles[-1].rsplit(" and ", 1)
        return tuple(
            BookRecord(title=title, authors=(author,), volume=volume)
            for volume, title in enumerate(titles, 1)
        )
    if autobiography := _AUTOBIOGRAPHY.fullmatch(text):
        return (BookRecord(autobiography["title"], (names.resolve(autobiography["who"]),)),)
    title, by, credited = text.rpartition(" by ")
    if by and title:
        return (BookRecord(title, tuple(names.resolve(name) for name in _split_names(credited))),)
    authors = (names.resolve(default_author),) if default_author else ()
    return (BookRecord(text, authors),)


class _NameResolver:
    """Turns a surname ("Trotsky") into the full name the article gives ("Leon Trotsky").

    Reading lists say "Trotsky’s autobiography"; the article itself names him in full.
    A name the article never gives in full stays as printed.
    """

    def __init__(self, context: str, known: list[str]):
        self.context = context.replace("\u00a0", " ")
        self.known = known

    def resolve(self, name: str) -> AuthorRecord:
        name = " ".join(name.split())
        if " " not in name:
            name = self._full_name(name)
        return AuthorRecord(name)

    def _full_name(self, surname: str) -> str:
        for known in self.known:
            if known.split()[-1] == surname:
                return known
        candidates = Counter()
        for match in re.finditer(rf"{_CAPITALISED_RUN}{re.escape(surname)}\b", self.context):
            forenames = match[1].split()
            before = self.context[: match.start()].rstrip(" ")
            # A capital that opens a sentence ("Yet Trotsky …") is not a forename.
            if not before or before[-1] in '.!?\n“"':
                forenames = forenames[1:]
            if forenames:
                candidates[" ".join([*forenames, surname])] += 1
        return candidates.most_common(1)[0][0] if candidates else surname


def _trailer(content, path, last_line, number):
    """The date line after the furniture, and the repeated issue number if present."""
    rest = [(line_number, line) for line_number, line in content if not line.startswith(FURNITURE)]
    if not rest:
        raise ImportFileError(path, last_line, f"expected {_DATE_EXAMPLE}, found end of file")
    line_number, line = rest[0]
    match = _DATE_LINE.fullmatch(line)
    if not match:
        raise ImportFileError(path, line_number, f"expected {_DATE_EXAMPLE}, found {line!r}")
    published_at = _uk_time(match, path, line_number)
    repeated = _ISSUE_LINE.fullmatch(rest[1][1]) if len(rest) > 1 else None
    if repeated and int(repeated["number"]) != number:
        raise ImportFileError(
            path, rest[1][0], f"expected 'Issue No. {number}' again, found {rest[1][1]!r}"
        )
    return published_at


def _uk_time(match, path, line_number) -> dt.datetime:
    """The date line's wall-clock time in London, checked against its BST/GMT label."""
    found = repr(match[0])
    if match["month"] not in _MONTHS:
        raise ImportFileError(path, line_number, f"expected {_DATE_EXAMPLE}, found {found}")
    try:
        wall = dt.datetime(
            int(match["year"]),
            _MONTHS.index(match["month"]) + 1,
            int(match["day"]),
            int(match["hour"]),
            int(match["minute"]),
        )
    except ValueError as error:
        raise ImportFileError(
            path, line_number, f"expected a real date and time, found {found} ({error})"
        ) from None
    if wall.strftime("%a") != match["weekday"]:
        raise ImportFileError(
            path,
            line_number,
            f"expected the weekday of {wall:%d %b %Y}, {wall:%a}, found {found}",
        )
    # The label settles the hour the clocks go back, which London time has twice.
    for fold in (0, 1):
        local = wall.replace(tzinfo=LONDON, fold=fold)
        exists = local.astimezone(dt.UTC).astimezone(LONDON).replace(tzinfo=None) == wall
        if exists and local.tzname() == match["zone"]:
            return local.astimezone(dt.UTC)
    raise ImportFileError(
        path,
        line_number,
        f"expected UK local time ({wall:%H:%M on %d %b %Y} is not "
        f"{match['zone']} in London), found {found}",
    )
