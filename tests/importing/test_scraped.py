"""The scraped-page parser: each part of the page lands where it belongs, text untouched."""

import datetime as dt

import pytest

from articles.importing.records import ImportFileError
from articles.importing.scraped import parse_scraped
from tests.conftest import SAMPLES_DIR, SEED_SOURCE

PARIS = SAMPLES_DIR / "2216-when-paris-rose.txt"
LIBRARY = SAMPLES_DIR / "2216-library-workers-walk-out.txt"
WINTER = SAMPLES_DIR / "2284-winter-of-discontent.txt"


def parse(path, text=None, **options):
    text = path.read_text(encoding="utf-8") if text is None else text
    return parse_scraped(text, path=str(path), **options)


def article_of(path, text=None, **options):
    (article,) = parse(path, text, **options).articles
    return article


def books_of(article):
    return [
        (book.title, [author.name for author in book.authors], book.volume)
        for group in article.reading_groups
        for entry in group.entries
        for book in entry.books
    ]


def headings(article):
    return [p for p in article.body.split("\n\n") if p.startswith("## ")]


def test_seed_page_parts():
    """Masthead, issue, headline, byline in the standfirst, one caption, one subheading."""
    issue = parse(SEED_SOURCE)
    article = issue.articles[0]
    assert (issue.publication_name, issue.number) == ("Socialist Worker", 2215)
    assert article.headline == "Trotsky’s socialism"
    assert "Leon\u00a0Trotsky" in article.standfirst
    assert [a.name for a in article.authors] == ["Esme Choonara"]
    assert [image.caption for image in article.images] == [
        "Leon Trotsky addresses Red Army troops in 1918"
    ]
    assert headings(article) == ["## An inspiration for today"]
    assert article.published_at == dt.datetime(2010, 8, 17, 17, 5, tzinfo=dt.UTC)
    assert article.source == "000_6883693f68a49c3c.txt"
    assert issue.warnings == []


def test_seed_reading_list_names_nine_books_with_their_authors():
    """Bare titles under "Trotsky’s writings", an autobiography, a trilogy, "Title by Author"."""
    article = article_of(SEED_SOURCE)
    assert [group.heading for group in article.reading_groups] == [
        "All of Trotsky’s writings are worth reading, especially:",
        "On Trotsky’s life try:",
        "For an introduction to his ideas try:",
    ]
    assert books_of(article) == [
        ("History of the Russian Revolution", ["Leon Trotsky"], None),
        ("The Struggle Against Fascism in Germany", ["Leon Trotsky"], None),
        ("The First Five Years of the Communist International", ["Leon Trotsky"], None),
        ("My Life", ["Leon Trotsky"], None),
        ("The Prophet Armed", ["Isaac Deutscher"], 1),
        ("The Prophet Unarmed", ["Isaac Deutscher"], 2),
        ("The Prophet Outcast", ["Isaac Deutscher"], 3),
        ("Trotsky’s Marxism", ["Duncan Hallas"], None),
        ("A Rebel’s Guide to Trotsky", ["Esme Choonara"], None),
    ]
    entries = [entry.text for group in article.reading_groups for entry in group.entries]
    assert "My Life, Trotsky's autobiography" in entries
    assert article.reading_list_note.startswith("All available at Bookmarks")


def test_byline_on_a_by_line_is_not_body_text():
    """ "by Maria Okafor" names the author; the body starts with the first paragraph."""
    article = article_of(LIBRARY)
    assert [a.name for a in article.authors] == ["Maria Okafor"]
    assert "Maria Okafor" not in article.body
    assert article.body.startswith("Library workers in the north")
    assert article.images == [] and article.reading_groups == []
    assert headings(article) == ["## What happens next"]
    assert "£1.2 million" in article.body


def test_paris_sample_has_caption_subheadings_and_a_reading_list():
    """One caption stored once, two subheadings, one group of two "Title by Author" books."""
    article = article_of(PARIS)
    assert [a.name for a in article.authors] == ["Daniel Reyes"]
    assert [image.caption for image in article.images] == [
        "Barricade on the Rue de Rivoli, March 1871"
    ]
    assert "Barricade on the Rue de Rivoli" not in article.body
    assert headings(article) == ["## The Commune’s measures", "## Its defeat"]
    assert article.body.count("By the evening the government had fled") == 1
    assert [group.heading for group in article.reading_groups] == [
        "For the story of the Commune try:"
    ]
    assert books_of(article) == [
        ("The Paris Commune", ["Donny Gluckstein"], None),
        ("The Civil War in France", ["Karl Marx"], None),
    ]
    assert article.published_at == dt.datetime(2010, 8, 24, 17, 10, tzinfo=dt.UTC)


def test_winter_time_is_gmt():
    """ "16:44 GMT" in January is 16:44 UTC; "writes" after a name is a byline."""
    issue = parse(WINTER)
    article = issue.articles[0]
    assert issue.number == 2284
    assert article.published_at == dt.datetime(2012, 1, 5, 16, 44, tzinfo=dt.UTC)
    assert [a.name for a in article.authors] == ["Kate Marlow"]
    assert headings(article) == [] and article.images == []


