"""The loader: one parsed issue into rows.

Records are matched by natural keys (publication slug + issue number, article slug,
author slug from the name, book title + authors), so a second import of a file changes
nothing and a corrected file updates its records in place. Work is batched per issue: a
constant number of queries however many articles it holds, and nothing written when
nothing changed. The runner calls ``load_issue`` inside the file's transaction.

Concurrency: the issue row is locked for the whole transaction, so two imports of one
issue run one after the other and the second finds the first's articles. Rows that
imports of different issues share are created so that a race waits rather than fails:
the issue and publication through ``get_or_create``, authors and books by inserts that
skip conflicts and then read the winner's row. Whatever still clashes (a deadlock, two
issues claiming one article slug) raises, and the runner tries the file again.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone

from articles.caching import records_changed, years_of
from articles.models import (
    Article,
    ArticleAuthor,
    Image,
    Issue,
    Publication,
    ReadingListGroup,
)

from .catalogue import load_authors, load_books, named_authors, named_books, named_topic_ids
from .parts import ImagePlan, ImageRow, ReadingList, create_reading_lists
from .records import (
    ARTICLE_COLUMNS,
    IMAGE_COLUMNS,
    ArticleRecord,
    AuthorRecord,
    BookRecord,
    ImageRecord,
    IssueRecord,
    RecordError,
)
from .reports import FileReport

# A report's actions as the audit trail names them; ``unchanged`` is not recorded.
AUDITED_ACTIONS = {"created": "created", "updated": "changed"}


@dataclass
class ArticleChanges:
    """What a load did to articles, for their revisions: the names of the fields each
    changed article changed, by id (every article it created or changed), and which of
    them it created; and for the change feed, the other records it may have touched, by
    type (the publication, the issue, authors, books, and what changed articles held
    before: their images, authors, topics, books and issue)."""

    fields: dict[int, list[str]] = field(default_factory=dict)
    created: list[int] = field(default_factory=list)
    touched: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    # The issue, authors and books the load created or changed, for the audit trail:
    # (type, id) -> ``created`` or ``changed``.
    records: dict[tuple[str, int], str] = field(default_factory=dict)
    # When the changed articles were published before the load, for the cached lists of
    # the years they may have left.
    published_before: set[dt.datetime] = field(default_factory=set)

    def retire_cached_pages(self) -> None:
        """Retire the API's cached lists and the pages that show what the load wrote in
        bulk (which sends no signals): the changed articles' and every page embedding
        them, and the pages of the issues, authors, books and images they named before
        or name now. A new or redated issue and a new publication were saved one by one,
        and their signals retired what they show."""
        records_changed(
            {"article": set(self.fields)},
            {
                **{kind: self.touched[kind] for kind in ("issue", "author", "book", "image")},
                "year": years_of(self.published_before),
            },
        )


def load_issue(record: IssueRecord, report: FileReport) -> ArticleChanges:
    """Write one issue's records, counting what happened to each kind in ``report``."""
    return load_issue_files([(record, report)])


def mergeable(records: list[IssueRecord]) -> bool:
    """Whether several files' records of one issue written at once (``load_issue_files``)
    leave what writing them one file after another would: the same issue and cover
    date, and every author and book named alike wherever it is named. Files that would
    otherwise change what an earlier one wrote (a later bio, a redated issue) are
    written one at a time; so are articles two files both claim, which the loader
    refuses when they come together."""
    first = records[0]
    if any(
        (record.publication_key, record.number, record.date)
        != (first.publication_key, first.number, first.date)
        for record in records
    ):
        return False
    authors: dict[str, AuthorRecord] = {}
    books: dict[tuple, BookRecord] = {}
    for record in records:
        for author in named_authors(record.articles):
            if authors.setdefault(author.key, author) != author:
                return False
        for book in named_books(record.articles):
            if books.setdefault(book.key, book) != book:
                return False
    return True


