"""The query parameters of each list, as django-filter FilterSets.

A value that does not parse, or a slug that names nothing, is a 400 naming the
parameter (django-filter's DRF backend turns form errors into one): a front end must
learn that its filter was wrong rather than get an unfiltered list.
"""

import copy

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef
from django_filters import rest_framework as filters
from rest_framework import serializers

from articles.models import (
    Article,
    ArticleAuthor,
    Author,
    Book,
    BookAuthor,
    Image,
    Issue,
    Publication,
    Topic,
)
from articles.readers import reads_drafts
from articles.search import DENSE_MATCHES, RANKED_LEAD_MATCHES

from .filter_fields import (
    IntegerFilter,
    SearchFilter,
    StrictBooleanFilter,
    TimeBoundFilter,
    YearFilter,
    slug_filter,
)


def visible(model):
    """The records of ``model`` a client may filter by (``for_reader``): only a reader of
    drafts can probe for drafts, or for the issues, authors and books only drafts name.
    The browsable API lists these as the filter form's choices, so they are what the
    page shows, too.

    The public's are one queryset per process, cloned for each request: its visibility
    rule (nested ``EXISTS``) is then built and compiled once, not for every filtered list.
    """
    public = None

    def readable(request):
        nonlocal public
        if request is None:
            return model.objects.none()
        if reads_drafts(request.user):
            return model.objects.for_reader(request.user)
        if public is None:
            public = model.objects.for_reader(AnonymousUser())
        return public.all()

    return readable


visible_articles = visible(Article)


# The columns a list of articles can be ordered by (besides its id, the tiebreak).
ARTICLE_ORDERINGS = ("published_at", "headline")


class _Filters(dict):
    """A FilterSet class's filters, copied for each of its instances (each request).

    django-filter deep-copies them, so that an instance can set each filter's ``model``
    and ``parent`` and leave the class's alone; deep-copying every filter's arguments and
    querysets was most of the time it took to build a list's FilterSet. A request sets
    only a filter's attributes, which a copy has its own of, and the arguments a form
    field is built from (``extra``, given the reader's queryset), copied too; a method
    filter is bound to its copy, whose parent is the instance."""

    def __deepcopy__(self, memo):
        copies = {}
        for name, filter_ in self.items():
            copied = copy.copy(filter_)
            copied.extra = dict(filter_.extra)
            if copied.method is not None:
                # Binds the method to the copy, whose parent is the instance.
                copied.method = filter_.method
            copies[name] = copied
        return copies


class ArchiveFilterSet(filters.FilterSet):
    """A FilterSet whose form class is built once per FilterSet and shared by its requests,
    and whose filters are copied for each request, not deep-copied (``_Filters``).

    The class holds only the filters' form fields, which every form copies, so one class
    serves every request, rather than each request building its own. A
    filter whose queryset is a callable (``visible()``) has choices that depend on the
    reader: a form gets its own reader's (``form``), whoever's request the shared class
    was built for, where the request gives the filter a value or the browsable API lists
    its choices. Elsewhere the field is empty and its choices are never read.
    """

    @classmethod
    def get_filters(cls):
        return _Filters(super().get_filters())

    def get_form_class(self):
        cls = type(self)
        if "_form_class" not in cls.__dict__:
            cls._form_class = super().get_form_class()
        return cls._form_class

    @property
    def form(self):
        if not hasattr(self, "_form"):
            form = super().form
            renderer = getattr(self.request, "accepted_renderer", None)
            lists_choices = getattr(renderer, "format", None) == "api"
            for name, filter_ in self.filters.items():
                reader_dependent = callable(getattr(filter_, "queryset", None))
                if reader_dependent and (lists_choices or name in self.data):
                    form.fields[name].queryset = filter_.get_queryset(self.request)
        return self._form


class PublicationFilter(ArchiveFilterSet):
    class Meta:
        model = Publication
        fields = []


class TotalOrderingFilter(filters.OrderingFilter):
    """Orders by the chosen field and then by ``id`` in the same direction, so that the
    order is total and pages never overlap. An empty term (``published_at,,``) is a 400,
    as an unknown one is: a client that built the list wrongly should learn so."""

    def filter(self, qs, value):
        if value and not all(value):
            raise serializers.ValidationError(
                {self.field_name: ["Name a field between each pair of commas, e.g. -published_at."]}
            )
        if not value:
            return qs
        ordering = [self.get_ordering_value(param) for param in value]
        tiebreak = "-id" if ordering[-1].startswith("-") else "id"
        return qs.order_by(*ordering, tiebreak)


