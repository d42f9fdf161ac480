"""The interchange format: deterministic export, lossless round trip, schema-checked import."""

import datetime as dt
import json
from pathlib import Path

import pytest

from articles.importing import interchange
from articles.importing.export import export_archive, export_queryset
from articles.models import Article, Author, Book, Image, Issue
from tests.conftest import SEED_SOURCE
from tests.factories import TopicFactory
from tests.importing.conftest import ARCHIVE_MODELS, database_state, import_file, import_one

SAMPLE = Path(__file__).resolve().parents[2] / "fixtures/interchange/socialist-worker-2215.json"


def export_to(folder: Path) -> dict[str, bytes]:
    for _ in export_archive(output=folder, issues=export_queryset()):
        pass
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def empty_the_archive():
    for model in reversed(ARCHIVE_MODELS):
        model.objects.all().delete()


@pytest.fixture
def rich_archive(archive):
    """The archive with what scraped pages never give: a draft, a bio, an ISBN, a file,
    topics."""
    Issue.objects.filter(number=2216).update(date=dt.date(2010, 8, 28))
    Author.objects.filter(slug="esme-choonara").update(bio="Writes on Trotsky.")
    Book.objects.filter(slug="my-life").update(publisher="Pathfinder", year=1970, isbn="0873480872")
    Image.objects.filter(caption__startswith="Barricade").update(
        credit="Bruno Braquehais", alt_text="A barricade", file="images/b.jpg", width=8, height=6
    )
    Article.objects.filter(slug="lessons-of-the-winter-of-discontent").unpublish()
    strikes, unions = TopicFactory(name="Strikes"), TopicFactory(name="Unions")
    Article.objects.get(slug="lessons-of-the-winter-of-discontent").topics.set([unions, strikes])
    Article.objects.get(slug="trotskys-socialism").topics.set([unions])


def test_the_committed_sample_is_the_seed_exported(seed, tmp_path):
    """fixtures/interchange holds exactly what exporting the seed writes today."""
    assert export_to(tmp_path) == {SAMPLE.name: SAMPLE.read_bytes()}


def test_exports_validate_against_the_schema(rich_archive, tmp_path):
    """Every exported document passes the JSON Schema in the repository."""
    documents = export_to(tmp_path)
    assert len(documents) == 3
    for data in documents.values():
        interchange.validator().validate(json.loads(data))


def test_export_import_export_round_trip_is_identical(rich_archive, tmp_path):
    """Export, import into an empty archive, export again: the same bytes, nothing lost."""
    first = export_to(tmp_path / "first")
    empty_the_archive()
    for path in sorted((tmp_path / "first").iterdir()):
        assert import_one(path).error is None
    assert export_to(tmp_path / "second") == first
    assert Article.objects.get(slug="lessons-of-the-winter-of-discontent").status == "draft"
    assert Author.objects.get(slug="esme-choonara").bio == "Writes on Trotsky."
    winter = Article.objects.get(slug="lessons-of-the-winter-of-discontent")
    assert sorted(winter.topics.values_list("slug", flat=True)) == ["strikes", "unions"]


def test_an_export_lists_topics_by_slug_only_for_articles_that_have_some(rich_archive, tmp_path):
    """Sorted, after the byline; left out where there are none, as before topics."""
    documents = {name: json.loads(data) for name, data in export_to(tmp_path).items()}
    articles = {a["slug"]: a for d in documents.values() for a in d["articles"]}
    assert articles["lessons-of-the-winter-of-discontent"]["topics"] == ["strikes", "unions"]
    keys = list(articles["trotskys-socialism"])
    assert keys[keys.index("authors") + 1] == "topics"
    assert all(
        "topics" not in a
        for slug, a in articles.items()
        if slug not in {"lessons-of-the-winter-of-discontent", "trotskys-socialism"}
    )


