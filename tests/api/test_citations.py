"""Articles as citations (``api.citations``): BibTeX, RIS and CSL-JSON, read back by
real parsers and validated against the official CSL-JSON schema."""

import json
from pathlib import Path

import bibtexparser
import jsonschema
import pytest
import rispy
from bibtexparser.bparser import BibTexParser
from bibtexparser.customization import splitname
from django.db import connection

from api.citations import Name, bibtex, citation, split_name
from articles.models import Article, Issue
from tests.factories import ArticleFactory, AuthorFactory, IssueFactory

from .utils import clear_cached_answers, redis_at

# bibtexparser 1.4 calls pyparsing's old names.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

SEED = "/api/v1/articles/trotskys-socialism/"
SEED_URL = f"http://testserver{SEED}"
CSL_SCHEMA = json.loads(
    (Path(__file__).resolve().parents[1] / "data" / "csl-data.json").read_text()
)
MEDIA_TYPES = {
    "bibtex": "application/x-bibtex",
    "ris": "application/x-research-info-systems",
    "csl": "application/vnd.citationstyles.csl+json",
}
# A headline with every character BibTeX treats specially.
AWKWARD = "Pay & conditions: 100% {won} for #strike_fund, $5 \\ ~ ^ ‘café’"
SEARCH_PROBE = 2 if connection.vendor == "postgresql" else 0


def bibtex_entries(response):
    parser = BibTexParser(common_strings=True)
    return bibtexparser.loads(response.content.decode(), parser=parser).entries


def ris_records(response):
    return rispy.loads(response.content.decode())


def validate_csl(items):
    """Valid CSL-JSON: the schema describes a file, an array of items."""
    jsonschema.validate(items, CSL_SCHEMA)


def get(api, url, kind, how, **params):
    """``url`` in the citation format ``kind``, asked for by ``?format=`` or ``Accept``."""
    if how == "format":
        return api.get(url, {"format": kind, **params})
    return api.get(url, params, HTTP_ACCEPT=MEDIA_TYPES[kind])


@pytest.fixture
def two_authors(db):
    """An article by two authors, one with a particle and one known by a single name,
    under a headline full of BibTeX's special characters."""
    issue = IssueFactory(number=2216)
    return ArticleFactory(
        issue=issue,
        headline=AWKWARD,
        slug="pay-and-conditions",
        authors=[AuthorFactory(name="Rosa de la Cruz"), AuthorFactory(name="Socrates")],
    )


@pytest.mark.parametrize("how", ["format", "accept"])
def test_the_seed_in_bibtex(api, seed, how):
    """An ``@article`` keyed by the slug, with the publication as ``journal``."""
    response = get(api, SEED, "bibtex", how)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-bibtex; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="trotskys-socialism.bib"'
    [entry] = bibtex_entries(response)
    assert entry == {
        "ENTRYTYPE": "article",
        "ID": "trotskys-socialism",
        "author": "Choonara, Esme",
        "title": "{Trotsky’s socialism}",
        "journal": "Socialist Worker",
        "number": "2215",
        "entrysubtype": "newspaper",
        "date": "2010-08-17",
        "year": "2010",
        "month": "August",
        "url": SEED_URL,
    }


@pytest.mark.parametrize("how", ["format", "accept"])
def test_the_seed_in_ris(api, seed, how):
    """A ``NEWS`` record: the byline inverted, the publication as ``T2``."""
    response = get(api, SEED, "ris", how)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-research-info-systems; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="trotskys-socialism.ris"'
    text = response.content.decode()
    assert text.startswith("TY  - NEWS\r\n") and text.endswith("ER  - \r\n\r\n")
    assert ris_records(response) == [
        {
            "type_of_reference": "NEWS",
            "id": "trotskys-socialism",
            "authors": ["Choonara, Esme"],
            "title": "Trotsky’s socialism",
            "secondary_title": "Socialist Worker",
            "number": "2215",
            "year": "2010",
            "date": "2010/08/17/",
            "urls": [SEED_URL],
        }
    ]