class IssueFilter(ArchiveFilterSet):
    publication = slug_filter(
        Publication.objects.all(),
        "Publication slug, e.g. `socialist-worker`.",
        field_name="publication",
        lookup_expr="exact",
    )
    number = IntegerFilter(field_name="number", lookup_expr="exact", help_text="Issue number.")
    number_min = IntegerFilter(
        field_name="number", lookup_expr="gte", help_text="Issue number at least this."
    )
    number_max = IntegerFilter(
        field_name="number", lookup_expr="lte", help_text="Issue number at most this."
    )
    date_after = filters.DateFilter(
        field_name="date", lookup_expr="gte", help_text="Cover date on or after (YYYY-MM-DD)."
    )
    date_before = filters.DateFilter(
        field_name="date", lookup_expr="lte", help_text="Cover date on or before (YYYY-MM-DD)."
    )
    year = YearFilter(field_name="date", lookup_expr="year", help_text="Cover date's year.")
    first_published_after = TimeBoundFilter(
        field_name="first_published_at",
        lookup_expr="gte",
        help_text="First article went online on or after this date (whole day, London time) "
        "or date-time: the time the archive knows where the cover date is lost.",
    )
    first_published_before = TimeBoundFilter(
        field_name="first_published_at",
        lookup_expr="lte",
        help_text="First article went online on or before this date (whole day, London time) "
        "or date-time.",
    )
    first_published_year = YearFilter(
        field_name="first_published_at",
        lookup_expr="year",
        help_text="Year the issue's first article went online (London time); "
        "issues with no published article have none.",
    )
    ordering = TotalOrderingFilter(
        fields=("number", "date"),
        help_text="`number`, `-number`, `date` or `-date` (the cover date; issues without "
        "one come last on PostgreSQL, first on SQLite). Without it: by publication, then "
        "number.",
    )

    class Meta:
        model = Issue
        fields = []


class ArticleFilter(ArchiveFilterSet):
    q = SearchFilter(
        method="filter_search",
        help_text='Full-text search in web-search syntax: `"permanent revolution" -stalin`, '
        "`trotsky OR deutscher`. Results come most relevant first (unless `ordering` is "
        "given) and carry a `highlight` passage with the matches in `<mark>`. Up to "
        f"{DENSE_MATCHES:,} matches are all ranked; beyond that, matches in the headline or "
        f"standfirst (the newest {RANKED_LEAD_MATCHES:,}) come first, by relevance, then "
        "every other match, newest first. Every match is still listed and counted.",
    )
    publication = slug_filter(
        Publication.objects.all(),
        "Publication slug.",
        field_name="issue__publication",
        lookup_expr="exact",
    )
    issue = slug_filter(
        visible(Issue),
        "Issue slug, e.g. `socialist-worker-2215`.",
        field_name="issue",
        lookup_expr="exact",
    )
    issue_number = IntegerFilter(
        field_name="issue__number", lookup_expr="exact", help_text="Issue number, e.g. 2215."
    )
    author = slug_filter(
        visible(Author),
        "Author slug; repeat the parameter for articles by any of several authors.",
        many=True,
        method="filter_author",
    )
    topic = slug_filter(
        visible(Topic),
        "Topic slug, e.g. `miners-strike`; repeat the parameter for articles filed under any "
        "of several topics.",
        many=True,
        method="filter_topic",
    )
    published_after = TimeBoundFilter(
        field_name="published_at",
        lookup_expr="gte",
        help_text="Published on or after this date (whole day, London time) or date-time.",
    )
    published_before = TimeBoundFilter(
        field_name="published_at",
        lookup_expr="lte",
        help_text="Published on or before this date (whole day, London time) or date-time.",
    )
    year = YearFilter(
        field_name="published_at", lookup_expr="year", help_text="Year of publication."
    )
    modified_after = TimeBoundFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text="Changed (`updated_at`) on or after this date (whole day, London time) or "
        "date-time: what a mirror fetches since its last sync.",
    )
    modified_before = TimeBoundFilter(
        field_name="updated_at",
        lookup_expr="lte",
        help_text="Changed (`updated_at`) on or before this date (whole day, London time) or "
        "date-time.",
    )
    has_image = StrictBooleanFilter(
        method="filter_has_image",
        help_text="`true`: only articles with at least one image; `false`: only without.",
    )
    book = slug_filter(
        visible(Book),
        "Book slug: articles whose reading list recommends the book.",
        method="filter_book",
    )
    ordering = TotalOrderingFilter(
        fields=ARTICLE_ORDERINGS,
        help_text="`published_at`, `-published_at` (the default without `q`), `headline` "
        "or `-headline`. With `q` the default is relevance.",
    )

    class Meta:
        model = Article
        fields = []

    def filter_search(self, queryset, name, value):
        return queryset.search(value)

    def filter_author(self, queryset, name, value):
        if not value:
            # An absent multiple-choice parameter cleans to an empty queryset, not None.
            return queryset
        bylines = ArticleAuthor.objects.filter(author__in=value)
        return queryset.filter(pk__in=bylines.values("article_id"))

    def filter_topic(self, queryset, name, value):
        if not value:
            return queryset
        filed = Article.topics.through.objects.filter(topic__in=value)
        return queryset.filter(pk__in=filed.values("article_id"))

    def filter_has_image(self, queryset, name, value):
        images = Exists(Image.objects.filter(article=OuterRef("pk")))
        return queryset.filter(images if value else ~images)

    def filter_book(self, queryset, name, value):
        return queryset.recommending(value)