def test_a_document_naming_a_topic_the_archive_lacks_is_refused(seed):
    """Imports never invent topics: the file stops with its line, and nothing is written."""
    TopicFactory(name="Strikes")
    before = database_state()
    data = edited(lambda d: d["articles"][0].update(topics=["strikes", "miners-strike"]))
    report = import_file(name="bad.json", data=data)
    reason = "expected a topic the archive has (imports never make topics), found 'miners-strike'"
    line = line_with(data, '"miners-strike"')
    assert str(report.error) == f"bad.json:{line}: {reason}"
    assert database_state() == before


def test_a_document_files_articles_under_existing_topics(seed):
    """A document's topics replace the article's; without the key they stay as they are."""
    strikes, unions = TopicFactory(name="Strikes"), TopicFactory(name="Unions")
    article = Article.objects.get(slug="trotskys-socialism")
    article.topics.set([unions])
    report = import_file(
        name="t.json", data=edited(lambda d: d["articles"][0].update(topics=["strikes"]))
    )
    assert report.error is None and report.articles[0]["action"] == "updated"
    assert list(article.topics.all()) == [strikes]
    assert import_one(SAMPLE).articles[0]["action"] == "unchanged"
    assert import_one(SEED_SOURCE).error is None  # scraped text has no topics
    assert list(article.topics.all()) == [strikes]
    import_file(name="t.json", data=edited(lambda d: d["articles"][0].update(topics=[])))
    assert list(article.topics.all()) == []


@pytest.mark.parametrize("topics", [["strikes", "strikes"], ["Strikes"], "strikes"])
def test_a_documents_topics_are_checked_by_the_schema(seed, topics):
    """Each topic once, by slug, in an array."""
    TopicFactory(name="Strikes")
    report = import_file(
        name="bad.json", data=edited(lambda d: d["articles"][0].update(topics=topics))
    )
    assert report.error is not None and "articles[0].topics" in str(report.error)


def test_reexport_is_byte_identical_and_not_rewritten(archive, tmp_path):
    """A second export finds every document unchanged."""
    first = export_to(tmp_path)
    results = list(export_archive(output=tmp_path, issues=export_queryset()))
    assert [changed for _, changed in results] == [False, False, False]
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir()} == first


def test_importing_a_document_twice_changes_nothing(seed):
    """The seed's document over the seed fixture: every record unchanged."""
    before = database_state()
    report = import_one(SAMPLE)
    assert report.error is None
    assert {action for _, action in report.counts} == {"unchanged"}
    assert database_state() == before


def test_export_keeps_the_query_count_flat(archive, django_assert_max_num_queries, tmp_path):
    """Exporting prefetches per batch of issues, not per article."""
    with django_assert_max_num_queries(10):
        export_to(tmp_path)


def edited(change) -> bytes:
    document = json.loads(SAMPLE.read_text(encoding="utf-8"))
    change(document)
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode()


def line_with(data: bytes, text: str) -> int:
    return data.decode()[: data.decode().index(text)].count("\n") + 1


@pytest.mark.parametrize(
    ("change", "marker", "reason"),
    [
        (
            lambda d: d["articles"][0].pop("headline"),
            '{\n      "slug": "trotskys-socialism"',
            "articles[0]: expected a 'headline' property, found none",
        ),
        (
            lambda d: d["articles"][0].update(body=" \n"),
            '"body": " \\n"',
            "articles[0].body: expected a non-empty body: paragraphs separated by a blank line, "
            'subheadings starting with "## ", found " \\n"',
        ),
        (
            lambda d: d["issue"].update(number="2215"),
            '"number": "2215"',
            'issue.number: expected integer, found "2215"',
        ),
        (
            lambda d: d.update(version=2),
            '"version": 2',
            'expected an interchange document with "version": 1, found 2',
        ),
        (
            lambda d: d["articles"][0]["authors"].append("nobody"),
            '"nobody"',
            "expected a slug listed under 'authors', found 'nobody'",
        ),
        (
            lambda d: d["articles"][0].update(published_at="2010-13-17T17:05:00Z"),
            '"published_at": "2010-13',
            "expected a real date and time, found '2010-13-17T17:05:00Z'",
        ),
        (
            lambda d: d["articles"][0]["images"][0].update(file="images/a.jpg", width=0, height=5),
            '"width": 0',
            "expected the width of an image with a file, at least 1, found 0",
        ),
        (
            lambda d: d["articles"][0]["images"][0].update(
                file="images/../../../../etc/passwd", width=5, height=5
            ),
            '"file": "images/../',
            "expected a file name inside media storage, found 'images/../../../../etc/passwd'",
        ),
        (
            lambda d: d["articles"][0]["images"][0].update(file="/etc/passwd", width=5, height=5),
            '"file": "/etc/passwd"',
            "expected a file name inside media storage, found '/etc/passwd'",
        ),
    ],
)
def test_documents_failing_the_schema_name_their_line(seed, change, marker, reason):
    """Each refusal names the file, the line and what was expected; nothing is written."""
    before = database_state()
    data = edited(change)
    report = import_file(name="bad.json", data=data)
    assert report.error is not None
    assert str(report.error) == f"bad.json:{line_with(data, marker)}: {reason}"
    assert database_state() == before


