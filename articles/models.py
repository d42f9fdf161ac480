"""The archive's domain: publications, their issues, articles, authors, images and books.

Text fields hold the source's text exactly as published (curly quotes, non-breaking
spaces and all). What the source does not say stays empty: a blank string or NULL,
never a guess.
"""

import datetime as dt
import html
import re

import nh3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models, transaction
from django.db.models import Count, F, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear, JSONObject
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.functional import cached_property

from . import related, search
from .caching import records_changed
from .coverage import Coverage, gaps, runs, tally
from .expressions import CompiledExists, CompiledSubquery, CurrentTime, JSONList
from .importing.records import IMAGE_COLUMNS
from .readers import reads_drafts
from .validators import validate_image_file

HEADING_MARKER = "## "

PUBLISHED_NEEDS_TIME = "A published article needs a publication time."

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def body_blocks(body: str) -> list[dict[str, str]]:
    """Split an article body into paragraphs and ``## `` subheadings, in order."""
    blocks = []
    for chunk in _PARAGRAPH_BREAK.split(body.strip()):
        chunk = chunk.strip("\n")
        if not chunk:
            continue
        if chunk.startswith(HEADING_MARKER):
            blocks.append({"type": "heading", "text": chunk.removeprefix(HEADING_MARKER)})
        else:
            blocks.append({"type": "paragraph", "text": chunk})
    return blocks


def body_word_count(body: str) -> int:
    """Words in the body's paragraphs and subheadings, not counting the ``##`` markers."""
    # str.split() splits on exactly the whitespace that \S+ stops at, without a regex.
    return sum(len(block["text"].split()) for block in body_blocks(body))


BODY_HTML_TAGS = {"paragraph": "p", "heading": "h2"}


def body_html(body: str) -> str:
    """The body as HTML: every block escaped, so no markup in the source can become live.

    The result then passes nh3's sanitiser, allowing only the tags written here and no
    attributes: a second, independent guard should the rendering above ever change.
    """
    rendered = []
    for block in body_blocks(body):
        tag = BODY_HTML_TAGS[block["type"]]
        rendered.append(f"<{tag}>{html.escape(block['text'], quote=False)}</{tag}>")
    return nh3.clean("\n".join(rendered), tags=set(BODY_HTML_TAGS.values()), attributes={})


class NaturalKeyManager(models.Manager):
    """Finds records by ``Model.natural_key_lookups``, so fixtures carry no database ids.

    Loading the seed fixture into an archive that already holds imported issues must
    update the seed's own records, never overwrite whatever happens to share their ids.
    """

    def get_by_natural_key(self, *key):
        return self.get(**dict(zip(self.model.natural_key_lookups, key, strict=True)))


class ArchiveQuerySet(models.QuerySet):
    """The API's three entry points, on every model's queryset: a list's shape, a
    detail's shape (each with the relations its serializer reads), and the rows a reader
    may see (``articles.readers``). Shapes do not depend on the reader, so the API builds
    them once; by default every reader sees every row."""

    def for_api_list(self):
        return self

    def for_api_detail(self):
        return self.for_api_list()

    def for_reader(self, user):
        return self


class Publication(models.Model):
    natural_key_lookups = ("slug",)

    name = models.CharField(
        max_length=200, unique=True, help_text="The title as printed on the masthead."
    )
    slug = models.SlugField(max_length=200, unique=True)

    objects = NaturalKeyManager.from_queryset(ArchiveQuerySet)()

    class Meta:
        ordering = ("name", "id")

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)

    def coverage(
        self, user, *, number_min: int | None = None, number_max: int | None = None
    ) -> Coverage:
        """The issues of this publication ``user`` may see (``Issue.objects.for_reader``),
        from issue number ``number_min`` to ``number_max``: the runs held and missing, and
        issues and articles per year (``articles.coverage``). A bound not given is the
        first, or last, issue held there; so an issue holding only drafts is missing for
        a reader of published articles, and held for a reader of drafts.

        An issue's year is its cover date's, else that of its first published article
        (``first_published_at``), else it is undated; an article's is its
        ``published_at``'s, in the archive's time zone. Two queries, the held issues
        and their articles counted by year: neither reads more as the window widens.
        """
        window = Q(publication=self)
        if number_min is not None:
            window &= Q(number__gte=number_min)
        if number_max is not None:
            window &= Q(number__lte=number_max)
        held = list(
            Issue.objects.for_reader(user)
            .filter(window)
            .with_first_published_at()
            .order_by("number")
            .values_list("number", "date", "first_published_at")
        )
        low = number_min if number_min is not None else (held[0][0] if held else None)
        high = number_max if number_max is not None else (held[-1][0] if held else None)
        if low is None or high is None or low > high:
            return Coverage(present=[], missing=[], years=[])
        present = runs(number for number, _, _ in held)
        articles = (
            Article.objects.for_reader(user)
            .filter(issue__publication=self, issue__number__range=(low, high))
            .values(year=ExtractYear("published_at"))
            .annotate(count=Count("pk"))
            .order_by("year")
        )
        return Coverage(
            present=present,
            missing=gaps(present, low, high),
            years=tally(
                (_issue_year(date, first) for _, date, first in held),
                {row["year"]: row["count"] for row in articles},
            ),
        )