@pytest.mark.parametrize("how", ["format", "accept"])
def test_the_seed_in_csl_json(api, seed, how):
    """One CSL-JSON item, dated in the archive's time zone: 18:05 BST on 17 August."""
    response = get(api, SEED, "csl", how)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.citationstyles.csl+json; charset=utf-8"
    item = response.json()
    validate_csl([item])
    assert item == {
        "id": "trotskys-socialism",
        "type": "article-newspaper",
        "title": "Trotsky’s socialism",
        "author": [{"family": "Choonara", "given": "Esme"}],
        "container-title": "Socialist Worker",
        "issue": 2215,
        "issued": {"date-parts": [[2010, 8, 17]]},
        "URL": SEED_URL,
    }


def test_a_late_evening_article_is_dated_in_the_archives_time_zone(api, db):
    """23:30 UTC on 17 August 2010 is 00:30 on the 18th in London."""
    article = ArticleFactory(published_at="2010-08-17T23:30:00Z")
    item = api.get(f"/api/v1/articles/{article.slug}/", {"format": "csl"}).json()
    assert item["issued"] == {"date-parts": [[2010, 8, 18]]}


def test_two_authors_and_special_characters_in_bibtex(api, two_authors):
    """Authors joined with ``and`` in BibTeX's own name order; special characters escaped,
    so that the entry parses whole."""
    response = api.get("/api/v1/articles/pay-and-conditions/", {"format": "bibtex"})
    [entry] = bibtex_entries(response)
    assert entry["title"] == (
        r"{Pay \& conditions: 100\% \{won\} for \#strike\_fund, \$5 \textbackslash{} "
        r"\textasciitilde{} \textasciicircum{} ‘café’}"
    )
    first, second = entry["author"].split(" and ")
    assert splitname(first) == {"first": ["Rosa"], "von": ["de", "la"], "last": ["Cruz"], "jr": []}
    assert second == "{Socrates}"
    assert entry["number"] == "2216"
    assert entry["url"] == "http://testserver/api/v1/articles/pay-and-conditions/"


def test_two_authors_in_ris_and_csl_json(api, two_authors):
    url = "/api/v1/articles/pay-and-conditions/"
    [record] = ris_records(api.get(url, {"format": "ris"}))
    assert record["authors"] == ["de la Cruz, Rosa", "Socrates"]
    assert record["title"] == AWKWARD
    item = api.get(url, {"format": "csl"}).json()
    validate_csl([item])
    assert item["author"] == [
        {"family": "Cruz", "given": "Rosa", "non-dropping-particle": "de la"},
        {"literal": "Socrates"},
    ]
    assert item["title"] == AWKWARD


def test_one_byline_name_for_two_people_stays_one_bibtex_author():
    """BibTeX separates authors with "and": a name holding one is kept whole, braced."""
    item = citation(
        {
            "slug": "joint",
            "headline": "Joint statement",
            "authors": [{"name": "Tony Cliff and Donny Gluckstein"}, {"name": "Esme Choonara"}],
            "issue": {"number": 1, "publication": {"name": "Socialist Worker"}},
            "published_at": None,
            "url": "http://testserver/api/v1/articles/joint/?format=bibtex",
        }
    )
    [entry] = bibtexparser.loads(bibtex([item])).entries
    assert entry["author"] == "{Tony Cliff and Donny Gluckstein} and Choonara, Esme"
    assert entry["url"] == "http://testserver/api/v1/articles/joint/"
    assert "year" not in entry


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("Esme Choonara", Name(family="Choonara", given="Esme")),
        ("Socrates", Name(literal="Socrates")),
        ("Charles de Gaulle", Name(family="Gaulle", given="Charles", particle="de")),
        ("Ludwig Mies van der Rohe", Name(family="Rohe", given="Ludwig Mies", particle="van der")),
        ("Martin Luther King Jr.", Name(family="King", given="Martin Luther", suffix="Jr.")),
        ("bell hooks", Name(family="hooks", given="bell")),
        ("Choonara, Esme", Name(family="Choonara", given="Esme")),
    ],
)
def test_names_in_their_parts(name, parts):
    """The last word is the family name, lowercase words before it a particle, a trailing
    Jr. a suffix; a single word is kept whole."""
    assert split_name(name) == parts


