"""A reproducible synthetic archive as interchange documents, for measuring the importer."""

import datetime as dt
import random
from collections.abc import Iterator

from articles.importing.interchange import VERSION

_SYLLABLES = [consonant + vowel for consonant in "bdklmnrst" for vowel in "aeiou"]


def _word(rng: random.Random) -> str:
    return "".join(rng.choices(_SYLLABLES, k=rng.randint(1, 4)))


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(_word(rng) for _ in range(words)).capitalize() + "."


def _name(rng: random.Random) -> str:
    return f"{_word(rng).capitalize()} {_word(rng).capitalize()}"


def synthetic_documents(*, articles: int, per_issue: int = 20, seed: int = 0) -> Iterator[dict]:
    """``articles`` articles in issues of ``per_issue``: bodies of about 5,000 characters,
    one or two bylines from a shared pool, some images, some reading lists."""
    rng = random.Random(seed)
    pool = sorted({_name(rng) for _ in range(max(50, articles // 5))})
    authors = {f"{name.lower().replace(' ', '-')}-{i}": name for i, name in enumerate(pool)}
    slugs = list(authors)
    start = dt.datetime(1990, 1, 2, 9, tzinfo=dt.UTC)
    for issue_index, first in enumerate(range(0, articles, per_issue)):
        used_authors, books, documents = set(), {}, []
        for n in range(first, min(first + per_issue, articles)):
            byline = rng.sample(slugs, rng.choice((1, 1, 1, 2)))
            used_authors.update(byline)
            paragraphs = [_sentence(rng, rng.randint(12, 30)) for _ in range(rng.randint(12, 18))]
            paragraphs.insert(len(paragraphs) // 2, f"## {_sentence(rng, 3)[:-1]}")
            groups = []
            if rng.random() < 0.4:
                entries = []
                for _ in range(2):
                    writer = rng.choice(slugs)
                    used_authors.add(writer)
                    title = _sentence(rng, 3)[:-1]
                    slug = f"{title.lower().replace(' ', '-')}-{n}"
                    books[slug] = {
                        "slug": slug,
                        "title": title,
                        "authors": [writer],
                        "publisher": "",
                        "year": None,
                        "isbn": "",
                        "series": "",
                        "volume": None,
                    }
                    entries.append({"text": f"{title} by {authors[writer]}", "books": [slug]})
                groups.append({"heading": "Further reading:", "entries": entries})
            documents.append(
                {
                    "slug": f"synthetic-article-{n}",
                    "headline": _sentence(rng, 6)[:-1],
                    "standfirst": _sentence(rng, 20),
                    "body": "\n\n".join(paragraphs),
                    "published_at": (start + dt.timedelta(hours=n))
                    .isoformat()
                    .replace("+00:00", "Z"),
                    "status": "published",
                    "source": f"synthetic-{seed}",
                    "authors": byline,
                    "images": [
                        {
                            "caption": _sentence(rng, 8),
                            "credit": "",
                            "alt_text": "",
                            "file": "",
                            "width": None,
                            "height": None,
                        }
                        for _ in range(rng.choice((0, 0, 1, 2)))
                    ],
                    "reading_list": {"groups": groups, "note": ""},
                }
            )
        yield {
            "version": VERSION,
            "publication": {"slug": "synthetic-times", "name": "Synthetic Times"},
            "issue": {
                "number": issue_index + 1,
                "slug": f"synthetic-times-{issue_index + 1}",
                "date": None,
            },
            "authors": [
                {"slug": slug, "name": authors[slug], "bio": ""} for slug in sorted(used_authors)
            ],
            "books": [books[slug] for slug in sorted(books)],
            "articles": documents,
        }
