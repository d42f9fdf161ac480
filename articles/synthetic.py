"""Synthetic data for benchmarks: a reproducible archive of interchange documents, one
per weekly issue.

``manage.py generate_archive`` loads it for benchmarks, and the importer's tests measure
themselves with it. The same seed always gives the same documents, and each issue's
document depends only on the seed, the archive's size and the issue's number, so worker
processes can generate issues in any order and still load the same archive.

The text follows Zipf's law over a vocabulary of English function words (``the``,
``of``…: stop words to the search index) and then made-up words built from the syllables
below (no ``c``, ``f``, ``g``, ``p``, ``v``, ``w``, ``y`` or ``z``), so no real word with
meaning occurs by accident. Into it go marker words at known rates, which give search
every selectivity a benchmark needs:

============================  ================================  ===================
word class                    query                             articles
============================  ================================  ===================
common                        ``government``                    20%
medium                        ``election``                      2.5%
rare                          ``referendum``                    0.1%
phrase                        ``"permanent revolution"``        1%
absent                        ``zeppelin``                      none
============================  ================================  ===================
"""

import datetime as dt
import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo

from django.utils.text import slugify

from articles.importing.interchange import VERSION
from articles.importing.runner import ParsedFile, parse_document

COMMON_WORD = "government"
MEDIUM_WORD = "election"
RARE_WORD = "referendum"
ABSENT_WORD = "zeppelin"
PHRASE = "permanent revolution"
# The share of articles whose body carries each marker.
MARKER_RATES = {COMMON_WORD: 0.20, MEDIUM_WORD: 0.025, RARE_WORD: 0.001, PHRASE: 0.01}

FIRST_ISSUE = dt.date(1968, 1, 4)
# Weekly from 1968 to about 2025; beyond that many issues a further title begins.
ISSUES_PER_TITLE = 3000
VOCABULARY = 20_000

# The most frequent words are English function words, as in real text, where they are
# about 40% of what is written: the search index drops them as stop words.
_FUNCTION_WORDS = [
    "the",
    "of",
    "and",
    "to",
    "a",
    "in",
    "that",
    "is",
    "was",
    "he",
    "for",
    "it",
    "with",
    "as",
    "his",
    "on",
    "be",
    "at",
    "by",
    "had",
    "are",
    "but",
    "from",
    "or",
    "have",
    "an",
    "they",
    "which",
    "one",
    "were",
    "all",
    "we",
    "their",
    "has",
    "been",
    "would",
    "there",
    "when",
    "who",
    "will",
    "more",
    "no",
    "if",
    "out",
    "so",
    "said",
    "what",
    "up",
    "its",
    "about",
    "into",
    "than",
    "them",
    "can",
    "only",
    "other",
    "new",
    "some",
    "could",
    "these",
]
_SYLLABLES = [consonant + vowel for consonant in "bdklmnrst" for vowel in "aeiou"]
# Bylines of one, two or three authors, most of them one (1.3 on average).
_BYLINE_SIZES, _BYLINE_WEIGHTS = (1, 2, 3), (75, 20, 5)
# How many topics an article is filed under, and how often, when the archive has topics.
_TOPIC_COUNTS, _TOPIC_WEIGHTS = (0, 1, 2, 3), (40, 35, 20, 5)


def _made_up_word(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choices(_SYLLABLES, k=syllables))


def _zipf_cumulative(count: int, exponent: float) -> list[float]:
    return list(itertools.accumulate(1 / rank**exponent for rank in range(1, count + 1)))


@cache
def _vocabulary(seed: int) -> tuple[list[str], list[float]]:
    rng = random.Random(f"{seed}:vocabulary")
    words = dict.fromkeys(_FUNCTION_WORDS)
    while len(words) < VOCABULARY:
        # Frequent words are short, as in any language (there are 2,025 of two syllables).
        syllables = 2 if len(words) < 1000 else 3 if len(words) < 10_000 else 4
        words[_made_up_word(rng, syllables)] = None
    return list(words), _zipf_cumulative(VOCABULARY, 1.0)