@pytest.mark.parametrize("kind", ["bibtex", "ris", "csl"])
def test_a_page_of_search_results_is_one_file(api, seed, kind):
    """The page's articles, no more: ``page_size`` applies, and the next page is linked."""
    for number in range(3):
        ArticleFactory(headline=f"Trotsky and the strike {number}")
    response = api.get("/api/v1/articles/", {"q": "trotsky", "page_size": 2, "format": kind})
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="articles.{ {"bibtex": "bib", "ris": "ris", "csl": "json"}[kind] }"'
    )
    assert response["X-Total-Count"] == "4"
    assert f"format={kind}" in response["Link"] and 'rel="next"' in response["Link"]
    if kind == "bibtex":
        keys = [entry["ID"] for entry in bibtex_entries(response)]
    elif kind == "ris":
        keys = [record["id"] for record in ris_records(response)]
    else:
        items = response.json()
        validate_csl(items)
        keys = [item["id"] for item in items]
    expected = [a["slug"] for a in api.get("/api/v1/articles/", {"q": "trotsky"}).json()["results"]]
    assert keys == expected[:2]


@pytest.mark.parametrize("kind", ["bibtex", "ris", "csl"])
def test_drafts_are_a_json_404_for_anonymous_readers(api, editor_api, unpublished, kind):
    """The same visibility as the detail, scheduled articles included; an editor may cite
    them."""
    for article in unpublished:
        url = f"/api/v1/articles/{article.slug}/"
        response = api.get(url, {"format": kind})
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert "Content-Disposition" not in response
        assert api.get(url, HTTP_ACCEPT=MEDIA_TYPES[kind]).status_code == 404
        assert editor_api.get(url, {"format": kind}).status_code == 200
    listed = api.get("/api/v1/articles/", {"format": kind}).content.decode()
    assert "trotskys-socialism" in listed
    assert not any(article.slug in listed for article in unpublished)


@pytest.mark.parametrize("how", ["format", "accept"])
def test_errors_stay_json(api, seed, how):
    """A 404 or a 400 never goes through a citation renderer."""
    missing = get(api, "/api/v1/articles/nope/", "ris", how)
    assert missing.status_code == 404
    assert missing["Content-Type"] == "application/json"
    assert "detail" in missing.json()
    bad = get(api, "/api/v1/articles/", "bibtex", how, page_size=0)
    assert bad.status_code == 400
    assert bad["Content-Type"] == "application/json"
    assert bad.json() == {"page_size": ["Must be 1 or more."]}


def test_a_draft_without_a_publication_time_takes_its_issues_date(editor_api, db):
    issue = IssueFactory(date="2010-08-21")
    draft = ArticleFactory(issue=issue, status=Article.Status.DRAFT, published_at=None)
    item = editor_api.get(f"/api/v1/articles/{draft.slug}/", {"format": "csl"}).json()
    validate_csl([item])
    assert item["issued"] == {"date-parts": [[2010, 8, 21]]}


@pytest.mark.parametrize("kind", ["bibtex", "ris", "csl"])
def test_the_website_url_when_frontend_urls_give_one(api, seed, settings, kind):
    settings.FRONTEND_URLS = "article=https://www.example.org/{year}/{slug}/"
    page = "https://www.example.org/2010/trotskys-socialism/"
    body = api.get(SEED, {"format": kind}).content.decode()
    assert page in body and "testserver" not in body