def _issue_year(date, first_published_at) -> int | None:
    """The year an issue is counted in: its cover date's, else its first published
    article's, in the archive's time zone; None when it has neither."""
    if date is not None:
        return date.year
    if first_published_at is not None:
        return timezone.localtime(first_published_at).year
    return None


class IssueManager(NaturalKeyManager):
    def get_queryset(self):
        # An issue is named after its publication ("Socialist Worker No. 2215") wherever
        # it is listed: admin filters, autocomplete, choices.
        return super().get_queryset().select_related("publication")


class IssueQuerySet(ArchiveQuerySet):
    def for_api_list(self):
        return self.select_related("publication").with_first_published_at()

    def with_first_published_at(self):
        """With ``first_published_at``: when the first of the issue's published articles
        went online, which the archive knows where the cover date is often lost."""
        first = Article.objects.published().filter(issue=OuterRef("pk")).order_by("published_at")
        return self.annotate(first_published_at=Subquery(first.values("published_at")[:1]))

    def neighbours(self, issue):
        """The issues before and after ``issue`` in its publication, by number, each as
        ``{slug, number}`` or None."""
        same_publication = self.filter(publication_id=issue.publication_id)
        before = same_publication.filter(number__lt=issue.number).order_by("-number")
        after = same_publication.filter(number__gt=issue.number).order_by("number")
        return (before.values("slug", "number").first(), after.values("slug", "number").first())

    def for_reader(self, user):
        """Issues with a published article, or with no article yet; an issue holding only
        drafts is the drafts' news, and only readers of drafts see it."""
        if reads_drafts(user):
            return self
        return self.filter(_public_unless_only_drafts(Article.objects.filter(issue=OuterRef("pk"))))


class Issue(models.Model):
    natural_key_lookups = ("slug",)

    publication = models.ForeignKey(Publication, on_delete=models.PROTECT, related_name="issues")
    number = models.PositiveIntegerField(
        # Said to editors as a field's message; the constraint below holds it in the database.
        validators=[MinValueValidator(1)],
        help_text="The issue number, from the “Issue No.” line.",
    )
    date = models.DateField(
        null=True,
        blank=True,
        help_text="The cover date. Empty when the source does not give it.",
    )
    slug = models.SlugField(max_length=200, unique=True, help_text="E.g. socialist-worker-2215.")

    objects = IssueManager.from_queryset(IssueQuerySet)()

    class Meta:
        ordering = ("publication_id", "number")
        constraints = [
            models.UniqueConstraint(
                fields=("publication", "number"), name="issue_unique_number_per_publication"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="issue_number_positive"),
        ]
        indexes = [
            models.Index(fields=("number",), name="issue_number_idx"),
            models.Index(fields=("date",), name="issue_date_idx"),
        ]

    def __str__(self):
        return f"{self.publication} No. {self.number}"

    def natural_key(self):
        return (self.slug,)

    @staticmethod
    def default_slug(publication: "Publication | None", number: int | None) -> str:
        """The slug an issue gets when none is given, as the importer makes it:
        ``socialist-worker-2215``; empty without a publication or number."""
        if publication is None or not number:
            return ""
        return f"{publication.slug}-{number}"


class AuthorQuerySet(ArchiveQuerySet):
    def for_reader(self, user):
        """Authors of a published article or of a book the reader may see, and authors of
        nothing yet; an author named only by drafts is the drafts' news."""
        if reads_drafts(user):
            return self
        articles = Article.objects.filter(bylines__author=OuterRef("pk"))
        books = Book.objects.filter(credits__author=OuterRef("pk"))
        return self.filter(
            CompiledExists(articles.published())
            | CompiledExists(books.for_reader(user))
            | (~CompiledExists(articles) & ~CompiledExists(books))
        )


class Author(models.Model):
    """A person credited with an article byline or a book: one table for both."""

    natural_key_lookups = ("slug",)

    name = models.CharField(max_length=200, help_text="The name as the source prints it.")
    slug = models.SlugField(max_length=200, unique=True)
    bio = models.TextField(blank=True)

    objects = NaturalKeyManager.from_queryset(AuthorQuerySet)()

    class Meta:
        ordering = ("name", "id")
        indexes = [models.Index(fields=("name",), name="author_name_idx")]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)