def _made_up_names(rng: random.Random, count: int, *, title_second: bool) -> dict[str, str]:
    """``count`` two-word names of made-up words, by slug, each slug once."""
    names = {}
    while len(names) < count:
        first, second = _made_up_word(rng, 2).title(), _made_up_word(rng, 3)
        name = f"{first} {second.title() if title_second else second}"
        names.setdefault(slugify(name), name)
    return names


@cache
def _author_pool(seed: int, count: int) -> tuple[list[tuple[str, str]], list[float]]:
    names = _made_up_names(random.Random(f"{seed}:authors"), count, title_second=True)
    return list(names.items()), _zipf_cumulative(count, 0.7)


@cache
def _book_pool(seed: int, authors: int, count: int) -> list[dict]:
    rng = random.Random(f"{seed}:books")
    words, cumulative = _vocabulary(seed)
    pool, _ = _author_pool(seed, authors)
    books, slugs = [], set()
    while len(books) < count:
        title = " ".join(rng.choices(words, cum_weights=cumulative, k=rng.randint(2, 5))).title()
        slug = slugify(title)
        if slug in slugs:
            continue
        slugs.add(slug)
        writers = sorted({rng.choice(pool)[0] for _ in range(rng.choice((1, 1, 1, 2)))})
        books.append(
            {
                "slug": slug,
                "title": title,
                "authors": writers,
                "publisher": rng.choice(("", "Bookmarks", "Verso", "Pluto Press")),
                "year": rng.randint(1900, 2024),
                "isbn": "",
                "series": "",
                "volume": None,
            }
        )
    return books


@cache
def _topic_pool(seed: int, count: int) -> tuple[list[dict], list[float]]:
    names = _made_up_names(random.Random(f"{seed}:topics"), count, title_second=False)
    pool = [{"slug": slug, "name": name, "description": ""} for slug, name in names.items()]
    return pool, _zipf_cumulative(count, 1.0)


