"""An article's state: its own fields and its parts, in a form that compares with ``==``
and stores as JSON, read either from the database or from a revision's versions.

Both readings go through ``state_of()``, so what a revision holds and what the article
holds now are compared field by field alike: that comparison says which fields a write
changed, and whether it changed anything at all. Related records are kept by id (the
issue, the byline's authors, the topics, the books an entry names); ``resolve()`` names
them.
"""

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Prefetch
from reversion.models import Version

from articles.importing.records import IMAGE_EDITED_COLUMNS
from articles.models import (
    Article,
    ArticleAuthor,
    Author,
    Book,
    Image,
    Issue,
    ReadingListEntry,
    ReadingListEntryBook,
    ReadingListGroup,
    Topic,
)

# The article's own fields an editor writes; the derived ones (word count, timestamps)
# follow from them.
ARTICLE_FIELDS = (
    "issue",
    "headline",
    "slug",
    "standfirst",
    "body",
    "status",
    "published_at",
    "reading_list_note",
    "source",
)
PART_FIELDS = ("authors", "topics", "images", "reading_list")
STATE_FIELDS = (*ARTICLE_FIELDS, *PART_FIELDS)

State = dict


def _ordered(rows: Iterable) -> list:
    return sorted(rows, key=lambda row: (row.position, row.pk or 0))


def state_of(article: Article, bylines, topic_ids, images, groups, entries_of, links_of) -> State:
    """The state of ``article`` given its parts: ``entries_of(group)`` and ``links_of(entry)``
    give a group's entries and an entry's book links."""
    state = {}
    for name in ARTICLE_FIELDS:
        field = Article._meta.get_field(name)
        value = field.value_from_object(article)
        state[name] = value.isoformat() if hasattr(value, "isoformat") else value
    state["authors"] = [byline.author_id for byline in _ordered(bylines)]
    state["topics"] = sorted(topic_ids)
    state["images"] = [
        {name: str(getattr(image, name)) for name in IMAGE_EDITED_COLUMNS}
        for image in _ordered(images)
    ]
    state["reading_list"] = [
        {
            "heading": group.heading,
            "entries": [
                {"text": entry.text, "books": [link.book_id for link in _ordered(links_of(entry))]}
                for entry in _ordered(entries_of(group))
            ],
        }
        for group in _ordered(groups)
    ]
    return state


def articles_with_parts(ids: Iterable[int]):
    """The articles with every part a revision follows, prefetched: a state, and a
    revision's ``follow``, then read no further rows."""
    # Each part's name (a version's ``object_repr``) reads its author or book: fetched too.
    links = ReadingListEntryBook.objects.select_related("book")
    entries = ReadingListEntry.objects.prefetch_related(Prefetch("links", queryset=links))
    groups = ReadingListGroup.objects.prefetch_related(Prefetch("entries", queryset=entries))
    return (
        Article.objects.filter(pk__in=list(ids))
        .select_related(None)
        .prefetch_related(
            Prefetch("bylines", queryset=ArticleAuthor.objects.select_related("author")),
            Prefetch("topics", queryset=Topic.objects.only("pk")),
            Prefetch("images", queryset=Image.objects.all()),
            Prefetch("reading_groups", queryset=groups),
        )
    )


def live_state(article: Article) -> State:
    """The state of an article from ``articles_with_parts()``."""
    return state_of(
        article,
        article.bylines.all(),
        [topic.pk for topic in article.topics.all()],
        article.images.all(),
        article.reading_groups.all(),
        lambda group: group.entries.all(),
        lambda entry: entry.links.all(),
    )


def live_states(ids: Iterable[int]) -> dict[int, State]:
    return {article.pk: live_state(article) for article in articles_with_parts(ids)}


def revision_states(revision_ids: Iterable[int]) -> dict[int, State]:
    """The article state each revision holds, by revision id, from its versions."""
    objects = defaultdict(lambda: defaultdict(list))
    topic_ids = {}
    versions = Version.objects.filter(revision_id__in=list(revision_ids)).select_related(None)
    for version in versions:
        obj = version._object_version.object
        objects[version.revision_id][type(obj)].append(obj)
        if isinstance(obj, Article):
            # A revision from before articles had topics names none.
            topic_ids[version.revision_id] = version._object_version.m2m_data.get("topics", [])
    states = {}
    for revision_id, by_model in objects.items():
        if not by_model[Article]:
            continue
        entries, links = defaultdict(list), defaultdict(list)
        for entry in by_model[ReadingListEntry]:
            entries[entry.group_id].append(entry)
        for link in by_model[ReadingListEntryBook]:
            links[link.entry_id].append(link)
        states[revision_id] = state_of(
            by_model[Article][0],
            by_model[ArticleAuthor],
            [int(pk) for pk in topic_ids[revision_id]],
            by_model[Image],
            by_model[ReadingListGroup],
            lambda group, entries=entries: entries[group.pk],
            lambda entry, links=links: links[entry.pk],
        )
    return states


def changed_fields(before: State | None, after: State) -> list[str]:
    """The names of the fields that differ; every field with a value when there was no
    article before."""
    if before is None:
        return [name for name in STATE_FIELDS if after[name] not in ("", None, [])]
    return [name for name in STATE_FIELDS if before[name] != after[name]]


class Names:
    """The issues, authors and books some states refer to, looked up once for all."""

    def __init__(self, states: Iterable[State]):
        states = list(states)
        issue_ids = {state["issue"] for state in states}
        author_ids = {author for state in states for author in state["authors"]}
        topic_ids = {topic for state in states for topic in state["topics"]}
        book_ids = {
            book
            for state in states
            for group in state["reading_list"]
            for entry in group["entries"]
            for book in entry["books"]
        }
        self.issues = Issue.objects.in_bulk(issue_ids)
        self.authors = Author.objects.in_bulk(author_ids)
        self.topics = Topic.objects.in_bulk(topic_ids)
        self.books = Book.objects.in_bulk(book_ids)

    def issue(self, pk: int) -> dict:
        issue = self.issues.get(pk)
        return {"slug": issue.slug, "name": str(issue)} if issue else _gone("issue", pk)

    def author(self, pk: int) -> dict:
        author = self.authors.get(pk)
        return {"slug": author.slug, "name": author.name} if author else _gone("author", pk)

    def topic(self, pk: int) -> dict:
        topic = self.topics.get(pk)
        return {"slug": topic.slug, "name": topic.name} if topic else _gone("topic", pk)

    def book(self, pk: int) -> dict:
        book = self.books.get(pk)
        return {"slug": book.slug, "title": book.title} if book else _gone("book", pk)


def _gone(kind: str, pk: int) -> dict:
    label = f"(deleted {kind} #{pk})"
    return {"slug": None, "name": label, "title": label}


def resolve(state: State, names: Names) -> dict:
    """A state with its issue, authors and books named: as the API and the admin show it."""
    return {
        **{name: state[name] for name in ARTICLE_FIELDS if name != "issue"},
        "issue": names.issue(state["issue"]),
        "authors": [names.author(pk) for pk in state["authors"]],
        "topics": [names.topic(pk) for pk in state["topics"]],
        "images": state["images"],
        "reading_list": [
            {
                "heading": group["heading"],
                "entries": [
                    {"text": entry["text"], "books": [names.book(pk) for pk in entry["books"]]}
                    for entry in group["entries"]
                ],
            }
            for group in state["reading_list"]
        ],
    }