def test_fields_does_not_narrow_a_citation(api, seed):
    """A citation needs what it needs: ``fields`` shapes the JSON only."""
    [record] = ris_records(api.get(SEED, {"format": "ris", "fields": "slug"}))
    assert record["title"] == "Trotsky’s socialism"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (SEED, 1),
        ("/api/v1/articles/?page_size={size}", 1),
        ("/api/v1/articles/?q=trotsky&page_size={size}", 1 + SEARCH_PROBE),
    ],
)
@pytest.mark.parametrize("kind", ["bibtex", "ris", "csl"])
def test_query_counts_are_pinned_and_flat(
    api, seed, django_assert_num_queries, url, expected, kind
):
    """As many queries as the JSON answer, for one article as for a hundred."""
    for size in (1, 100):
        if size == 100:
            issue = Issue.objects.get(slug="socialist-worker-2215")
            for _ in range(30):
                ArticleFactory(
                    issue=issue, body="Trotsky.", authors=[AuthorFactory(), AuthorFactory()]
                )
        target = url.format(size=size)
        target += f"{'&' if '?' in target else '?'}format={kind}"
        api.get(target)
        clear_cached_answers()
        with django_assert_num_queries(expected):
            response = api.get(target)
        assert response.status_code == 200
        assert response["Content-Type"].startswith(MEDIA_TYPES[kind])


def test_the_schema_documents_the_formats(api, db):
    schema = api.get("/api/v1/schema/", {"format": "json"}).json()
    for path in ("/api/v1/articles/", "/api/v1/articles/{slug}/"):
        operation = schema["paths"][path]["get"]
        [parameter] = [p for p in operation["parameters"] if p["name"] == "format"]
        assert parameter["schema"]["enum"] == ["json", "bibtex", "ris", "csl"]
        content = operation["responses"]["200"]["content"]
        assert content["application/x-bibtex"]["schema"]["type"] == "string"
        assert content["application/x-research-info-systems"]["schema"]["type"] == "string"
    list_content = schema["paths"]["/api/v1/articles/"]["get"]["responses"]["200"]["content"]
    assert list_content[MEDIA_TYPES["csl"]]["schema"]["type"] == "array"
    issues = schema["paths"]["/api/v1/issues/"]["get"]
    assert "format" not in [p["name"] for p in issues["parameters"]]
    assert list(issues["responses"]["200"]["content"]) == ["application/json"]


class TestTheResponseCache:
    """The cache keeps data, not bytes: each format is rendered from it, under its own
    ``ETag``, and an answer in one format is never served for another."""

    @pytest.fixture(autouse=True)
    def redis_cache(self):
        with redis_at():
            yield

    def test_a_cached_json_answer_is_not_served_for_bibtex(self, api, seed):
        as_json = api.get(SEED)
        assert as_json["Content-Type"] == "application/json"
        assert "Accept" in as_json["Vary"]
        as_bibtex = api.get(SEED, HTTP_ACCEPT="application/x-bibtex")
        assert as_bibtex["Content-Type"] == "application/x-bibtex; charset=utf-8"
        assert "Accept" in as_bibtex["Vary"]
        assert bibtex_entries(as_bibtex)[0]["ID"] == "trotskys-socialism"
        assert as_bibtex["ETag"] != as_json["ETag"]
        assert api.get(SEED).json()["headline"] == "Trotsky’s socialism"

    def test_a_cached_sparse_json_answer_is_not_cited(self, api, seed):
        """``fields`` narrows the JSON that is cached; a citation under the same URL
        still has everything it needs."""
        assert api.get(SEED, {"fields": "slug"}).json() == {"slug": "trotskys-socialism"}
        response = api.get(SEED, {"fields": "slug"}, HTTP_ACCEPT=MEDIA_TYPES["ris"])
        assert ris_records(response)[0]["title"] == "Trotsky’s socialism"

    @pytest.mark.parametrize("kind", ["bibtex", "ris", "csl"])
    def test_conditional_gets_per_format(self, api, seed, django_assert_num_queries, kind):
        first = api.get(SEED, HTTP_ACCEPT=MEDIA_TYPES[kind])
        etag = first["ETag"]
        assert etag != api.get(SEED)["ETag"]
        with django_assert_num_queries(0):
            again = api.get(SEED, HTTP_ACCEPT=MEDIA_TYPES[kind])
        assert again.content == first.content
        with django_assert_num_queries(0):
            cached = api.get(SEED, HTTP_ACCEPT=MEDIA_TYPES[kind], HTTP_IF_NONE_MATCH=etag)
        assert cached.status_code == 304
        assert api.get(SEED, HTTP_IF_NONE_MATCH=etag).status_code == 200
