"""A researcher's first session, through the documented routes alone: how often the
paper wrote about miners each year, then the citations of the ten most relevant."""

import datetime as dt

import bibtexparser
import pytest
from bibtexparser.bparser import BibTexParser

from articles.models import Article
from tests.factories import ArticleFactory

# bibtexparser 1.4 calls pyparsing's old names.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def miners_archive(seed):
    """Twelve published articles about the miners over three years, one about something
    else, and a draft about the miners that no public figure may count."""
    for number in range(12):
        ArticleFactory(
            headline=f"Miners hold the line, day {number}",
            body="The miners voted to stay out.",
            published_at=dt.datetime(1984 + number % 3, 3, 12, 9, tzinfo=dt.UTC),
        )
    ArticleFactory(headline="Dockers join the strike", body="The docks are shut.")
    ArticleFactory(
        headline="Miners draft",
        body="The miners, in a draft.",
        status=Article.Status.DRAFT,
        published_at=None,
    )


def test_counts_per_year_then_the_top_ten_as_bibtex(api, miners_archive):
    counts = api.get("/api/v1/articles/counts/", {"q": "miners", "by": "year"})
    assert counts.status_code == 200
    per_year = {group["key"]: group["count"] for group in counts.json()["results"]}
    assert per_year == {"1984": 4, "1985": 4, "1986": 4}

    listed = api.get("/api/v1/articles/", {"q": "miners", "page_size": 10})
    assert listed.json()["count"] == sum(per_year.values())

    cited = api.get("/api/v1/articles/", {"q": "miners", "page_size": 10, "format": "bibtex"})
    assert cited.status_code == 200
    parser = BibTexParser(common_strings=True)
    entries = bibtexparser.loads(cited.content.decode(), parser=parser).entries
    assert [entry["ID"] for entry in entries] == [item["slug"] for item in listed.json()["results"]]
    assert all(entry["title"].startswith("{Miners hold the line") for entry in entries)
    assert {entry["journal"] for entry in entries} == {"Socialist Worker"}
