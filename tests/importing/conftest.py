import pytest

from articles.importing.runner import Upload, import_files
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
from tests.conftest import SAMPLES_DIR, SEED_SOURCE

ARCHIVE_MODELS = (
    Publication,
    Issue,
    Author,
    Book,
    BookAuthor,
    Article,
    ArticleAuthor,
    Article.topics.through,
    Image,
    ReadingListGroup,
    ReadingListEntry,
    ReadingListEntryBook,
)
SAMPLES = sorted(SAMPLES_DIR.glob("*.txt"))
SCRAPED = [SEED_SOURCE, *SAMPLES]


def database_state() -> dict[str, list[tuple]]:
    """Every row of every archive table, ids and timestamps included."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values_list())
        for model in ARCHIVE_MODELS
    }


def import_file(*, name, data, **options):
    """Import one file's bytes through the importer's runner; its report."""
    [report] = import_files([Upload(name, data)], **options)
    return report


def import_one(path, **options):
    """Import one file from disk through the importer's runner."""
    return import_file(name=str(path), data=path.read_bytes(), **options)


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in ARCHIVE_MODELS}


@pytest.fixture
def archive(seed):
    """The seed fixture plus every sample page: a small archive with four articles."""
    for path in SAMPLES:
        report = import_one(path)
        assert report.error is None, report.error