class BookQuerySet(ArchiveQuerySet):
    def for_api_list(self):
        return self.prefetch_related(
            Prefetch("credits", queryset=BookAuthor.objects.select_related("author"))
        )

    def for_reader(self, user):
        """Books a published article recommends, and books no article names yet; a book
        named only in drafts' reading lists is the drafts' news."""
        if reads_drafts(user):
            return self
        articles = Article.objects.filter(reading_groups__entries__books=OuterRef("pk"))
        return self.filter(_public_unless_only_drafts(articles))


class Book(models.Model):
    natural_key_lookups = ("slug",)

    title = models.CharField(max_length=300, help_text="The title as the reading list gives it.")
    slug = models.SlugField(max_length=300, unique=True)
    authors = models.ManyToManyField(Author, through="BookAuthor", related_name="books")
    publisher = models.CharField(max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    isbn = models.CharField("ISBN", max_length=13, blank=True)
    series = models.CharField(max_length=300, blank=True)
    volume = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The volume's number within its series."
    )

    objects = NaturalKeyManager.from_queryset(BookQuerySet)()

    class Meta:
        ordering = ("title", "id")
        indexes = [models.Index(fields=("title",), name="book_title_idx")]

    def __str__(self):
        return self.title

    def natural_key(self):
        return (self.slug,)

    @property
    def ordered_authors(self) -> list["Author"]:
        """The book's authors in credit order (uses a ``credits`` prefetch when there is one)."""
        return [credit.author for credit in self.credits.all()]

    def set_authors(self, authors: list[Author]) -> None:
        """Replace the credits with ``authors``, in this order."""
        self.credits.all().delete()
        BookAuthor.objects.bulk_create(
            BookAuthor(book=self, author=author, position=position)
            for position, author in enumerate(authors)
        )


class BookAuthor(models.Model):
    natural_key_lookups = ("book__slug", "author__slug")

    book = models.ForeignKey(Book, on_delete=models.CASCADE, related_name="credits")
    author = models.ForeignKey(Author, on_delete=models.PROTECT, related_name="book_credits")
    position = models.PositiveSmallIntegerField(default=0)

    objects = NaturalKeyManager()

    class Meta:
        ordering = ("book_id", "position", "id")
        constraints = [
            models.UniqueConstraint(fields=("book", "author"), name="book_author_unique"),
        ]

    def __str__(self):
        return f"{self.author} — {self.book}"

    def natural_key(self):
        return (*self.book.natural_key(), *self.author.natural_key())

    natural_key.dependencies = ["articles.book", "articles.author"]


class TopicQuerySet(ArchiveQuerySet):
    def with_article_count(self, user):
        """With ``article_count``: how many of the topic's articles ``user`` may read (a
        draft counts for readers of drafts only), in the topics' own query."""
        readable = (
            Article.objects.for_reader(user)
            .filter(topics=OuterRef("pk"))
            .order_by()
            .values("topics")
            .annotate(count=Count("pk"))
        )
        return self.annotate(article_count=Coalesce(Subquery(readable.values("count")), 0))

    def for_reader(self, user):
        """Topics with a published article, or with no article yet; a topic given only to
        drafts is the drafts' news, and only readers of drafts see it."""
        if reads_drafts(user):
            return self
        return self.filter(
            _public_unless_only_drafts(Article.objects.filter(topics=OuterRef("pk")))
        )


class Topic(models.Model):
    """A subject the archive's editors file articles under ("Miners' strike"): researchers
    follow one through the years. Only editors make topics; imports never invent them."""

    natural_key_lookups = ("slug",)

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    description = models.TextField(blank=True, help_text="What the topic covers, for readers.")

    objects = NaturalKeyManager.from_queryset(TopicQuerySet)()

    class Meta:
        ordering = ("name", "id")

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)


# Routes beside ``/api/v1/articles/{slug}/`` that would shadow an article of that slug.
RESERVED_ARTICLE_SLUGS = frozenset({"counts"})


