"""The seed fixture against the seed's scraped text: every word exactly as published."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from articles.models import (
    Article,
    ArticleAuthor,
    Author,
    Book,
    BookAuthor,
    Image,
    Issue,
    Publication,
    ReadingListEntry,
    ReadingListEntryBook,
    ReadingListGroup,
)
from tests.factories import ArticleFactory

SITE_FURNITURE = (
    "Share this article",
    "Mobile users!",
    "Click here to subscribe",
    "Article information",
)
BULLET = "  • "


def source_sections(lines):
    """Cut the scraped page at its markers, independently of how the fixture was made."""
    caption = lines[lines.index("Issue No. 2215") + 2]
    body_start = lines.index(caption, lines.index(caption) + 1) + 1
    further = lines.index("Further reading")
    subscribe = next(i for i, line in enumerate(lines) if line.startswith("Click here"))
    reading = [line for line in lines[further + 1 : subscribe] if line.strip()]
    groups = []
    for line in reading[:-1]:
        if line.startswith(BULLET):
            groups[-1][1].append(line.removeprefix(BULLET))
        else:
            groups.append((line, []))
    return {
        "masthead": lines[0],
        "headline": lines[2],
        "standfirst": lines[4],
        "caption": caption,
        "paragraphs": [line for line in lines[body_start:further] if line.strip()],
        "groups": groups,
        "note": reading[-1],
        "date_line": lines[lines.index("Article information") + 2],
    }


@pytest.fixture
def source(seed_lines):
    return source_sections(seed_lines)


@pytest.fixture
def article(seed):
    return Article.objects.select_related("issue__publication").get(slug="trotskys-socialism")


def test_masthead_issue_and_headline_match_the_source(article, source):
    """Publication, issue number, headline and standfirst are the source's own text."""
    assert article.issue.publication.name == source["masthead"] == "Socialist Worker"
    assert article.issue.number == 2215
    assert article.issue.slug == "socialist-worker-2215"
    assert article.headline == source["headline"] == "Trotsky’s socialism"
    assert article.standfirst == source["standfirst"]
    assert "Leon\u00a0Trotsky" in article.standfirst


def test_every_body_paragraph_is_kept_character_for_character(article, source):
    """The body's blocks are the source's paragraphs in order, with one subheading."""
    assert [block["text"] for block in article.blocks] == source["paragraphs"]
    headings = [block["text"] for block in article.blocks if block["type"] == "heading"]
    assert headings == ["An inspiration for today"]
    assert "## An inspiration for today" in article.body
    assert "St\u00a0Petersburg" in article.body


def test_byline_and_publication_time(article, source):
    """Esme Choonara wrote it; 18:05 BST on the date line is 17:05 UTC."""
    assert [a.name for a in article.authors.all()] == ["Esme Choonara"]
    assert article.status == Article.Status.PUBLISHED
    local = dt.datetime.strptime(source["date_line"], "%a %d %b %Y, %H:%M BST").replace(
        tzinfo=ZoneInfo("Europe/London")
    )
    assert article.published_at == local
    assert article.published_at == dt.datetime(2010, 8, 17, 17, 5, tzinfo=dt.UTC)


def test_the_caption_is_stored_once(article, source):
    """The scrape prints the caption twice; the archive keeps one image with it."""
    images = list(article.images.all())
    assert [image.caption for image in images] == [source["caption"]]
    assert source["caption"] not in article.body


def test_reading_list_matches_the_source(article, source):
    """Three groups with their headings, every entry's published text, and the closing note."""
    groups = article.reading_groups.prefetch_related("entries")
    assert [
        (group.heading, [entry.text for entry in group.entries.all()]) for group in groups
    ] == source["groups"]
    assert article.reading_list_note == source["note"]
    assert "My Life, Trotsky's autobiography" in [e.text for e in ReadingListEntry.objects.all()]


def test_nine_books_linked_to_their_authors_in_the_author_table(article):
    """The Deutscher entry names three books; book authors share the byline table."""
    entries = {entry.text: entry for entry in ReadingListEntry.objects.all()}
    deutscher = next(text for text in entries if text.startswith("Isaac Deutscher"))
    trilogy = [link.book for link in entries[deutscher].links.select_related("book")]
    assert [(book.title, book.volume) for book in trilogy] == [
        ("The Prophet Armed", 1),
        ("The Prophet Unarmed", 2),
        ("The Prophet Outcast", 3),
    ]
    for book in Book.objects.all():
        assert book.title in " ".join(entries), book.title
    authors_of = {book.title: [a.name for a in book.authors.all()] for book in Book.objects.all()}
    assert len(authors_of) == 9
    assert authors_of["History of the Russian Revolution"] == ["Leon Trotsky"]
    assert authors_of["My Life"] == ["Leon Trotsky"]
    assert authors_of["Trotsky’s Marxism"] == ["Duncan Hallas"]
    assert authors_of["A Rebel’s Guide to Trotsky"] == ["Esme Choonara"]
    esme = Author.objects.get(slug="esme-choonara")
    assert list(esme.articles.all()) == [article]
    assert [book.title for book in esme.books.all()] == ["A Rebel’s Guide to Trotsky"]


def test_site_furniture_is_not_content(article):
    """None of the page's furniture made it into any stored text."""
    stored = [article.headline, article.standfirst, article.body, article.reading_list_note]
    stored += [entry.text for entry in ReadingListEntry.objects.all()]
    stored += [group.heading for group in ReadingListGroup.objects.all()]
    for furniture in SITE_FURNITURE:
        assert not any(furniture in text for text in stored), furniture


def test_nothing_the_seed_does_not_say_is_invented(article):
    """No cover date, no image file, no ISBN, publisher or year."""
    assert article.issue.date is None
    assert not Image.objects.get().file
    assert set(Book.objects.values_list("isbn", "publisher", "year")) == {("", "", None)}


def test_loading_twice_does_not_duplicate(seed):
    """A second ``loaddata seed`` updates the same records in place."""
    models = [
        Publication,
        Issue,
        Article,
        Author,
        ArticleAuthor,
        Book,
        BookAuthor,
        Image,
        ReadingListGroup,
        ReadingListEntry,
        ReadingListEntryBook,
    ]
    before = {model: model.objects.count() for model in models}
    call_command("loaddata", "seed", verbosity=0)
    assert {model: model.objects.count() for model in models} == before
    assert before[Book] == 9 and before[Author] == 4 and before[ReadingListEntryBook] == 9


def test_loading_into_a_filled_archive_leaves_other_articles_alone(db):
    """The fixture carries no database ids, so it cannot overwrite an imported article."""
    existing = ArticleFactory(headline="Already in the archive")
    call_command("loaddata", "seed", verbosity=0)
    existing.refresh_from_db()
    assert existing.headline == "Already in the archive"
    assert Article.objects.count() == 2
