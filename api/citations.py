"""An article as a reference manager imports it: BibTeX, RIS or CSL-JSON.

One mapping, ``citation()``, reads an article as the API serializes it (its list or
detail shape) and says what a citation holds: the byline as family and given names, the
headline, the publication, the issue's number, the date and a URL. One function per
format writes citations out; ``api.renderers`` calls them.

Choices a reader of the output may wonder about:

- Names. The last word of a byline name is the family name and the words before it the
  given names, except that lowercase words before the last (``de``, ``van der``) are a
  particle kept with the family name, as BibTeX itself reads them: "Charles de Gaulle" is
  ``de Gaulle, Charles``. A trailing "Jr.", "Sr." or roman numeral is a suffix. A one-word
  name (a pen name, a collective) and one naming two people ("Tony Cliff and Donny
  Gluckstein", an import's single byline record) are kept whole, never split. A name
  already written "Family, Given" is taken as it is.
- Type. A newspaper article: RIS ``NEWS``, CSL ``article-newspaper``. BibTeX has no
  newspaper type, so the entry is an ``@article`` with the publication as ``journal``
  (classic BibTeX; biblatex reads it as ``journaltitle``) and biblatex's
  ``entrysubtype = {newspaper}``, the convention biblatex documents for newspapers.
- Key. The article's slug (``trotskys-socialism``): unique in the archive and unchanged
  by edits to the byline, so a document citing it keeps working whatever file it came
  from. RIS ``ID`` and CSL ``id`` are the slug too.
- Date. When the article went online, in the archive's time zone; a draft, which has
  none, takes its issue's cover date, if any.
- URL. The article's page on the website (``web_url``, see ``api.frontend``) when
  ``FRONTEND_URLS`` gives one, otherwise its detail in this API.
"""

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.utils import timezone
from rest_framework.utils.urls import remove_query_param

# BibTeX's special characters, as LaTeX text mode writes them.
BIBTEX_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "_": r"\_",
    "$": r"\$",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
BIBTEX_SPECIAL = re.compile("|".join(re.escape(character) for character in BIBTEX_ESCAPES))
BIBTEX_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
SUFFIXES = re.compile(r"(?i:jr|sr)\.?|[IVX]+")


@dataclass(frozen=True)
class Name:
    """An author's name in a citation's parts; ``literal`` alone for a name kept whole."""

    family: str = ""
    given: str = ""
    particle: str = ""
    suffix: str = ""
    literal: str = ""

    def inverted(self) -> str:
        """``particle family, given, suffix``: the form RIS asks for."""
        if self.literal:
            return self.literal
        family = " ".join(filter(None, (self.particle, self.family)))
        return ", ".join(filter(None, (family, self.given, self.suffix)))


@dataclass(frozen=True)
class Citation:
    key: str
    title: str
    authors: tuple[Name, ...]
    container: str | None
    number: int | None
    date: dt.date | None
    url: str


def split_name(name: str) -> Name:
    """A byline name in its parts; see the module's docstring for the rules."""
    if "," in name:
        family, _, given = (part.strip() for part in name.partition(","))
        return Name(family=family, given=given)
    words = name.split()
    if len(words) < 2 or {"and", "&"} & set(words):
        return Name(literal=" ".join(words))
    suffix = ""
    if len(words) > 2 and SUFFIXES.fullmatch(words[-1]):
        suffix = words.pop()
    given, rest = [words[0]], words[1:]
    while len(rest) > 1 and not rest[0][:1].islower():
        given.append(rest.pop(0))
    # As BibTeX reads "von" parts: through the last lowercase word before the family name.
    lowercase = [index for index, word in enumerate(rest[:-1]) if word[:1].islower()]
    cut = lowercase[-1] + 1 if lowercase else 0
    return Name(
        family=" ".join(rest[cut:]),
        given=" ".join(given),
        particle=" ".join(rest[:cut]),
        suffix=suffix,
    )