class ArticleQuerySet(ArchiveQuerySet):
    def published(self):
        """What the public may read: published, and not scheduled for later."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=CurrentTime())

    def scheduled(self):
        """Published articles whose publication time is still to come: readers see each
        from its ``published_at`` on."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__gt=CurrentTime())

    def next_publication(self):
        """When the earliest scheduled article goes online, or None: one step along the
        (status, published_at) index."""
        return (
            self.scheduled().order_by("published_at").values_list("published_at", flat=True).first()
        )

    def with_next_publication(self):
        """These articles, each annotated with ``next_publication``: the archive's
        ``next_publication()``, read in the same statement (whose SQL for it is compiled
        once, as ``CompiledSubquery`` keeps it)."""
        upcoming = Article.objects.scheduled().order_by("published_at").values("published_at")
        return self.annotate(next_publication=CompiledSubquery(upcoming[:1]))

    def publish(self, *, user=None) -> int:
        """Publish these articles; those without a publication time get the current one.
        ``user`` is who did it, for the revisions of the articles it changed."""
        now = timezone.now()
        return self._change(
            now,
            user,
            status=Article.Status.PUBLISHED,
            published_at=models.functions.Coalesce("published_at", models.Value(now)),
        )

    def unpublish(self, *, user=None) -> int:
        return self._change(timezone.now(), user, status=Article.Status.DRAFT)

    def _change(self, now, user, **values) -> int:
        """Update these articles in bulk as saving each would: with the derived fields,
        retiring the API's cached responses, which a bulk update sends no signal for,
        and with a revision (source ``action``) of each article whose values changed."""
        from history.recording import record_article_revisions

        names = list(values)
        # An article already in the status asked for is left as it is: no updated_at, no
        # revision, nothing an editor with its form open would be refused over.
        changing = self.exclude(status=values["status"])
        # All of it or none: a change without its revisions and change-feed events would
        # leave mirrors showing what was unpublished.
        with transaction.atomic():
            before = {pk: row for pk, *row in changing.values_list("pk", *names)}
            count = changing.update(**values, **Article.derived_fields(now=now))
            after = Article.objects.filter(pk__in=before).values_list("pk", *names)
            changes = {
                pk: [n for n, old, new in zip(names, before[pk], row, strict=True) if old != new]
                for pk, *row in after
            }
            record_article_revisions(
                {pk: fields for pk, fields in changes.items() if fields}, user=user, source="action"
            )
            records_changed({"article": set(before)})
        return count

    def for_reader(self, user):
        """The articles ``user`` may read: all of them for staff, else ``published()``."""
        return self if reads_drafts(user) else self.published()

    def search(self, query: str):
        """Articles matching a web-search query (``"a phrase" -word this OR that``), most
        relevant first (the alias ``rank``), each annotated with a ``highlight`` passage."""
        return search.search(self, query)

    def related_to(self, article) -> list["Article"]:
        """Up to ten of these articles related to ``article`` by shared authors, books,
        topics and words, most related first (``articles.related``)."""
        return related.related_articles(self, article)

    def matching(self, query: str):
        """Articles matching a web-search query, as ``search()`` finds them, with no rank,
        highlight or order: what counting them needs."""
        return search.matching(self, query)

    def counts_by(self, by: str) -> list[dict]:
        """How many of these articles fall in each group of ``by`` (one of ``COUNTS_BY``),
        in one grouped query: ``[{key, label, count}]``.

        ``year`` and ``month`` group by ``published_at`` in the site's time zone, as the
        ``year`` filter reads it, in time order; a draft without a time is in the group
        whose key is None, last, so that the groups add up to all the articles. The
        ``issue`` groups add up too, by publication, then number. ``author`` and ``topic``
        count each article once for each of its authors or topics (an article with none
        counts in no group), most articles first, then by name. Groups are plain
        columns of the articles and their relations: filters that select articles
        through subqueries (as ``api.filters`` does) leave one row per article, so no
        article is counted twice in a group.
        """
        zone = timezone.get_default_timezone()
        rows = self.order_by()
        if by in ("year", "month"):
            parts = {"group_year": ExtractYear("published_at", tzinfo=zone)}
            if by == "month":
                parts["group_month"] = ExtractMonth("published_at", tzinfo=zone)
            order = [F(name).asc(nulls_last=True) for name in parts]
        elif by == "issue":
            parts = {
                "group_slug": F("issue__slug"),
                "group_name": F("issue__publication__name"),
                "group_number": F("issue__number"),
            }
            order = ["group_name", "group_number", "group_slug"]
        elif by in ("author", "topic"):
            relation = {"author": "authors", "topic": "topics"}[by]
            rows = rows.filter(**{f"{relation}__isnull": False})
            parts = {"group_slug": F(f"{relation}__slug"), "group_name": F(f"{relation}__name")}
            order = ["-count", "group_name", "group_slug"]
        else:
            raise ValueError(f"Cannot count by {by!r}: choose one of {', '.join(COUNTS_BY)}.")
        groups = rows.values(**parts).annotate(count=models.Count("pk")).order_by(*order)
        return [_count_group(by, group) for group in groups]

    def recommending(self, book):
        """Articles whose reading lists name ``book``."""
        groups = ReadingListGroup.objects.filter(entries__books=book)
        return self.filter(pk__in=groups.values("article_id"))

    def for_api_list(self):
        """What a list item shows: issue, publication, bylines, topics and the lead image.

        Bylines, topics and the lead image come as JSON from subqueries (``byline_data``,
        ``topic_data``, ``lead_image_data``), so that a page of any size is one query.
        """
        lead_image = Image.objects.filter(article=OuterRef("pk")).order_by("position", "id")
        return (
            self.select_related("issue__publication")
            .defer("body", "reading_list_note", "source")
            .annotate(
                byline_data=_byline_data(),
                topic_data=_topic_data(),
                lead_image_data=CompiledSubquery(lead_image.values(data=_IMAGE_JSON)[:1]),
            )
        )

    def for_api_detail(self):
        """Everything an article page shows, in one query: bylines, topics, images
        (``image_data``) and the reading list (``reading_list_data``) come as JSON."""
        return self.select_related("issue__publication").annotate(
            byline_data=_byline_data(),
            topic_data=_topic_data(),
            image_data=JSONList(
                Image.objects.filter(article=OuterRef("pk"))
                .order_by("position", "id")
                .values(data=_IMAGE_JSON)
            ),
            reading_list_data=_reading_list_data(),
        )


