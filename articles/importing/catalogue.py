"""The loader's shared rows: authors, books and topics, which many issues' records name.

An author is matched by slug and a book by title and authors, so every issue that
names them finds the same row. Imports of different issues may create the same author
or book at once: inserts skip the conflict, which waits for the other import to commit,
and then read the winner's row. Topics are only ever found: editors make them.
"""

from django.db import IntegrityError
from django.utils.text import slugify

from articles.models import Author, Book, BookAuthor, Topic

from .records import BOOK_DETAILS, ArticleRecord, AuthorRecord, BookRecord, RecordError


def load_authors(records: list[AuthorRecord]) -> tuple[dict[str, int], dict[str, str]]:
    """Author ids by slug, creating the missing, and what happened to each (``created``,
    ``updated`` or ``unchanged``). An existing author keeps the name an editor may have
    corrected; a source's bio fills in or replaces theirs."""
    wanted: dict[str, AuthorRecord] = {}
    for record in records:
        if record.key not in wanted or (record.bio and not wanted[record.key].bio):
            wanted[record.key] = record
    if not wanted:
        return {}, {}
    existing = Author.objects.order_by().in_bulk(list(wanted), field_name="slug")
    changed = []
    for slug, author in existing.items():
        bio = wanted[slug].bio
        if bio and author.bio != bio:
            author.bio = bio
            changed.append(author)
    Author.objects.bulk_update(changed, ["bio"])
    missing = sorted(slug for slug in wanted if slug not in existing)
    # Another import may be creating the same author right now: skipping the conflict
    # waits for it to commit, and the select after finds its row. Sorted, so concurrent
    # imports take the unique index's locks in the same order.
    Author.objects.bulk_create(
        [Author(name=wanted[s].name, slug=s, bio=wanted[s].bio or "") for s in missing],
        ignore_conflicts=True,
    )
    ids = {author.slug: author.id for author in existing.values()}
    ids.update(Author.objects.filter(slug__in=missing).values_list("slug", "id"))
    actions = dict.fromkeys(existing, "unchanged")
    actions.update(dict.fromkeys((author.slug for author in changed), "updated"))
    actions.update(dict.fromkeys(missing, "created"))
    return ids, actions


def load_books(
    records: list[BookRecord], author_ids: dict[str, int]
) -> tuple[dict[tuple, int], dict[tuple, str]]:
    """Book ids by (title, authors), creating the missing and filling in known details,
    and what happened to each (``created``, ``updated`` or ``unchanged``)."""
    wanted: dict[tuple, BookRecord] = {}
    for record in records:
        wanted.setdefault(record.key, record)
    if not wanted:
        return {}, {}
    rows = (
        Book.objects.filter(title__in={title for title, _ in wanted})
        .order_by("id")
        .values_list("id", "title", *BOOK_DETAILS, "credits__author__slug")
    )
    found = {}
    for book_id, title, *values, author_slug in rows:
        known = dict(zip(BOOK_DETAILS, values, strict=True))
        book = found.setdefault(book_id, (title, known, set()))
        if author_slug:
            book[2].add(author_slug)
    existing = {(title, frozenset(slugs)): (i, known) for i, (title, known, slugs) in found.items()}

    ids, actions, changed, changed_fields = {}, {}, [], set()
    for key, record in wanted.items():
        if key not in existing:
            continue
        ids[key], known = existing[key]
        updates = {
            name: value for name, value in record.known_fields().items() if known[name] != value
        }
        actions[key] = "updated" if updates else "unchanged"
        if updates:
            changed.append(Book(id=ids[key], **{**known, **updates}))
            changed_fields.update(updates)
    if changed:
        Book.objects.bulk_update(changed, sorted(changed_fields))

    missing = [record for key, record in wanted.items() if key not in existing]
    ids.update(_create_books(missing, author_ids))
    actions.update(dict.fromkeys((record.key for record in missing), "created"))
    return ids, actions


def _create_books(records: list[BookRecord], author_ids: dict[str, int]) -> dict[tuple, int]:
    """Create books and their credits; ids by (title, authors)."""
    slugs = _free_book_slugs(records)
    # As with authors, a concurrent import may create the same book first: its row is
    # used, unless it turns out to be another book that took the slug, when the file is
    # tried again and picks another slug.
    Book.objects.bulk_create(
        sorted(
            (Book(title=r.title, slug=slugs[r.key], **r.known_fields()) for r in records),
            key=lambda book: book.slug,
        ),
        ignore_conflicts=True,
    )
    found = {}
    for slug, book_id, author_slug in Book.objects.filter(slug__in=slugs.values()).values_list(
        "slug", "id", "credits__author__slug"
    ):
        credited = found.setdefault(slug, (book_id, set()))[1]
        if author_slug:
            credited.add(author_slug)
    ids, credits = {}, []
    for record in records:
        book_id, credited = found[slugs[record.key]]
        if credited and credited != record.key[1]:
            raise IntegrityError(f"book slug {slugs[record.key]!r} taken by another import")
        ids[record.key] = book_id
        if not credited:
            authors = dict.fromkeys(author.key for author in record.authors)
            credits += [
                BookAuthor(book_id=book_id, author_id=author_ids[slug], position=position)
                for position, slug in enumerate(authors)
            ]
    BookAuthor.objects.bulk_create(credits, ignore_conflicts=True)
    return ids


def _book_slug_options(record: BookRecord) -> list[str]:
    base = record.slug or slugify(record.title)[:300].strip("-") or "book"
    names = " ".join(author.name for author in record.authors)
    return [base, slugify(f"{base} {names}")[:300].strip("-")] if names else [base]


def _free_book_slugs(records: list[BookRecord]) -> dict[tuple, str]:
    """A slug for each new book: its title's, else qualified by its authors ("my-life" is
    taken by Trotsky's, so Clinton's is "my-life-bill-clinton"), else numbered."""
    options = {record.key: _book_slug_options(record) for record in records}
    taken = set(
        Book.objects.filter(slug__in={s for o in options.values() for s in o}).values_list(
            "slug", flat=True
        )
    )
    slugs = {}
    for key, choices in options.items():
        slug = next((choice for choice in choices if choice not in taken), None)
        number = 2
        while slug is None:
            numbered = f"{choices[0][:290]}-{number}"
            if numbered not in taken and not Book.objects.filter(slug=numbered).exists():
                slug = numbered
            number += 1
        taken.add(slug)
        slugs[key] = slug
    return slugs


def named_books(articles: list[ArticleRecord]) -> list[BookRecord]:
    return [
        book
        for article in articles
        for group in article.reading_groups
        for entry in group.entries
        for book in entry.books
    ]


def named_authors(articles: list[ArticleRecord]) -> list[AuthorRecord]:
    """The articles' authors, then their books' authors."""
    bylines = [author for article in articles for author in article.authors]
    return bylines + [author for book in named_books(articles) for author in book.authors]


def named_topic_ids(records: list[ArticleRecord]) -> dict[str, int]:
    """The ids of the topics the records name, by slug. Only editors make topics: a
    record naming one the archive lacks stops the file, before anything is written."""
    slugs = {slug for record in records for slug in record.topics or ()}
    found = dict(Topic.objects.filter(slug__in=slugs).values_list("slug", "id"))
    for record in records:
        for position, slug in enumerate(record.topics or ()):
            if slug not in found:
                # Only interchange documents name topics: ``where`` is a JSON path.
                raise RecordError(
                    (*record.where, "topics", position),
                    f"expected a topic the archive has (imports never make topics), found {slug!r}",
                )
    return found