def test_invalid_json_names_its_line(db):
    """A syntax error is reported at the line the JSON parser stopped on."""
    report = import_file(name="bad.json", data=b'{\n  "version": 1,\n  "issue": }\n')
    assert str(report.error).startswith("bad.json:3: expected a JSON document, found invalid JSON")


def test_corrected_document_updates_records_in_place(seed):
    """A fixed body and a new bio update the same rows; an empty ISBN erases nothing."""
    article = Article.objects.get(slug="trotskys-socialism")
    Book.objects.filter(slug="my-life").update(isbn="0873480872")

    def correct(document):
        document["articles"][0]["body"] = document["articles"][0]["body"].replace(
            "an ice pick", "an ice axe"
        )
        document["authors"][1]["bio"] = "Writes on Trotsky."

    report = import_file(name="corrected.json", data=edited(correct))
    assert report.articles[0]["action"] == "updated"
    assert report.counts["authors", "updated"] == 1
    updated = Article.objects.get(pk=article.pk)
    assert "an ice axe" in updated.body and updated.word_count == article.word_count
    assert Author.objects.get(slug="esme-choonara").bio == "Writes on Trotsky."
    assert Book.objects.get(slug="my-life").isbn == "0873480872"
    assert Article.objects.count() == 1


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["articles"][0].pop("headline"),
        lambda d: d["articles"][0].update(extra=1),
        lambda d: d["issue"].update(number="2215"),
        lambda d: d["issue"].update(number=0),
        lambda d: d["articles"][0].update(status="pending"),
        lambda d: d.update(version=2),
        lambda d: d.update(articles=[]),
        lambda d: d["articles"][0].update(headline="😀" * 501),
        lambda d: d["articles"][0].update(headline=" \t"),
        lambda d: d["articles"][0].update(slug="Trotsky"),
    ],
)
def test_the_compiled_validator_refuses_what_the_reference_one_refuses(change):
    """The fast validator decides and the reference one explains: they must agree."""
    document = json.loads(edited(change))
    assert not interchange.compiled_validator().is_valid(document)
    assert not interchange.validator().is_valid(document)
    assert interchange.schema_error(document) is not None


def test_both_validators_accept_a_headline_at_its_length_limit_in_code_points():
    document = json.loads(edited(lambda d: d["articles"][0].update(headline="😀" * 500)))
    assert interchange.compiled_validator().is_valid(document)
    assert interchange.validator().is_valid(document)


def test_a_slug_ending_in_a_newline_is_refused(seed):
    """Python's "$" matches before a final newline; JSON Schema's (ECMA-262's) does not."""
    before = database_state()
    data = edited(lambda d: d["articles"][0].update(slug="trotskys-socialism\n"))
    report = import_file(name="bad.json", data=data)
    line = line_with(data, '"slug": "trotskys-socialism\\n"')
    assert str(report.error) == (
        f"bad.json:{line}: articles[0].slug: "
        'expected "trotskys-socialism\\n" does not match "^[a-z0-9]+(?:-[a-z0-9]+)*$"'
    )
    assert database_state() == before