# What ``ArticleQuerySet.counts_by()`` groups articles by.
COUNTS_BY = ("year", "month", "issue", "author", "topic")
UNDATED = "Undated"


def _count_group(by: str, group: dict) -> dict:
    """A group of ``counts_by()`` as the API answers it: its key (a string, or None for
    the undated), a label for people, and its count."""
    if by in ("year", "month"):
        year, month = group["group_year"], group.get("group_month")
        if year is None:
            key, label = None, UNDATED
        elif month is None:
            key, label = f"{year:04}", str(year)
        else:
            key, label = f"{year:04}-{month:02}", dateformat.format(dt.date(year, month, 1), "F Y")
    elif by == "issue":
        key = group["group_slug"]
        label = f"{group['group_name']} No. {group['group_number']}"
    else:
        key, label = group["group_slug"], group["group_name"]
    return {"key": key, "label": label, "count": group["count"]}


ArticleManager = NaturalKeyManager.from_queryset(ArticleQuerySet)


class Article(models.Model):
    natural_key_lookups = ("slug",)

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    issue = models.ForeignKey(Issue, on_delete=models.PROTECT, related_name="articles")
    headline = models.CharField(max_length=500)
    slug = models.SlugField(max_length=255, unique=True)
    standfirst = models.TextField(
        blank=True, help_text="The introduction printed under the headline, as published."
    )
    body = models.TextField(
        help_text="Paragraphs separated by a blank line; a subheading is a paragraph "
        "starting with “## ”."
    )
    authors = models.ManyToManyField(Author, through="ArticleAuthor", related_name="articles")
    topics = models.ManyToManyField(
        Topic, related_name="articles", blank=True, help_text="The subjects it is filed under."
    )
    published_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the article went online, from the source's date line.",
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    word_count = models.PositiveIntegerField(
        default=0, editable=False, help_text="Words in the body, counted on save."
    )
    reading_list_note = models.TextField(
        blank=True, help_text="The note closing the reading list, e.g. where to buy the books."
    )
    source = models.CharField(
        max_length=500,
        blank=True,
        help_text="Where this text came from: the scraped file or interchange document.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = ArticleManager()

    class Meta:
        ordering = ("-published_at", "-id")
        get_latest_by = "published_at"
        permissions = [
            ("publish_article", "Can publish, unpublish and schedule articles"),
            ("import_archive", "Can import archive files"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="article_published_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=("-published_at", "-id"), name="article_published_idx"),
            models.Index(fields=("status", "-published_at"), name="article_status_published_idx"),
            models.Index(fields=("issue", "published_at"), name="article_issue_published_idx"),
        ]

    def __str__(self):
        return self.headline

    def save(self, *args, **kwargs):
        derived = self.derived_fields(now=timezone.now(), body=self.body)
        for name, value in derived.items():
            setattr(self, name, value)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, *derived}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("api:article-detail", kwargs={"slug": self.slug})

    def natural_key(self):
        return (self.slug,)

    def clean(self):
        """A published article needs its publication time: said on the field, before the
        database's constraint (``article_published_has_time``) would refuse the row. A
        slug the API's own article routes take would leave the article unreachable."""
        super().clean()
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            raise ValidationError({"published_at": PUBLISHED_NEEDS_TIME})
        if self.slug in RESERVED_ARTICLE_SLUGS:
            raise ValidationError(
                {"slug": f"“{self.slug}” is taken by the API (/api/v1/articles/{self.slug}/)."}
            )

    @property
    def is_scheduled(self) -> bool:
        """Published, with a publication time still to come."""
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at > timezone.now()
        )

    @staticmethod
    def derived_fields(*, now, body: str | None = None) -> dict:
        """The fields computed, never edited, for a write at ``now``: when the article last
        changed and, when the write includes its body, the body's word count.

        Every write sets them this way: ``save()``, the importer's bulk writes and the
        bulk publish and unpublish actions.
        """
        derived = {"updated_at": now}
        if body is not None:
            derived["word_count"] = body_word_count(body)
        return derived

    @property
    def lead_image(self) -> "Image | None":
        """The first image by position: from ``for_api_list()``'s annotation when present."""
        if hasattr(self, "lead_image_data"):
            return Image(article=self, **self.lead_image_data) if self.lead_image_data else None
        return next(iter(self.ordered_images), None)

    @cached_property
    def ordered_images(self) -> list["Image"]:
        """The images in order: from ``for_api_detail()``'s annotation when present."""
        if hasattr(self, "image_data"):
            return [Image(article=self, **data) for data in self.image_data]
        return list(self.images.all())

    def set_authors(self, authors: list[Author]) -> None:
        """Replace the byline with ``authors``, in this order."""
        self.bylines.all().delete()
        ArticleAuthor.objects.bulk_create(
            ArticleAuthor(article=self, author=author, position=position)
            for position, author in enumerate(authors)
        )

    def set_reading_list(self, groups: list[dict]) -> None:
        """Replace the reading list's groups with ``groups``, in order: each
        ``{"heading": str, "entries": [{"text": str, "books": [Book, …]}]}``."""
        self.reading_groups.all().delete()
        made = ReadingListGroup.objects.bulk_create(
            ReadingListGroup(article=self, position=position, heading=group.get("heading", ""))
            for position, group in enumerate(groups)
        )
        entries, books = [], []
        for group, given in zip(made, groups, strict=True):
            for position, entry in enumerate(given.get("entries", [])):
                entries.append(ReadingListEntry(group=group, position=position, text=entry["text"]))
                books.append(entry.get("books", []))
        ReadingListEntry.objects.bulk_create(entries)
        ReadingListEntryBook.objects.bulk_create(
            ReadingListEntryBook(entry=entry, book=book, position=position)
            for entry, named in zip(entries, books, strict=True)
            for position, book in enumerate(named)
        )

    @property
    def blocks(self) -> list[dict[str, str]]:
        return body_blocks(self.body)

    @property
    def body_html(self) -> str:
        return body_html(self.body)


