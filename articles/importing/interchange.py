"""Reading the archive's JSON interchange format: one document per issue
(docs/interchange.md), validated against its schema and read into records.

``parse_interchange`` reads a file's text, ``read_document`` a document already in
memory; ``export`` writes documents.
"""

import datetime as dt
import json
import re
from functools import cache
from pathlib import Path

import jsonschema
import jsonschema_rs
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.utils import validate_file_name

from .records import (
    BOOK_DETAILS,
    IMAGE_COLUMNS,
    ArticleRecord,
    AuthorRecord,
    BookRecord,
    EntryRecord,
    GroupRecord,
    ImageRecord,
    ImportFileError,
    IssueRecord,
    RecordError,
    Where,
)

VERSION = 1
SCHEMA_PATH = Path(__file__).with_name("interchange.schema.json")


def _schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@cache
def validator() -> jsonschema.protocols.Validator:
    """The reference validator, whose errors ``_explain`` turns into a refusal's reason."""
    schema = _schema()
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    # The schema has no recursion, so its "$ref"s are copied in once here rather than
    # resolved for every document validated.
    definitions = schema.pop("$defs")
    return cls(_inline_refs(schema, definitions))


@cache
def compiled_validator() -> jsonschema_rs.Validator:
    """The validator that decides, compiled: every imported document passes through it,
    so a valid one is checked without building Python error objects, and its regular
    expressions are ECMA-262's, as JSON Schema specifies. ``validator()`` only explains
    a refusal."""
    return jsonschema_rs.validator_for(_schema())


def schema_error(document: dict) -> tuple[tuple, str] | None:
    """Where ``document`` breaks the schema and why, or None if it does not."""
    compiled = compiled_validator()
    if compiled.is_valid(document):
        return None
    error = jsonschema.exceptions.best_match(validator().iter_errors(document))
    if error is not None:
        where = tuple(error.absolute_path)
        return where, _explain(error, where)
    # Python's regular expressions differ at the edges (its "$" matches before a final
    # newline, so "a\n" would pass for a slug): the compiled validator's own words.
    error = next(compiled.iter_errors(document))
    where = tuple(error.instance_path)
    return where, f"{_place(where)}: expected {error.message}"


def _inline_refs(node, definitions: dict):
    if isinstance(node, list):
        return [_inline_refs(item, definitions) for item in node]
    if not isinstance(node, dict):
        return node
    inlined = {
        key: _inline_refs(value, definitions) for key, value in node.items() if key != "$ref"
    }
    if "$ref" in node:
        target = definitions[node["$ref"].removeprefix("#/$defs/")]
        return {**_inline_refs(target, definitions), **inlined}
    return inlined


# The schema's documents nest about eight deep; only a hostile or broken file goes deeper
# than Python's parser and validators can recurse.
MAX_NESTING = 64
_JSON_STRING_OR_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def parse_interchange(text: str, *, path: str) -> IssueRecord:
    """Validate a document against the schema and read it into records."""
    try:
        return _parse(text, path)
    except RecursionError:
        raise ImportFileError(
            path,
            _line_too_deep(text),
            f"expected a JSON document nested at most {MAX_NESTING} deep, found deeper nesting",
        ) from None


def _line_too_deep(text: str) -> int:
    """The line where ``text`` first nests deeper than ``MAX_NESTING`` (else the first)."""
    depth = 0
    for token in _JSON_STRING_OR_BRACKET.finditer(text):
        bracket = token.group()
        if bracket in "[{":
            depth += 1
            if depth > MAX_NESTING:
                return text.count("\n", 0, token.start()) + 1
        elif bracket in "]}":
            depth -= 1
    return 1