class ArticleCountsFilter(ArticleFilter):
    """The article list's filters for counting articles (``articles/counts/``): a search
    finds the same articles without ranking or highlighting them, and counts have their
    own order, so there is no ``ordering``."""

    ordering = None

    def filter_search(self, queryset, name, value):
        return queryset.matching(value)


class AuthorFilter(ArchiveFilterSet):
    q = SearchFilter(
        field_name="name", lookup_expr="icontains", help_text="Part of the author's name."
    )
    has_articles = StrictBooleanFilter(
        method="filter_has_articles",
        help_text="`true`: only authors with an article you can see; `false`: only without.",
    )
    has_books = StrictBooleanFilter(
        method="filter_has_books",
        help_text="`true`: only authors of at least one book; `false`: only without.",
    )

    class Meta:
        model = Author
        fields = []

    def filter_has_articles(self, queryset, name, value):
        articles = visible_articles(self.request).filter(bylines__author=OuterRef("pk"))
        return queryset.filter(Exists(articles) if value else ~Exists(articles))

    def filter_has_books(self, queryset, name, value):
        books = Exists(BookAuthor.objects.filter(author=OuterRef("pk")))
        return queryset.filter(books if value else ~books)


class BookFilter(ArchiveFilterSet):
    q = SearchFilter(
        field_name="title", lookup_expr="icontains", help_text="Part of the book's title."
    )
    author = slug_filter(visible(Author), "Author slug.", field_name="authors", lookup_expr="exact")
    article = slug_filter(
        visible_articles,
        "Article slug: the books its reading list recommends.",
        method="filter_article",
    )

    class Meta:
        model = Book
        fields = []

    def filter_article(self, queryset, name, value):
        recommended = Book.objects.filter(entries__group__article=value)
        return queryset.filter(pk__in=recommended.values("pk"))


class TopicFilter(ArchiveFilterSet):
    q = SearchFilter(
        field_name="name", lookup_expr="icontains", help_text="Part of the topic's name."
    )

    class Meta:
        model = Topic
        fields = []


class ImageFilter(ArchiveFilterSet):
    article = slug_filter(
        visible_articles, "Article slug.", field_name="article", lookup_expr="exact"
    )
    q = SearchFilter(
        field_name="caption", lookup_expr="icontains", help_text="Part of the caption."
    )
    has_file = StrictBooleanFilter(
        method="filter_has_file",
        help_text="`true`: only images whose file the archive holds; `false`: caption only.",
    )

    class Meta:
        model = Image
        fields = []

    def filter_has_file(self, queryset, name, value):
        return queryset.exclude(file="") if value else queryset.filter(file="")