class ArticleAuthor(models.Model):
    """A byline: the article's authors in the order the source names them."""

    natural_key_lookups = ("article__slug", "author__slug")

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="bylines")
    # Indexed with the article below: an author's articles come from the index alone.
    author = models.ForeignKey(
        Author, on_delete=models.PROTECT, related_name="bylines", db_index=False
    )
    position = models.PositiveSmallIntegerField(default=0)

    objects = NaturalKeyManager()

    class Meta:
        ordering = ("article_id", "position", "id")
        constraints = [
            models.UniqueConstraint(fields=("article", "author"), name="article_author_unique"),
        ]
        indexes = [
            models.Index(fields=("author", "article"), name="article_author_by_author_idx"),
        ]

    def __str__(self):
        return f"{self.author} — {self.article}"

    def natural_key(self):
        return (*self.article.natural_key(), *self.author.natural_key())

    natural_key.dependencies = ["articles.article", "articles.author"]


class ImageQuerySet(ArchiveQuerySet):
    def for_reader(self, user):
        """Images of the articles ``user`` may read."""
        if reads_drafts(user):
            return self
        return self.filter(article__in=Article.objects.published())

    def for_api_list(self):
        return self.select_related("article")


class Image(models.Model):
    """A picture printed with an article. The archive often has its caption but not the file."""

    natural_key_lookups = ("article__slug", "position")

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="images")
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Order within the article; the first image is the lead image."
    )
    file = models.ImageField(
        upload_to="images/%Y/%m/",
        blank=True,
        width_field="width",
        height_field="height",
        validators=[validate_image_file],
        help_text="JPEG, PNG, GIF or WebP, at most 25 MB and 60 megapixels.",
    )
    caption = models.TextField(blank=True)
    credit = models.CharField(max_length=300, blank=True)
    alt_text = models.CharField(max_length=500, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    height = models.PositiveIntegerField(null=True, blank=True, editable=False)

    objects = NaturalKeyManager.from_queryset(ImageQuerySet)()

    class Meta:
        ordering = ("article_id", "position", "id")

    def __str__(self):
        return self.caption or f"Image {self.position + 1} of {self.article}"

    def natural_key(self):
        return (*self.article.natural_key(), self.position)

    natural_key.dependencies = ["articles.article"]


class ReadingListGroup(models.Model):
    """A group of recommendations under a heading, e.g. “On Trotsky’s life try:”."""

    natural_key_lookups = ("article__slug", "position")

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="reading_groups")
    position = models.PositiveSmallIntegerField(default=0)
    heading = models.CharField(max_length=500, blank=True)

    objects = NaturalKeyManager()

    class Meta:
        ordering = ("article_id", "position", "id")

    def __str__(self):
        return self.heading or f"Reading list group {self.position + 1}"

    def natural_key(self):
        return (*self.article.natural_key(), self.position)

    natural_key.dependencies = ["articles.article"]