def load_issue_files(files: list[tuple[IssueRecord, FileReport]]) -> ArticleChanges:
    """Write the records of one issue that several files hold (``mergeable``) with one
    set of statements, counting in each file's report what writing it alone, after the
    files before it, would have counted: its own articles and images; the issue, an
    author or a book in the first file that names it, unchanged in the others."""
    first_record, first_report = files[0]
    articles = [article for record, _ in files for article in record.articles]
    report_of = {id(article): report for record, report in files for article in record.articles}
    topic_ids = named_topic_ids(articles)
    issue, issue_action = _issue(first_record, first_report)
    for _, report in files[1:]:
        report.count("issues", "unchanged")
    book_records = named_books(articles)
    author_records = named_authors(articles)
    author_ids, author_actions = load_authors(author_records)
    book_ids, book_actions = load_books(book_records, author_ids)
    counted: set = set()
    for record, report in files:
        for kind, actions, named in (
            ("authors", author_actions, named_authors(record.articles)),
            ("books", book_actions, named_books(record.articles)),
        ):
            for key in dict.fromkeys(each.key for each in named):
                report.count(kind, "unchanged" if (kind, key) in counted else actions[key])
                counted.add((kind, key))
    writes = _ArticleWrites(issue, author_ids, book_ids, topic_ids)
    changes = writes.load(articles, lambda article: report_of[id(article)])
    changes.touched["publication"].add(issue.publication_id)
    changes.touched["issue"].add(issue.pk)
    changes.touched["author"].update(author_ids.values())
    changes.touched["book"].update(book_ids.values())
    if issue_action in AUDITED_ACTIONS:
        changes.records["issue", issue.pk] = AUDITED_ACTIONS[issue_action]
    for type_, ids, actions in (
        ("author", author_ids, author_actions),
        ("book", book_ids, book_actions),
    ):
        for key, action in actions.items():
            if action in AUDITED_ACTIONS:
                changes.records[type_, ids[key]] = AUDITED_ACTIONS[action]
    return changes


def _issue(record: IssueRecord, report: FileReport) -> tuple[Issue, str]:
    """The issue, created if new and locked until the file's transaction ends, and what
    happened to it."""
    publication = (
        Publication.objects.filter(slug=record.publication_key).first()
        or Publication.objects.filter(name=record.publication_name).first()
        or Publication.objects.get_or_create(
            slug=record.publication_key, defaults={"name": record.publication_name}
        )[0]
    )
    # No join to the publication: locking its row would serialise every import of it.
    # get_or_create inserts in a savepoint, so losing a race to create the issue means
    # waiting for the winner to commit, then locking its row.
    issue, created = (
        Issue.objects.select_related(None)
        .select_for_update()
        .get_or_create(
            publication=publication,
            number=record.number,
            defaults={
                "slug": record.slug or f"{publication.slug}-{record.number}",
                "date": record.date,
            },
        )
    )
    if created:
        action = "created"
    elif record.date is not None and issue.date != record.date:
        issue.date = record.date
        issue.save(update_fields=["date"])
        action = "updated"
    else:
        action = "unchanged"
    report.count("issues", action)
    return issue, action


# An article's byline as author ids and its topics as a set of ids (its images and reading
# list are ``parts``'): the loader's comparable form of what the database and a record hold.
Bylines = tuple[int, ...]
Topics = frozenset[int]


@dataclass
class _Existing:
    """The current bylines, topics, images and reading lists of the articles records
    matched."""

    bylines: dict[int, Bylines] = field(default_factory=lambda: defaultdict(tuple))
    topics: dict[int, Topics] = field(default_factory=lambda: defaultdict(frozenset))
    images: dict[int, list[ImageRow]] = field(default_factory=lambda: defaultdict(list))
    reading: dict[int, ReadingList] = field(default_factory=lambda: defaultdict(tuple))

    @classmethod
    def load(cls, article_ids: list[int]) -> "_Existing":
        existing = cls()
        if not article_ids:
            return existing
        for article_id, author_id in ArticleAuthor.objects.filter(
            article_id__in=article_ids
        ).values_list("article_id", "author_id"):
            existing.bylines[article_id] += (author_id,)
        for article_id, topic_id in Article.topics.through.objects.filter(
            article_id__in=article_ids
        ).values_list("article_id", "topic_id"):
            existing.topics[article_id] |= {topic_id}
        for row in Image.objects.filter(article_id__in=article_ids).values(
            "article_id", "id", "position", *IMAGE_COLUMNS
        ):
            existing.images[row.pop("article_id")].append(row)
        existing._load_reading_lists(article_ids)
        return existing

    def _load_reading_lists(self, article_ids: list[int]) -> None:
        # One query for the three levels of every reading list, in print order.
        rows = (
            ReadingListGroup.objects.filter(article_id__in=article_ids)
            .order_by(
                "article_id",
                "position",
                "id",
                "entries__position",
                "entries__id",
                "entries__links__position",
                "entries__links__id",
            )
            .values_list(
                "article_id",
                "id",
                "heading",
                "entries__id",
                "entries__text",
                "entries__links__book_id",
            )
        )
        groups = {}
        for article_id, group_id, heading, entry_id, text, book_id in rows:
            entries = groups.setdefault(group_id, (article_id, heading, {}))[2]
            if entry_id is not None:
                books = entries.setdefault(entry_id, (text, []))[1]
                if book_id is not None:
                    books.append(book_id)
        for article_id, heading, entries in groups.values():
            entries = tuple((text, tuple(books)) for text, books in entries.values())
            self.reading[article_id] += ((heading, entries),)


