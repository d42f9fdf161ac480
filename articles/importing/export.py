"""Export: issues out as interchange documents (docs/interchange.md), one per issue.

Documents are deterministic: no timestamps, no database ids, every list in a stable
order, so the same archive always exports to the same bytes and exports can be diffed
and kept in version control. ``import_archive`` reads them back with nothing lost.
"""

import datetime as dt
import json
import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from django.db.models import Prefetch, Q, QuerySet
from django.db.models.fields.files import FieldFile

from articles.models import ArticleAuthor, BookAuthor, Issue, ReadingListEntryBook

from .interchange import VERSION
from .records import BOOK_DETAILS, IMAGE_COLUMNS


def dumps(document: dict) -> bytes:
    """The document as UTF-8 JSON, two-space indented, with a final newline."""
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode()


def _timestamp(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _column(obj, name: str):
    """A column's value as a document holds it: a file by its name, "" when there is none."""
    value = getattr(obj, name)
    return value.name or "" if isinstance(value, FieldFile) else value


def issue_document(issue: Issue) -> dict:
    """The interchange document for an issue fetched with ``export_queryset``'s prefetches."""
    articles = sorted(
        issue.articles.all(),
        key=lambda a: (a.published_at is None, a.published_at or dt.datetime.min, a.slug),
    )
    authors, books = {}, {}
    for article in articles:
        for byline in article.bylines.all():
            authors[byline.author.slug] = byline.author
        for group in article.reading_groups.all():
            for entry in group.entries.all():
                for link in entry.links.all():
                    books[link.book.slug] = link.book
                    for credit in link.book.credits.all():
                        authors[credit.author.slug] = credit.author
    return {
        "version": VERSION,
        "publication": {"slug": issue.publication.slug, "name": issue.publication.name},
        "issue": {
            "number": issue.number,
            "slug": issue.slug,
            "date": issue.date.isoformat() if issue.date else None,
        },
        "authors": [
            {"slug": author.slug, "name": author.name, "bio": author.bio}
            for _, author in sorted(authors.items())
        ],
        "books": [_book_document(book) for _, book in sorted(books.items())],
        "articles": [_article_document(article) for article in articles],
    }


def _book_document(book) -> dict:
    return {
        "slug": book.slug,
        "title": book.title,
        "authors": [credit.author.slug for credit in book.credits.all()],
        **{name: _column(book, name) for name in BOOK_DETAILS},
    }


def _article_document(article) -> dict:
    # Topics only when the article has some, so exports from before topics keep their bytes.
    topics = sorted(topic.slug for topic in article.topics.all())
    return {
        "slug": article.slug,
        "headline": article.headline,
        "standfirst": article.standfirst,
        "body": article.body,
        "published_at": _timestamp(article.published_at),
        "status": article.status,
        "source": article.source,
        "authors": [byline.author.slug for byline in article.bylines.all()],
        **({"topics": topics} if topics else {}),
        "images": [
            {name: _column(image, name) for name in IMAGE_COLUMNS} for image in article.images.all()
        ],
        "reading_list": {
            "groups": [
                {
                    "heading": group.heading,
                    "entries": [
                        {
                            "text": entry.text,
                            "books": [link.book.slug for link in entry.links.all()],
                        }
                        for entry in group.entries.all()
                    ],
                }
                for group in article.reading_groups.all()
            ],
            "note": article.reading_list_note,
        },
    }


def export_queryset(
    *,
    publication: str = "",
    issues: Sequence[str] = (),
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[Issue]:
    """Issues to export, with everything their documents need prefetched.

    A date range picks issues whose cover date, or any article's publication date, is in it.
    """
    queryset = Issue.objects.all()
    if publication:
        queryset = queryset.filter(publication__slug=publication)
    if issues:
        queryset = queryset.filter(slug__in=issues)
    if date_from or date_to:
        cover, published = Q(), Q()
        if date_from:
            cover &= Q(date__gte=date_from)
            published &= Q(articles__published_at__date__gte=date_from)
        if date_to:
            cover &= Q(date__lte=date_to)
            published &= Q(articles__published_at__date__lte=date_to)
        queryset = queryset.filter(pk__in=Issue.objects.filter(cover | published).values("pk"))
    return queryset.order_by("publication__slug", "number").prefetch_related(
        "articles__images",
        "articles__topics",
        Prefetch("articles__bylines", queryset=ArticleAuthor.objects.select_related("author")),
        "articles__reading_groups__entries",
        Prefetch(
            "articles__reading_groups__entries__links",
            queryset=ReadingListEntryBook.objects.select_related("book"),
        ),
        Prefetch(
            "articles__reading_groups__entries__links__book__credits",
            queryset=BookAuthor.objects.select_related("author"),
        ),
    )


def export_issue(*, issue: Issue) -> bytes:
    """One issue's interchange document, as the bytes ``export_archive`` writes."""
    return dumps(issue_document(issue))


def export_archive(
    *, output: Path, issues: QuerySet[Issue], dry_run: bool = False
) -> Iterator[tuple[Path, bool]]:
    """Write one document per issue as ``<issue slug>.json``; yield each path and whether
    it changed. An unchanged file is not rewritten, so its timestamp says when it last
    changed."""
    if not dry_run:
        output.mkdir(parents=True, exist_ok=True)
    for issue in issues.iterator(chunk_size=100):
        data = export_issue(issue=issue)
        path = output / f"{issue.slug}.json"
        changed = not path.is_file() or path.read_bytes() != data
        if changed and not dry_run:
            # Write beside it and rename, so a reader never sees half a document.
            handle, temporary = tempfile.mkstemp(dir=output, suffix=".tmp")
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
            os.replace(temporary, path)
        yield path, changed