def citation(article: Mapping) -> Citation:
    """What a citation of ``article`` (its API data, list or detail shape) holds."""
    issue = article.get("issue") or {}
    publication = issue.get("publication") or {}
    date = None
    if article.get("published_at"):
        published = dt.datetime.fromisoformat(article["published_at"])
        date = timezone.localtime(published).date()
    elif issue.get("date"):
        date = dt.date.fromisoformat(issue["date"])
    return Citation(
        key=article["slug"],
        title=_one_line(article["headline"]),
        authors=tuple(split_name(_one_line(author["name"])) for author in article["authors"]),
        container=_one_line(publication["name"]) if publication.get("name") else None,
        number=issue.get("number"),
        date=date,
        # DRF's links keep the request's format override (``?format=ris``): a citation
        # points at the article itself.
        url=article.get("web_url") or remove_query_param(article["url"], "format"),
    )


def bibtex(citations: Iterable[Citation]) -> str:
    """BibTeX entries, readable by BibTeX and biblatex alike; the text stays UTF-8.

    The title is braced as a whole so that no style recases a headline as printed. The
    URL is left as it is: biblatex and the ``url`` package read it verbatim."""
    return "\n".join(_bibtex_entry(item) for item in citations)


def _bibtex_entry(item: Citation) -> str:
    fields = []
    if item.authors:
        fields.append(("author", " and ".join(_bibtex_name(name) for name in item.authors)))
    fields.append(("title", f"{{{_escape(item.title)}}}"))
    if item.container:
        fields.append(("journal", _escape(item.container)))
    if item.number is not None:
        fields.append(("number", str(item.number)))
    fields.append(("entrysubtype", "newspaper"))
    if item.date:
        fields += [("date", item.date.isoformat()), ("year", str(item.date.year))]
    lines = [f"  {name} = {{{value}}}," for name, value in fields]
    if item.date:
        # A month's macro, which both BibTeX's styles and biblatex understand.
        lines.append(f"  month = {BIBTEX_MONTHS[item.date.month - 1]},")
    # Braces would end the field early; a URL may hold them only percent-encoded anyway.
    url = item.url.replace("{", "%7B").replace("}", "%7D")
    lines.append(f"  url = {{{url}}},")
    return f"@article{{{item.key},\n" + "\n".join(lines) + "\n}\n"


def _bibtex_name(name: Name) -> str:
    """``von Last, Jr, First``: BibTeX's own form, which needs no guessing; a name kept
    whole is braced, so that BibTeX does not split it."""
    if name.literal:
        return f"{{{_escape(name.literal)}}}"
    family = " ".join(filter(None, (name.particle, name.family)))
    return ", ".join(_escape(part) for part in filter(None, (family, name.suffix, name.given)))


def _escape(text: str) -> str:
    return BIBTEX_SPECIAL.sub(lambda match: BIBTEX_ESCAPES[match.group()], text)


def ris(citations: Iterable[Citation]) -> str:
    """RIS records (``TAG  - value`` lines, each record closed by ``ER  - ``)."""
    return "".join(_ris_record(item) for item in citations)


def _ris_record(item: Citation) -> str:
    lines = [("TY", "NEWS"), ("ID", item.key)]
    lines += [("AU", name.inverted()) for name in item.authors]
    lines.append(("TI", item.title))
    if item.container:
        lines.append(("T2", item.container))
    if item.number is not None:
        lines.append(("IS", str(item.number)))
    if item.date:
        lines += [("PY", str(item.date.year)), ("DA", item.date.strftime("%Y/%m/%d/"))]
    lines += [("UR", item.url), ("ER", "")]
    return "".join(f"{tag}  - {value}\r\n" for tag, value in lines) + "\r\n"


def csl(item: Citation) -> dict:
    """A CSL-JSON item, as the CSL input schema (``csl-data.json``) defines it."""
    data = {
        "id": item.key,
        "type": "article-newspaper",
        "title": item.title,
        "author": [_csl_name(name) for name in item.authors],
    }
    if item.container:
        data["container-title"] = item.container
    if item.number is not None:
        data["issue"] = item.number
    if item.date:
        data["issued"] = {"date-parts": [[item.date.year, item.date.month, item.date.day]]}
    data["URL"] = item.url
    return data


def _csl_name(name: Name) -> dict:
    parts = {
        "literal": name.literal,
        "family": name.family,
        "given": name.given,
        "non-dropping-particle": name.particle,
        "suffix": name.suffix,
    }
    return {key: value for key, value in parts.items() if value}


def _one_line(text: str) -> str:
    """The text with its runs of white space, line breaks included, as single spaces:
    RIS and BibTeX values are one line."""
    return " ".join(text.split())
