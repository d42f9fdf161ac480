"""The Python half of the load run (tests/load/run.sh): prepare, edit, verify.

``prepare`` writes the interchange documents and the editor, ``edit`` is the editor saving
headlines through the admin and the API in turn while the load runs, ``verify`` checks
that nothing was lost. Everything a step hands to the next goes through files in the
run's work folder.
"""

import argparse
import json
import os
import secrets
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import requests

PER_ISSUE = 20
# Articles the editor keeps re-saving: enough to spread over issues, few enough to revisit.
EDITED_ARTICLES = 8


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")
    import django

    django.setup()


def prepare(work: Path, articles: int, batches: int, batch_articles: int) -> None:
    """One stream of synthetic documents, so the later batches share the first's authors
    but have issue numbers and slugs of their own: ``initial/`` is imported before the
    load, ``batch-NN/`` during it."""
    _django()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    from articles.models import Article
    from articles.synthetic import synthetic_documents

    if articles % PER_ISSUE or batch_articles % PER_ISSUE:
        sys.exit(f"article counts must be multiples of {PER_ISSUE}, the issue size")
    documents = synthetic_documents(
        articles=articles + batches * batch_articles, per_issue=PER_ISSUE, seed=0
    )
    folders = ["initial"] * (articles // PER_ISSUE) + [
        f"batch-{batch:02}" for batch in range(batches) for _ in range(batch_articles // PER_ISSUE)
    ]
    slugs: dict[str, list[str]] = {}
    for folder, document in zip(folders, documents, strict=True):
        (work / folder).mkdir(exist_ok=True)
        path = work / folder / f"{document['issue']['slug']}.json"
        path.write_text(json.dumps(document))
        slugs.setdefault(folder, []).extend(article["slug"] for article in document["articles"])

    password = secrets.token_urlsafe(24)
    editor = get_user_model().objects.create_user("load-editor", password=password, is_staff=True)
    editor.user_permissions.set(Permission.objects.filter(content_type__app_label="articles"))
    # The work folder is private to the run (mktemp -d) and removed with it.
    (work / "editor.json").write_text(
        json.dumps({"username": editor.username, "password": password})
    )
    (work / "expected.json").write_text(
        json.dumps({"before": list(Article.objects.values_list("slug", flat=True)), **slugs})
    )


def targets(work: Path) -> None:
    """After the initial import: the URLs wrk rotates through and the articles to edit."""
    _django()
    from articles.models import Article

    initial = json.loads((work / "expected.json").read_text())["initial"]
    # The reads are anonymous: a draft's page would be a 404, as it should.
    articles = list(
        Article.objects.published()
        .filter(slug__in=initial)
        .select_related("issue")
        .prefetch_related("authors")
        .order_by("slug")[:: max(1, Article.objects.count() // 40)]
    )
    if not articles:
        sys.exit("targets: none of the initial import's articles is in the database")
    paths = ["/api/v1/articles/", "/api/v1/articles/?page=2", "/api/v1/issues/"]
    for article in articles:
        paths += [
            f"/api/v1/articles/{article.slug}/",
            f"/api/v1/articles/?issue={article.issue.slug}",
            f"/api/v1/articles/?year={article.published_at.year}",
            f"/api/v1/articles/?q={article.headline.split()[0]}",
        ]
        paths += [f"/api/v1/articles/?author={author.slug}" for author in article.authors.all()]
    (work / "paths.txt").write_text("\n".join(paths) + "\n")
    edited = articles[:EDITED_ARTICLES]
    (work / "edit-targets.json").write_text(json.dumps({str(a.pk): a.slug for a in edited}))
    (work / "edited-before.json").write_text(json.dumps({a.slug: _contents(a) for a in edited}))


def _contents(article) -> dict:
    """All an admin save posts back besides the headline, so a save that drops an inline
    or mangles the body shows as a loss."""
    return {
        "standfirst": article.standfirst,
        "body": article.body,
        "published_at": article.published_at.isoformat(),
        "bylines": [byline.author.slug for byline in article.bylines.order_by("position")],
        "images": list(article.images.values_list("caption", flat=True)),
        "reading_list": [
            [entry.text, *entry.books.values_list("slug", flat=True)]
            for group in article.reading_groups.all()
            for entry in group.entries.all()
        ],
    }


class _FormFields(HTMLParser):
    """The values a browser would submit from the page's main form, submit buttons aside."""

    def __init__(self):
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "file", "button"):
            if attrs.get("type") not in ("checkbox", "radio") or "checked" in attrs:
                self.fields.append((name, attrs.get("value") or ""))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.fields.append((self._select, attrs.get("value") or ""))

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea:
            # A browser drops the one newline that follows <textarea>; html.parser keeps it.
            text = self._text[1:] if self._text.startswith("\n") else self._text
            self.fields.append((self._textarea, text))
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            self._text += data


class _LocalSession(requests.Session):
    """Production settings mark the session and CSRF cookies Secure; this run has no TLS
    (127.0.0.1 only), so the client keeps sending them over plain HTTP."""

    def request(self, *args, **kwargs):
        response = super().request(*args, **kwargs)
        for cookie in self.cookies:
            cookie.secure = False
        return response


def edit(work: Path, base_url: str, seconds: float) -> None:
    credentials = json.loads((work / "editor.json").read_text())
    articles = json.loads((work / "edit-targets.json").read_text())
    session = _LocalSession()
    login = f"{base_url}/admin/login/"
    session.get(login).raise_for_status()
    response = session.post(
        login,
        data={
            **credentials,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
            "next": "/admin/",
        },
        allow_redirects=False,
    )
    if response.status_code != 302:
        sys.exit(f"admin login failed: {response.status_code}")

    saved: dict[str, str] = {}
    saves = errors = 0
    run = secrets.token_hex(3)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pk, slug = list(articles.items())[saves % len(articles)]
        headline = f"Load edit {run}-{saves}"
        # Every other edit is the API's PATCH, as a front end's editor sends it.
        door = "API" if saves % 2 else "admin"
        if door == "API":
            response = session.patch(
                f"{base_url}/api/v1/articles/{slug}/",
                json={"headline": headline},
                headers={"X-CSRFToken": session.cookies["csrftoken"]},
            )
            done = response.status_code == 200
        else:
            url = f"{base_url}/admin/articles/article/{pk}/change/"
            form = _FormFields()
            form.feed(session.get(url).text)
            fields = [
                (name, headline if name == "headline" else value) for name, value in form.fields
            ]
            response = session.post(url, data=[*fields, ("_save", "Save")], allow_redirects=False)
            # A saved change form redirects to the list; a refused one comes back as a 200.
            done = response.status_code == 302
        saves += 1
        if done:
            saved[slug] = headline
        else:
            errors += 1
            print(f"{door} save of {slug} answered {response.status_code}", file=sys.stderr)
    (work / "edits.json").write_text(json.dumps({"saves": saves, "errors": errors, "saved": saved}))


def verify(work: Path, batches_done: int, base_url: str) -> None:
    _django()
    from django.db.models import Count

    from articles.models import Article

    expected = json.loads((work / "expected.json").read_text())
    slugs = expected["before"] + expected["initial"]
    for batch in range(batches_done):
        slugs += expected[f"batch-{batch:02}"]
    problems = []
    present = set(Article.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    if missing := sorted(set(slugs) - present):
        problems.append(f"{len(missing)} imported articles missing, e.g. {missing[:3]}")
    duplicates = (
        Article.objects.values("slug").annotate(copies=Count("id")).filter(copies__gt=1).count()
    )
    if duplicates:
        problems.append(f"{duplicates} slugs stored more than once")
    if (count := Article.objects.count()) != len(slugs):
        problems.append(f"{count} articles, expected {len(slugs)}")

    edits = json.loads((work / "edits.json").read_text())
    before = json.loads((work / "edited-before.json").read_text())
    for slug, headline in edits["saved"].items():
        article = Article.objects.get(slug=slug)
        if _contents(article) != before[slug]:
            problems.append(f"{slug}: an edit changed more than the headline")
        stored = article.headline
        served = requests.get(f"{base_url}/api/v1/articles/{slug}/").json()["headline"]
        if stored != headline or served != headline:
            problems.append(f"{slug}: saved {headline!r}, stored {stored!r}, served {served!r}")

    print(
        f"nothing lost: {len(slugs)} articles expected, {count} present, {duplicates} "
        f"duplicate slugs, {len(edits['saved'])} edited articles checked"
        if not problems
        else "LOST OR WRONG:\n  " + "\n  ".join(problems)
    )
    if problems:
        sys.exit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("step", choices=("prepare", "targets", "edit", "verify"))
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--batch-articles", type=int, default=200)
    parser.add_argument("--batches-done", type=int, default=0)
    parser.add_argument("--base-url", default="")
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    if args.step == "prepare":
        prepare(args.work, args.articles, args.batches, args.batch_articles)
    elif args.step == "targets":
        targets(args.work)
    elif args.step == "edit":
        edit(args.work, args.base_url, args.seconds)
    else:
        verify(args.work, args.batches_done, args.base_url)


if __name__ == "__main__":
    main()