class _ArticleWrites:
    """An issue's articles compared with what the database holds, then written in bulk."""

    def __init__(
        self,
        issue: Issue,
        author_ids: dict[str, int],
        book_ids: dict[tuple, int],
        topic_ids: dict[str, int],
    ):
        self.issue = issue
        self.author_ids = author_ids
        self.book_ids = book_ids
        self.topic_ids = topic_ids
        self.now = timezone.now()
        self.new: list[tuple[Article, Bylines, ReadingList, list[ImageRecord], FileReport]] = []
        self.changed: list[Article] = []
        self.rewrite_bylines: list[tuple[Article, Bylines]] = []
        self.rewrite_topics: list[tuple[Article, Topics]] = []
        self.rewrite_reading: list[tuple[Article, ReadingList]] = []
        self.images = ImagePlan()
        self.changed_fields: dict[Article, list[str]] = {}
        self.issue_before: dict[int, int] = {}
        self.published_before: set[dt.datetime] = set()

    def load(
        self, records: list[ArticleRecord], report_of: Callable[[ArticleRecord], FileReport]
    ) -> ArticleChanges:
        """Write the records, counting what happened to each in its file's report."""
        matches = _match_articles(records, self.issue)
        existing = _Existing.load([article.id for _, article, _ in matches if article])
        for record, article, slug in matches:
            report = report_of(record)
            if article is None:
                article = Article(slug=slug, created_at=self.now)
                self._assign(article, record)
                self.new.append(
                    (
                        article,
                        self._byline(record),
                        self._reading_list(record),
                        record.images,
                        report,
                    )
                )
                if record.topics:
                    self.rewrite_topics.append((article, self._topics(record)))
                action = "created"
            else:
                action = self._compare(article, record, existing, report)
            report.count("articles", action)
            report.articles.append(
                {"slug": article.slug, "headline": article.headline, "action": action}
            )
        self._write()
        created = [article.pk for article, *_ in self.new]
        changed = {article.pk: fields for article, fields in self.changed_fields.items()}
        fields = {**{pk: [] for pk in created}, **changed}
        changes = ArticleChanges(
            fields=fields, created=created, published_before=self.published_before
        )
        for article in self.changed:
            changes.touched["issue"].add(self.issue_before[article.pk])
            changes.touched["author"].update(existing.bylines[article.pk])
            changes.touched["topic"].update(existing.topics[article.pk])
            changes.touched["image"].update(row["id"] for row in existing.images[article.pk])
            changes.touched["book"].update(
                book
                for _, entries in existing.reading[article.pk]
                for _, books in entries
                for book in books
            )
        return changes

    def _columns(self, record: ArticleRecord) -> dict:
        return {"issue_id": self.issue.id, **{n: getattr(record, n) for n in ARTICLE_COLUMNS}}

    def _assign(self, article: Article, record: ArticleRecord) -> None:
        """Set the record's columns on the article, and the fields derived from them."""
        derived = Article.derived_fields(now=self.now, body=record.body)
        for name, value in {**self._columns(record), **derived}.items():
            setattr(article, name, value)

    def _byline(self, record: ArticleRecord) -> Bylines:
        return tuple(dict.fromkeys(self.author_ids[author.key] for author in record.authors))

    def _topics(self, record: ArticleRecord) -> Topics:
        return frozenset(self.topic_ids[slug] for slug in record.topics or ())

    def _reading_list(self, record: ArticleRecord) -> ReadingList:
        return tuple(
            (
                group.heading,
                tuple(
                    (entry.text, tuple(dict.fromkeys(self.book_ids[b.key] for b in entry.books)))
                    for entry in group.entries
                ),
            )
            for group in record.reading_groups
        )

    def _compare(
        self, article: Article, record: ArticleRecord, existing: _Existing, report: FileReport
    ) -> str:
        """Plan the article's changes, if it has any; the action to report."""
        bylines, reading = self._byline(record), self._reading_list(record)
        images_changed = self.images.compare(
            article, existing.images[article.id], record.images, report
        )
        bylines_changed = existing.bylines[article.id] != bylines
        topics = existing.topics[article.id] if record.topics is None else self._topics(record)
        topics_changed = existing.topics[article.id] != topics
        reading_changed = existing.reading[article.id] != reading
        columns_changed = [
            name.removesuffix("_id")
            for name, value in self._columns(record).items()
            if getattr(article, name) != value
        ]
        parts_changed = {
            "authors": bylines_changed,
            "topics": topics_changed,
            "images": images_changed,
            "reading_list": reading_changed,
        }
        if not (columns_changed or any(parts_changed.values())):
            return "unchanged"
        self.issue_before[article.pk] = article.issue_id
        if article.published_at is not None:
            self.published_before.add(article.published_at)
        self._assign(article, record)
        self.changed.append(article)
        self.changed_fields[article] = [
            *columns_changed,
            *(name for name, changed in parts_changed.items() if changed),
        ]
        if bylines_changed:
            self.rewrite_bylines.append((article, bylines))
        if topics_changed:
            self.rewrite_topics.append((article, topics))
        if reading_changed:
            self.rewrite_reading.append((article, reading))
        return "updated"

    def _write(self) -> None:
        Article.objects.bulk_create([article for article, *_ in self.new], batch_size=500)
        # Every changed article had its body written, so it has every derived field.
        derived = Article.derived_fields(now=self.now, body="")
        Article.objects.bulk_update(
            self.changed, ["issue_id", *ARTICLE_COLUMNS, *derived], batch_size=100
        )
        for article, _, _, images, report in self.new:
            self.images.compare(article, [], images, report)
        self.images.apply()

        ArticleAuthor.objects.filter(article__in=[a for a, _ in self.rewrite_bylines]).delete()
        ArticleAuthor.objects.bulk_create(
            ArticleAuthor(article=article, author_id=author_id, position=position)
            for article, bylines in [*[(a, b) for a, b, *_ in self.new], *self.rewrite_bylines]
            for position, author_id in enumerate(bylines)
        )
        Filed = Article.topics.through
        Filed.objects.filter(article__in=[a for a, _ in self.rewrite_topics]).delete()
        Filed.objects.bulk_create(
            Filed(article=article, topic_id=topic_id)
            for article, topics in self.rewrite_topics
            for topic_id in sorted(topics)
        )
        ReadingListGroup.objects.filter(article__in=[a for a, _ in self.rewrite_reading]).delete()
        create_reading_lists([*[(a, r) for a, _, r, *_ in self.new], *self.rewrite_reading])


def _match_articles(
    records: list[ArticleRecord], issue: Issue
) -> list[tuple[ArticleRecord, Article | None, str]]:
    """Each record with its article (None if new) and slug, by the records' slug keys."""
    options = [record.slug_candidates(issue.slug) for record in records]
    found = Article.objects.order_by().in_bulk({s for o in options for s in o}, field_name="slug")
    matches, claimed = [], set()
    for record, choices in zip(records, options, strict=True):
        if len(choices) == 1:
            article = found.get(choices[0])
        else:
            article = next(
                (found[s] for s in choices if s in found and found[s].issue_id == issue.id), None
            )
        slug = article.slug if article else next((s for s in choices if s not in found), None)
        if slug is None:
            raise RecordError(
                record.where,
                f"expected a headline whose slug {choices[0]!r} is free or this issue's, "
                "found it taken by another issue's article",
            )
        if slug in claimed:
            raise RecordError(record.where, f"expected each article once, found {slug!r} twice")
        claimed.add(slug)
        matches.append((record, article, slug))
    return matches