def _parse(text: str, path: str) -> IssueRecord:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportFileError(
            path, error.lineno, f"expected a JSON document, found invalid JSON ({error.msg})"
        ) from None
    if not isinstance(document, dict) or document.get("version") != VERSION:
        found = document.get("version") if isinstance(document, dict) else document
        raise ImportFileError(
            path,
            line_of(text, ("version",)),
            f'expected an interchange document with "version": {VERSION}, found {_describe(found)}',
        )
    error = schema_error(document)
    if error is not None:
        where, reason = error
        raise ImportFileError(path, line_of(text, where), reason)
    try:
        return _records(document, path)
    except RecordError as error:
        raise ImportFileError(path, line_of(text, error.where), error.reason) from None


def read_document(document: dict, *, path: str) -> IssueRecord:
    """Validate a document already in memory (a generated one) and read it into records.

    With no text to point into, a refusal names the document's first line.
    """
    error = schema_error(document)
    if error is not None:
        raise ImportFileError(path, 1, error[1])
    try:
        return _records(document, path)
    except RecordError as error:
        raise ImportFileError(path, 1, error.reason) from None


def _records(document: dict, path: str) -> IssueRecord:
    authors = {
        author["slug"]: AuthorRecord(author["name"], author["slug"], author["bio"] or None)
        for author in document["authors"]
    }
    books = {
        book["slug"]: _book(book, ("books", index), authors)
        for index, book in enumerate(document["books"])
    }
    articles = []
    seen = set()
    for index, article in enumerate(document["articles"]):
        where = ("articles", index)
        if article["slug"] in seen:
            raise RecordError(
                (*where, "slug"), f"expected each article once, found {article['slug']!r} again"
            )
        seen.add(article["slug"])
        articles.append(_article(article, where, authors, books))
    issue = document["issue"]
    return IssueRecord(
        publication_name=document["publication"]["name"],
        publication_slug=document["publication"]["slug"],
        number=issue["number"],
        slug=issue["slug"],
        date=_date(issue["date"], ("issue", "date")),
        where=("issue",),
        articles=articles,
    )


def _book(book: dict, where: Where, authors: dict[str, AuthorRecord]) -> BookRecord:
    return BookRecord(
        title=book["title"],
        authors=tuple(
            _lookup(authors, slug, (*where, "authors", position), "authors")
            for position, slug in enumerate(book["authors"])
        ),
        slug=book["slug"],
        # Empty details mean "not known here": a stale document must not erase an ISBN
        # an editor has since added to a book shared by many articles.
        **{name: book[name] if book[name] != "" else None for name in BOOK_DETAILS},
    )


def _article(
    article: dict,
    where: Where,
    authors: dict[str, AuthorRecord],
    books: dict[str, BookRecord],
) -> ArticleRecord:
    published_at = _datetime(article["published_at"], (*where, "published_at"))
    if article["status"] == "published" and published_at is None:
        raise RecordError(
            (*where, "published_at"),
            "expected a publication time for a published article, found null",
        )
    reading_list = article["reading_list"]
    return ArticleRecord(
        headline=article["headline"],
        standfirst=article["standfirst"],
        body=article["body"],
        published_at=published_at,
        where=where,
        status=article["status"],
        slug=article["slug"],
        authors=[
            _lookup(authors, slug, (*where, "authors", position), "authors")
            for position, slug in enumerate(article["authors"])
        ],
        topics=tuple(article["topics"]) if "topics" in article else None,
        images=[_image(image, (*where, "images", i)) for i, image in enumerate(article["images"])],
        reading_groups=[
            _group(group, (*where, "reading_list", "groups", g), books)
            for g, group in enumerate(reading_list["groups"])
        ],
        reading_list_note=reading_list["note"],
        source=article["source"],
    )


def _group(group: dict, where: Where, books: dict[str, BookRecord]) -> GroupRecord:
    return GroupRecord(
        heading=group["heading"],
        entries=tuple(
            EntryRecord(
                text=entry["text"],
                books=tuple(
                    _lookup(books, slug, (*where, "entries", e, "books", b), "books")
                    for b, slug in enumerate(entry["books"])
                ),
            )
            for e, entry in enumerate(group["entries"])
        ),
    )


def _lookup(table, slug, where, listed_under):
    try:
        return table[slug]
    except KeyError:
        raise RecordError(
            where, f"expected a slug listed under {listed_under!r}, found {slug!r}"
        ) from None