@dataclass(frozen=True)
class SyntheticArchive:
    """``articles`` articles in issues of ``per_issue``, by a pool of ``authors``.

    Bodies are about 5,000 characters; authors are credited with a skewed (Zipf-like)
    frequency, so a few write thousands of articles and most a handful; 30% of articles
    have images (captions only) and 10% a reading list from a shared pool of books. With
    ``topics``, 60% of articles are filed under one to three of that many topics, also
    skewed: the first holds about a quarter of the filings. Imports never invent topics,
    so they must exist before the documents are imported (``topic_pool``).
    """

    articles: int
    authors: int = 5000
    seed: int = 0
    per_issue: int = 50
    title: str = "Synthetic Weekly"
    topics: int = 0

    @property
    def issues(self) -> int:
        return -(-self.articles // self.per_issue)

    def documents(self) -> Iterator[dict]:
        return map(self.document, range(self.issues))

    # Worker processes receive a copy of the archive with every issue they are given, so
    # its pools live in module-level caches rather than on the instance: built once per
    # process, not once per issue.
    @property
    def _words(self) -> tuple[list[str], list[float]]:
        return _vocabulary(self.seed)

    @property
    def _author_pool(self) -> tuple[list[tuple[str, str]], list[float]]:
        """(slug, name) pairs, and cumulative weights that skew bylines towards the first."""
        return _author_pool(self.seed, self.authors)

    @property
    def _book_pool(self) -> list[dict]:
        return _book_pool(self.seed, self.authors, max(50, self.articles // 100))

    @property
    def topic_pool(self) -> list[dict]:
        """The archive's topics, as ``Topic`` fields."""
        return _topic_pool(self.seed, self.topics)[0]

    def _topic_slugs(self, rng: random.Random) -> list[str]:
        pool, cumulative = _topic_pool(self.seed, self.topics)
        count = min(rng.choices(_TOPIC_COUNTS, _TOPIC_WEIGHTS)[0], self.topics)
        chosen = rng.choices(pool, cum_weights=cumulative, k=count)
        return sorted({topic["slug"] for topic in chosen})

    def _text(self, rng: random.Random, count: int) -> list[str]:
        words, cumulative = self._words
        return rng.choices(words, cum_weights=cumulative, k=count)

    def _sentence(self, rng: random.Random, count: int) -> str:
        return " ".join(self._text(rng, count)).capitalize() + "."

    def _body(self, rng: random.Random) -> str:
        lengths = [
            [rng.randint(10, 25) for _ in range(rng.randint(3, 5))]
            for _ in range(rng.randint(10, 14))
        ]
        # One draw for the whole body rather than one per sentence: the body is most of the
        # generator's work.
        words = iter(self._text(rng, sum(map(sum, lengths))))
        paragraphs = [
            [" ".join(itertools.islice(words, length)).capitalize() + "." for length in sentences]
            for sentences in lengths
        ]
        for marker, rate in MARKER_RATES.items():
            if rng.random() < rate:
                sentences = rng.choice(paragraphs)
                position = rng.randrange(len(sentences))
                sentences[position] = sentences[position][:-1] + f" {marker}."
        text = [" ".join(sentences) for sentences in paragraphs]
        text.insert(len(text) // 2, "## " + self._sentence(rng, rng.randint(2, 5))[:-1])
        return "\n\n".join(text)

    def _reading_groups(
        self, rng: random.Random, used_books: dict[str, dict], used_authors: set[str]
    ) -> list[dict]:
        """One or two groups of one to three entries from the shared pool of books; the
        books named, and their authors, are noted in ``used_books`` and ``used_authors``."""
        groups = []
        for _ in range(rng.randint(1, 2)):
            entries = []
            for _ in range(rng.randint(1, 3)):
                named = rng.sample(self._book_pool, rng.choice((1, 1, 1, 2)))
                for book in named:
                    used_books[book["slug"]] = book
                    used_authors.update(book["authors"])
                entries.append(
                    {
                        "text": "; ".join(book["title"] for book in named),
                        "books": [book["slug"] for book in named],
                    }
                )
            groups.append({"heading": self._sentence(rng, 3)[:-1] + ":", "entries": entries})
        return groups

    def _images(self, rng: random.Random, photographer: str) -> list[dict]:
        """Captioned images with no file, on 30% of articles."""
        return [
            {
                "caption": self._sentence(rng, rng.randint(5, 12)),
                "credit": rng.choice(("", f"Photo: {photographer}")),
                "alt_text": "",
                "file": "",
                "width": None,
                "height": None,
            }
            for _ in range(rng.choice((1, 1, 2, 3)) if rng.random() < 0.3 else 0)
        ]

    def scraped_pages(self, first_issue: int = 0) -> Iterator[tuple[str, str]]:
        """Every article from the issue at ``first_issue`` on as a scraped page (the seed's
        text format), one file each, as (file name, text): the archivist's real source,
        for measuring its import."""
        for index in range(first_issue, self.issues):
            document = self.document(index)
            for position, article in enumerate(document["articles"], 1):
                name = f"{document['issue']['slug']}-{position:03}.txt"
                yield name, scraped_page(document, article)

    def sources(self) -> Iterator["GeneratedIssue"]:
        """The archive's issues as sources for the importer, each generated when imported."""
        return (GeneratedIssue(self, index) for index in range(self.issues))

    def document(self, index: int) -> dict:
        """The interchange document of the issue at ``index`` (0 for the first)."""
        rng = random.Random(f"{self.seed}:issue:{index}")
        title_number, number = divmod(index, ISSUES_PER_TITLE)
        title = self.title if title_number == 0 else f"{self.title} {title_number + 1}"
        publication = slugify(title)
        date = FIRST_ISSUE + dt.timedelta(weeks=number)
        authors, author_weights = self._author_pool
        names = dict(authors)
        used_authors, used_books, articles = set(), {}, []
        first = index * self.per_issue
        for n in range(first, min(first + self.per_issue, self.articles)):
            size = rng.choices(_BYLINE_SIZES, _BYLINE_WEIGHTS)[0]
            byline = list(
                dict.fromkeys(
                    slug for slug, _ in rng.choices(authors, cum_weights=author_weights, k=size)
                )
            )
            used_authors.update(byline)
            groups = []
            if rng.random() < 0.10:
                groups = self._reading_groups(rng, used_books, used_authors)
            images = self._images(rng, names[byline[0]])
            headline = self._sentence(rng, rng.randint(3, 8))[:-1]
            published_at = dt.datetime.combine(date, dt.time(6), dt.UTC) + dt.timedelta(
                minutes=10 * (n - first)
            )
            article = {
                "slug": f"{slugify(headline)[:200]}-{publication}-{number + 1}-{n - first + 1}",
                "headline": headline,
                "standfirst": self._sentence(rng, rng.randint(15, 30)),
                "body": self._body(rng),
                "published_at": published_at.isoformat().replace("+00:00", "Z"),
                # A few drafts, so that visibility rules have something to hide.
                "status": "draft" if rng.random() < 0.01 else "published",
                "source": f"synthetic archive, seed {self.seed}",
                "authors": byline,
                "images": images,
                "reading_list": {
                    "groups": groups,
                    "note": "All available from Bookmarks." if groups else "",
                },
            }
            if self.topics:
                article["topics"] = self._topic_slugs(rng)
            articles.append(article)
        return {
            "version": VERSION,
            "publication": {"slug": publication, "name": title},
            "issue": {
                "number": number + 1,
                "slug": f"{publication}-{number + 1}",
                "date": date.isoformat(),
            },
            "authors": [
                {"slug": slug, "name": names[slug], "bio": ""} for slug in sorted(used_authors)
            ],
            "books": [used_books[slug] for slug in sorted(used_books)],
            "articles": articles,
        }


_LONDON = ZoneInfo("Europe/London")
_SCRAPED_FURNITURE = (
    "Click here to subscribe to our daily morning email newsletter 'Breakfast in red'",
    "Article information",
)


def scraped_page(document: dict, article: dict) -> str:
    """One article of an interchange document as the site printed it: masthead, headline,
    standfirst, issue line, byline, each caption twice, the body (a subheading bare), the
    reading list as bullets "Title by Author", the furniture and the date line. Importing
    it gives the article back, but for what a page does not carry (slug, status, image
    credits, book details)."""
    names = {author["slug"]: author["name"] for author in document["authors"]}
    books = {book["slug"]: book for book in document["books"]}
    number = document["issue"]["number"]
    lines = [
        document["publication"]["name"],
        article["headline"],
        article["standfirst"],
        f"Issue No. {number}",
        "by " + " and ".join(names[slug] for slug in article["authors"]),
    ]
    for image in article["images"]:
        lines += [image["caption"], image["caption"]]
    lines += [paragraph.removeprefix("## ") for paragraph in article["body"].split("\n\n")]
    if groups := article["reading_list"]["groups"]:
        lines.append("Further reading")
        for group in groups:
            lines.append(group["heading"])
            for entry in group["entries"]:
                for slug in entry["books"]:
                    credited = " and ".join(names[author] for author in books[slug]["authors"])
                    lines.append(f"  • {books[slug]['title']} by {credited}")
        lines.append(article["reading_list"]["note"])
    published = dt.datetime.fromisoformat(article["published_at"]).astimezone(_LONDON)
    lines += [
        *_SCRAPED_FURNITURE,
        f"{published:%a} {published.day} {published:%b %Y, %H:%M} {published.tzname()}",
        f"Issue No. {number}",
        "Share this article",
    ]
    return "\n\n".join(lines) + "\n"


@dataclass(frozen=True)
class GeneratedIssue:
    """One issue of a synthetic archive, as the importer's runner takes a file: the worker
    that imports it generates it, so generating runs in parallel too and no document is
    held longer than its import."""

    archive: SyntheticArchive
    index: int

    def parse(self, *, publication: str) -> ParsedFile:
        document = self.archive.document(self.index)
        return parse_document(name=f"{document['issue']['slug']}.json", document=document)


def synthetic_documents(
    *, articles: int, per_issue: int = 20, seed: int = 0, authors: int | None = None
) -> Iterator[dict]:
    """The documents of a ``SyntheticArchive``; by default one author per five articles."""
    pool = authors if authors is not None else max(50, articles // 5)
    archive = SyntheticArchive(articles=articles, authors=pool, seed=seed, per_issue=per_issue)
    return archive.documents()