def test_two_authors_on_a_by_line_and_several_captions():
    """ "by A and B" gives two bylines in order; every doubled line is a caption."""
    text = LIBRARY.read_text(encoding="utf-8").replace(
        "by Maria Okafor\n",
        "by Maria Okafor and Tom Baird\n\nPickets at dawn\n\nPickets at dawn\n\n"
        "The central library\n\nThe central library\n",
    )
    article = article_of(LIBRARY, text)
    assert [a.name for a in article.authors] == ["Maria Okafor", "Tom Baird"]
    assert [image.caption for image in article.images] == ["Pickets at dawn", "The central library"]


def test_reports_in_the_standfirst_is_a_byline():
    """ "Tom Baird reports…" opening a sentence of the standfirst names the author."""
    text = WINTER.read_text(encoding="utf-8").replace(
        "Kate Marlow writes that", "Tom Baird reports that"
    )
    assert [a.name for a in article_of(WINTER, text).authors] == ["Tom Baird"]


def test_no_byline_imports_without_author_and_says_so():
    """A page naming no author parses with no byline and a warning with its line."""
    text = WINTER.read_text(encoding="utf-8").replace(" Kate Marlow writes that", " So")
    issue = parse(WINTER, text)
    assert issue.articles[0].authors == []
    assert issue.warnings == [f"{WINTER}:7: no byline found; imported without an author"]


def test_page_without_masthead_takes_the_publication_option():
    """``--publication`` names the publication of a page that starts at its headline."""
    text = WINTER.read_text(encoding="utf-8").removeprefix("Socialist Worker\n\n")
    issue = parse(WINTER, text, publication="Socialist Worker")
    assert issue.publication_name == "Socialist Worker"
    assert issue.articles[0].headline == "Lessons of the winter of discontent"
    with pytest.raises(ImportFileError, match=r":1: expected masthead, headline and standfirst"):
        parse(WINTER, text)


@pytest.mark.parametrize(
    ("old", "new", "line", "reason"),
    [
        ("Issue No. 2284\n\nThe winter", "The winter", 7, "expected an “Issue No. N” line"),
        ("Issue No. 2284\n\nThe winter", "Issue 2284\n\nThe winter", 7, "found 'Issue 2284'"),
        ("Thu 5 Jan 2012, 16:44 GMT", "5 January 2012", 23, "expected a date line like"),
        ("Thu 5 Jan 2012, 16:44 GMT", "Thu 5 Jan 2012, 16:44 BST", 23, "is not BST in London"),
        ("Thu 5 Jan 2012, 16:44 GMT", "Fri 5 Jan 2012, 16:44 GMT", 23, "the weekday of"),
        ("Thu 5 Jan 2012, 16:44 GMT", "Thu 31 Feb 2012, 16:44 GMT", 23, "a real date"),
        ("\nIssue No. 2284\nShare", "\nIssue No. 2285\nShare", 24, "'Issue No. 2284' again"),
    ],
)
def test_bad_pages_name_the_line_and_what_was_expected(old, new, line, reason):
    """Each refusal reads "path:line: expected …, found …"."""
    text = WINTER.read_text(encoding="utf-8")
    assert old in text
    with pytest.raises(ImportFileError) as refused:
        parse(WINTER, text.replace(old, new))
    assert str(refused.value).startswith(f"{WINTER}:{line}: ")
    assert reason in refused.value.reason


def test_page_without_body_is_refused():
    """Nothing between the issue line and the furniture: no article to import."""
    text = WINTER.read_text(encoding="utf-8")
    start, end = text.index("The winter of 1978"), text.index("Click here")
    with pytest.raises(ImportFileError, match=r":9: expected body paragraphs .* found .Click"):
        parse(WINTER, text[:start] + text[end:])


def test_missing_date_line_is_refused():
    """A page cut off after "Article information" has no publication time to give."""
    text = WINTER.read_text(encoding="utf-8")
    cut = text[: text.index("Article information") + len("Article information")]
    with pytest.raises(ImportFileError, match=r":21: expected a date line .* found end of file"):
        parse(WINTER, cut)


def test_the_hour_the_clocks_go_back_is_settled_by_the_label():
    """01:30 on 31 Oct 2010 happened twice in London: BST is 00:30 UTC, GMT 01:30 UTC."""
    text = WINTER.read_text(encoding="utf-8")
    bst = text.replace("Thu 5 Jan 2012, 16:44 GMT", "Sun 31 Oct 2010, 01:30 BST")
    gmt = text.replace("Thu 5 Jan 2012, 16:44 GMT", "Sun 31 Oct 2010, 01:30 GMT")
    assert article_of(WINTER, bst).published_at == dt.datetime(2010, 10, 31, 0, 30, tzinfo=dt.UTC)
    assert article_of(WINTER, gmt).published_at == dt.datetime(2010, 10, 31, 1, 30, tzinfo=dt.UTC)