def _image(image: dict, where: Where) -> ImageRecord:
    if image["file"]:
        try:
            validate_file_name(image["file"], allow_relative_path=True)
        except SuspiciousFileOperation:
            raise RecordError(
                (*where, "file"),
                f"expected a file name inside media storage, found {image['file']!r}",
            ) from None
        for dimension in ("width", "height"):
            # Without both, Django would open the file to measure it, and it may not be here.
            if not image[dimension]:
                raise RecordError(
                    (*where, dimension),
                    f"expected the {dimension} of an image with a file, at least 1, "
                    f"found {json.dumps(image[dimension])}",
                )
    return ImageRecord(**{name: image[name] for name in IMAGE_COLUMNS})


def _datetime(value: str | None, where: Where) -> dt.datetime | None:
    if value is None:
        return None
    try:
        return dt.datetime.fromisoformat(value).astimezone(dt.UTC)
    except ValueError:
        raise RecordError(where, f"expected a real date and time, found {value!r}") from None


def _date(value: str | None, where: Where) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise RecordError(where, f"expected a real date, found {value!r}") from None


def _describe(value) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else f"{text[:57]}…"


def _place(where: tuple) -> str:
    place = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in where)
    return place.lstrip(".") or "document"


def _explain(error: jsonschema.ValidationError, where: tuple) -> str:
    """A schema error as "<where>: expected …, found …"."""
    place = _place(where)
    found = _describe(error.instance)
    match error.validator:
        case "required":
            missing = next(name for name in error.validator_value if name not in error.instance)
            expected, found = f"a {missing!r} property", "none"
        case "additionalProperties":
            extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
            expected, found = "only the properties the schema defines", repr(extra[0])
        case "type":
            kinds = error.validator_value
            expected = " or ".join(kinds) if isinstance(kinds, list) else kinds
        case "enum":
            expected = "one of " + ", ".join(json.dumps(v) for v in error.validator_value)
        case "const":
            expected = json.dumps(error.validator_value)
        case "minItems":
            expected = f"at least {error.validator_value} item(s)"
            found = f"{len(error.instance)}"
        case "maxLength":
            expected = f"at most {error.validator_value} characters"
            found = f"{len(error.instance)}"
        case "minimum" | "maximum":
            expected = f"a {error.validator} of {error.validator_value}"
        case _:
            expected = error.schema.get("description") or error.message
    return f"{place}: expected {expected}, found {found}"


def line_of(text: str, where: Where) -> int:
    """The line of ``text`` where the value at JSON path ``where`` starts (or its parent)."""
    if isinstance(where, int):
        return where
    decoder = _LocatingDecoder()
    try:
        document = decoder.decode(text)
    except ValueError:
        return 1
    offset, node = decoder.starts.get(id(document), 0), document
    for part in where:
        try:
            child = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if id(child) in decoder.starts:
            offset = decoder.starts[id(child)]
        else:
            # A scalar: find its key, or the item itself, after its container's start.
            token = json.dumps(part if isinstance(node, dict) else child, ensure_ascii=False)
            if found := re.compile(re.escape(token)).search(text, offset):
                offset = found.start()
            break
        node = child
    return text.count("\n", 0, offset) + 1


class _LocatingDecoder(json.JSONDecoder):
    """A JSON decoder that notes where each object and array starts.

    Only used to put a line number on an error, so the pure-Python scanner it needs
    costs nothing on the fast path.
    """

    def __init__(self):
        super().__init__()
        self.starts: dict[int, int] = {}
        parse_object, parse_array = self.parse_object, self.parse_array

        def located(parse):
            def parse_at(s_and_end, *args):
                value, end = parse(s_and_end, *args)
                self.starts[id(value)] = s_and_end[1] - 1
                return value, end

            return parse_at

        self.parse_object = located(parse_object)
        self.parse_array = located(parse_array)
        self.scan_once = json.scanner.py_make_scanner(self)