class ReadingListEntry(models.Model):
    """One recommendation as published; it may name several books (a three-volume biography)."""

    natural_key_lookups = ("group__article__slug", "group__position", "position")

    group = models.ForeignKey(ReadingListGroup, on_delete=models.CASCADE, related_name="entries")
    position = models.PositiveSmallIntegerField(default=0)
    text = models.TextField(help_text="The entry exactly as the reading list prints it.")
    books = models.ManyToManyField(Book, through="ReadingListEntryBook", related_name="entries")

    objects = NaturalKeyManager()

    class Meta:
        ordering = ("group_id", "position", "id")
        verbose_name_plural = "reading list entries"

    def __str__(self):
        return self.text

    def natural_key(self):
        return (*self.group.natural_key(), self.position)

    natural_key.dependencies = ["articles.readinglistgroup"]


class ReadingListEntryBook(models.Model):
    natural_key_lookups = (
        "entry__group__article__slug",
        "entry__group__position",
        "entry__position",
        "book__slug",
    )

    entry = models.ForeignKey(ReadingListEntry, on_delete=models.CASCADE, related_name="links")
    # Indexed with the entry below: a book's newest mentions come from the index alone.
    book = models.ForeignKey(
        Book, on_delete=models.PROTECT, related_name="entry_links", db_index=False
    )
    position = models.PositiveSmallIntegerField(default=0)

    objects = NaturalKeyManager()

    class Meta:
        ordering = ("entry_id", "position", "id")
        constraints = [
            models.UniqueConstraint(fields=("entry", "book"), name="reading_entry_book_unique"),
        ]
        indexes = [models.Index(fields=("book", "entry"), name="reading_entry_book_by_book_idx")]

    def __str__(self):
        return f"{self.book} in “{self.entry}”"

    def natural_key(self):
        return (*self.entry.natural_key(), *self.book.natural_key())

    natural_key.dependencies = ["articles.readinglistentry", "articles.book"]


class ArticleDocument(models.Model):
    """An article's list item and detail as the API's JSON, rendered when the article or
    a record it embeds is written (``api.documents``), so that reads serve them as they
    are. ``fingerprint`` names the settings they were rendered under: a document rendered
    under others is not served until it is rendered again."""

    article = models.OneToOneField(
        Article, on_delete=models.CASCADE, primary_key=True, related_name="document"
    )
    item = models.TextField(help_text="The list item, as the API's JSON.")
    detail = models.TextField(help_text="The detail, as the API's JSON.")
    fingerprint = models.CharField(max_length=64)

    class Meta:
        ordering = ("article_id",)

    def __str__(self):
        return f"Rendered article {self.article_id}"


class PendingCacheRetirement(models.Model):
    """A write whose retirement of the cached API answers could not reach the cache (Redis
    was down), noted in the write's own transaction: the first readiness check that finds
    the cache back retires every cached answer (``articles.caching``), whichever process
    wrote and whether or not it is still running."""

    noted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("id",)

    def __str__(self):
        return f"Cache retirement pending since {self.noted_at:%Y-%m-%d %H:%M:%S}"


def _public_unless_only_drafts(articles) -> Q:
    """The condition that a record linked to ``articles`` (a queryset correlated with it by
    ``OuterRef``) is public: one of them is published, or there are none."""
    return Q(CompiledExists(articles.published())) | ~Q(CompiledExists(articles))


# An image as the API reads it: its importable columns, from which ``Image(**data)``
# gives its file's URL, with its id and position.
_IMAGE_JSON = JSONObject(**{name: name for name in ("id", "position", *IMAGE_COLUMNS)})


def _byline_data() -> JSONList:
    """An article's byline as ``[{slug, name}]``, in the source's order."""
    bylines = ArticleAuthor.objects.filter(article=OuterRef("pk")).order_by("position", "id")
    return JSONList(bylines.values(data=JSONObject(slug="author__slug", name="author__name")))


