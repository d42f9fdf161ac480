"""An image's importable columns are declared once, on ``ImageRecord``: the loader, the
export, the interchange schema and the API's image JSON all take them from there, so
adding a column is one declaration (plus the schema, which this test holds to it)."""

import json

import pytest
from rest_framework.test import APIClient

from articles.caching import records_changed
from articles.importing import interchange
from articles.importing.export import export_issue, export_queryset
from articles.importing.records import IMAGE_COLUMNS, IMAGE_EDITED_COLUMNS
from articles.models import Article, Image
from history.feed import record_existing
from history.models import Change, Event
from tests.importing.conftest import import_file

WITH_FILE = {
    "caption": "Barricade on the rue Saint-Maur",
    "credit": "Bruno Braquehais",
    "alt_text": "A barricade",
    "file": "images/barricade.jpg",
    "width": 800,
    "height": 600,
}
# Another value for each column, to correct it with.
CORRECTED = {
    "caption": "Barricade on the rue de Belleville",
    "credit": "Anon.",
    "alt_text": "A street barricade",
    "file": "images/barricade-2.jpg",
    "width": 1600,
    "height": 1200,
}


@pytest.fixture
def with_image(archive):
    """The archive with one image that has every column filled in."""
    Image.objects.filter(caption__startswith="Barricade").update(**WITH_FILE)
    image = Image.objects.get(caption=WITH_FILE["caption"])
    # A bulk update names what it wrote, as the importer does (no file to save here).
    records_changed({"image": {image.pk}})
    return image


def issue_document(image: Image) -> dict:
    """The exported document of the image's issue."""
    [issue] = export_queryset(issues=[image.article.issue.slug])
    return json.loads(export_issue(issue=issue))


def test_the_declared_columns_are_the_records_column_fields():
    """ImageRecord declares its columns once; every one is a real Image column."""
    assert IMAGE_COLUMNS == ("caption", "credit", "alt_text", "file", "width", "height")
    assert IMAGE_EDITED_COLUMNS == ("caption", "credit", "alt_text", "file")
    model_columns = {field.name for field in Image._meta.concrete_fields}
    assert set(IMAGE_COLUMNS) <= model_columns


def test_the_export_writes_an_image_as_its_declared_columns(with_image):
    """An exported image has exactly the declared columns, in their order."""
    [image] = [
        image
        for article in issue_document(with_image)["articles"]
        for image in article["images"]
        if image["caption"] == WITH_FILE["caption"]
    ]
    assert image == WITH_FILE
    assert list(image) == list(IMAGE_COLUMNS)


def test_the_interchange_schema_holds_the_declared_columns():
    """The published schema is a contract of its own; it must name the same columns."""
    schema = interchange.validator().schema
    image = schema["properties"]["articles"]["items"]["properties"]["images"]["items"]
    assert list(image["properties"]) == list(IMAGE_COLUMNS)
    assert image["required"] == list(IMAGE_COLUMNS)


def test_the_api_reads_an_image_as_its_declared_columns(with_image):
    """The API's image JSON carries every declared column, plus its id and position."""
    article = Article.objects.for_api_detail().get(pk=with_image.article_id)
    [data] = [data for data in article.image_data if data["id"] == with_image.id]
    assert set(data) == {"id", "position", *IMAGE_COLUMNS}
    assert {name: data[name] for name in IMAGE_COLUMNS} == WITH_FILE


def test_the_api_shows_an_image_as_its_declared_columns(client, with_image):
    """An article's images over HTTP: the declared columns in their order, the file as
    its URL."""
    response = client.get(f"/api/v1/articles/{with_image.article.slug}/")
    [image] = [image for image in response.json()["images"] if image["id"] == with_image.id]
    expected = ["id", *("url" if name == "file" else name for name in IMAGE_COLUMNS)]
    assert list(image) == expected
    assert image["url"].endswith(WITH_FILE["file"])
    assert {name: image[name] for name in IMAGE_COLUMNS if name != "file"} == {
        name: value for name, value in WITH_FILE.items() if name != "file"
    }


@pytest.mark.parametrize("name", IMAGE_COLUMNS)
def test_the_loader_compares_and_writes_every_declared_column(with_image, name):
    """Correcting any one declared column in a document updates that image, and only it."""
    document = issue_document(with_image)
    for article in document["articles"]:
        for image in article["images"]:
            if image["caption"] == WITH_FILE["caption"]:
                image[name] = CORRECTED[name]
    report = import_file(name="corrected.json", data=json.dumps(document).encode())
    assert report.error is None, report.error
    assert report.counts["images", "updated"] == 1
    assert report.counts["images", "created"] == report.counts["images", "deleted"] == 0
    image = Image.objects.get(pk=with_image.pk)
    values = {column: getattr(image, column) for column in IMAGE_COLUMNS}
    values["file"] = image.file.name
    assert values == {**WITH_FILE, name: CORRECTED[name]}


def test_a_document_unchanged_leaves_every_image_unchanged(with_image):
    """The comparison by name finds nothing to do when nothing changed."""
    document = issue_document(with_image)
    report = import_file(name="same.json", data=json.dumps(document).encode())
    assert report.error is None, report.error
    assert not report.changed


@pytest.mark.parametrize("name", IMAGE_EDITED_COLUMNS)
def test_an_editors_write_of_any_edited_column_is_a_revision_and_a_feed_event(
    with_image, editor, name
):
    """The API's image writes, its article's revisions and the change feed take the
    columns an editor writes from the same declaration: a change to any one of them is
    accepted, recorded and announced."""
    record_existing()
    api = APIClient()
    api.force_authenticate(editor)
    value = None if name == "file" else CORRECTED[name]
    response = api.patch(f"/api/v1/images/{with_image.pk}/", {name: value}, format="json")
    assert response.status_code == 200, response.content
    change = Change.objects.get(source="api")
    assert (change.article_id, change.changed_fields) == (with_image.article_id, ["images"])
    announced = Event.objects.filter(type="image", object_id=with_image.pk, action="updated")
    assert {event.feed for event in announced} == {"staff", "readers"}