def _topic_data() -> JSONList:
    """An article's topics as ``[{slug, name}]``, by name."""
    filed = Article.topics.through.objects.filter(article=OuterRef("pk"))
    filed = filed.order_by("topic__name", "topic_id")
    return JSONList(filed.values(data=JSONObject(slug="topic__slug", name="topic__name")))


def _reading_list_data() -> JSONList:
    """An article's reading list groups as the API shows them: ``[{heading, entries:
    [{text, books: [{slug, title, authors: [{slug, name}]}]}]}]``, each level in order."""
    credits = BookAuthor.objects.filter(book=OuterRef("book_id")).order_by("position", "id")
    links = ReadingListEntryBook.objects.filter(entry=OuterRef("pk")).order_by("position", "id")
    entries = ReadingListEntry.objects.filter(group=OuterRef("pk")).order_by("position", "id")
    groups = ReadingListGroup.objects.filter(article=OuterRef("pk")).order_by("position", "id")
    authors = JSONList(credits.values(data=JSONObject(slug="author__slug", name="author__name")))
    books = JSONList(
        links.values(data=JSONObject(slug="book__slug", title="book__title", authors=authors))
    )
    entries = JSONList(entries.values(data=JSONObject(text="text", books=books)))
    return JSONList(groups.values(data=JSONObject(heading="heading", entries=entries)))


class ImportJobQuerySet(models.QuerySet):
    def for_requester(self, user):
        """The jobs ``user`` may follow: their own (every job, for a superuser)."""
        return self if user.is_superuser else self.filter(user=user)

    def with_files(self):
        """Jobs with their files, in order: what a job's page and the API show."""
        return self.prefetch_related(Prefetch("files", ImportJobFile.objects.order_by("position")))

    def stash_expired(self, *, now=None):
        """Finished jobs whose files have been kept for ``IMPORT_STASH_MAX_AGE``."""
        now = now or timezone.now()
        return self.filter(finished_at__lt=now - settings.IMPORT_STASH_MAX_AGE)


class ImportJob(models.Model):
    """An import of uploaded files, run by a task-queue worker (``articles.tasks``).

    The job, not the queue, holds what is done: each of its files is imported in one
    transaction together with its result, so a job delivered again (its worker died)
    imports only the files still pending, and two workers on one job never import a file
    twice (``ImportJobFile.claim``).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        FINISHED = "finished", "Finished"
        FAILED = "failed", "Failed"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="import_jobs",
        help_text="Who asked for the import: the job imports with their permissions.",
    )
    dry_run = models.BooleanField(
        default=False, help_text="Parse, validate and report what would change; write nothing."
    )
    publication = models.CharField(
        max_length=500,
        blank=True,
        help_text="The publication (name or slug) of scraped pages that have no masthead.",
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.QUEUED)
    error = models.TextField(
        blank=True, help_text="Why the job could not run at all (not a file's refusal)."
    )
    checked_by = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="confirmed_by",
        help_text="The dry run whose files this import took over, once confirmed.",
    )
    attempts = models.PositiveIntegerField(
        default=0, help_text="How many times a worker started the job."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at", "-id")
        get_latest_by = "created_at"
        indexes = [models.Index(fields=["finished_at"], name="importjob_finished_idx")]

    def __str__(self):
        kind = "dry run" if self.dry_run else "import"
        return f"{kind} #{self.pk} ({self.status})"

    @property
    def done(self) -> bool:
        return self.status in (self.Status.FINISHED, self.Status.FAILED)


class ImportJobFileQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(result__isnull=True)

    def stashed(self):
        """Files whose upload is still kept in the ``import_stash`` storage."""
        return self.exclude(stored="")


class ImportJobFile(models.Model):
    """One uploaded file of an import job: where its bytes wait, and once it has been
    imported (or refused), its result as the API reports it."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="files")
    position = models.PositiveIntegerField(help_text="The file's place in the upload.")
    name = models.CharField(
        max_length=500, help_text="The uploaded file's name, as reports refer to it."
    )
    stored = models.CharField(
        max_length=500,
        blank=True,
        help_text="The upload's name in the import_stash storage; empty once deleted.",
    )
    result = models.JSONField(
        null=True,
        blank=True,
        help_text="What importing the file did (a file's report); empty while pending.",
    )
    counts = models.JSONField(
        default=list,
        blank=True,
        help_text="Records by kind and action, as [kind, action, n] triples.",
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ImportJobFileQuerySet.as_manager()

    class Meta:
        ordering = ("job", "position")
        constraints = [
            models.UniqueConstraint(fields=["job", "position"], name="importjobfile_position")
        ]

    def __str__(self):
        return f"{self.name} (job #{self.job_id})"
