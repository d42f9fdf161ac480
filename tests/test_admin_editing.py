"""The admin as editors use it, through the test client posting forms as a browser does
(``tests.admin_forms``: every control sent back, textareas with CRLF line ends)."""

import datetime as dt
import os
import warnings

import pytest
import time_machine
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.paginator import UnorderedObjectListWarning
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.caching import current_generation
from articles.forms import EditorTextField
from articles.importing.jobs import job_create, job_run
from articles.models import (
    Article,
    ArticleAuthor,
    Author,
    Book,
    BookAuthor,
    Image,
    ImportJob,
    ImportJobFile,
    Issue,
    Publication,
    ReadingListEntry,
)
from tests.admin_forms import change_form
from tests.conftest import SAMPLES_DIR
from tests.factories import ArticleFactory, AuthorFactory, BookFactory, ImageFactory
from tests.test_image_uploads import picture

ADMIN_IMPORT = "/admin/articles/article/import/"


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def seed_article(seed):
    return Article.objects.get(slug="trotskys-socialism")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def save(client, url, **changes):
    """Open a change page and save it as a browser would, with ``changes`` typed in."""
    data = {**change_form(client, url), **changes, "_continue": "Save"}
    return client.post(url, data)


def writes(queries):
    return [q["sql"] for q in queries if q["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE")]


# A file that has not changed is not validated again.


def test_an_article_with_an_uploaded_image_saves_again(admin_client, seed_article, media):
    """Upload an image on the article's page, save; save again: no ``seek of closed file``."""
    url = admin_url(Article, "change", seed_article.pk)
    image_file = SimpleUploadedFile("pickets.png", picture("PNG"))
    assert save(admin_client, url, **{"images-0-file": image_file}).status_code == 302
    image = seed_article.images.get()
    assert image.file.name.endswith(".png")
    response = save(admin_client, url, headline="Trotsky’s socialism today")
    assert response.status_code == 302
    image.refresh_from_db()
    assert image.file.name.endswith(".png") and (image.width, image.height) == (40, 30)


def test_an_image_saves_again_on_its_own_page(admin_client, seed_article, media):
    image = seed_article.images.get()
    url = admin_url(Image, "change", image.pk)
    image_file = SimpleUploadedFile("pickets.png", picture("PNG"))
    assert save(admin_client, url, file=image_file).status_code == 302
    assert save(admin_client, url, credit="Socialist Worker").status_code == 302
    image.refresh_from_db()
    assert image.credit == "Socialist Worker" and image.file.name.endswith(".png")


# Form text normalised to LF.


def test_text_posted_with_crlf_is_stored_with_lf(admin_client, seed_article):
    """The browser's CRLF never reaches the database: the article, its inlines' texts,
    and another model's page (an author's bio)."""
    url = admin_url(Article, "change", seed_article.pk)
    response = save(
        admin_client,
        url,
        standfirst="First line\r\nsecond line",
        reading_list_note="Bookmarks,\r\nBloomsbury Street",
        **{
            "images-0-caption": "Trotsky\r\nin 1918",
            "reading_groups-0-entries-0-text": "My Life,\r\nan autobiography",
        },
    )
    assert response.status_code == 302
    seed_article.refresh_from_db()
    assert seed_article.standfirst == "First line\nsecond line"
    assert seed_article.reading_list_note == "Bookmarks,\nBloomsbury Street"
    assert "\r" not in seed_article.body
    assert not any(block["text"].endswith("\r") for block in seed_article.blocks)
    assert seed_article.images.get().caption == "Trotsky\nin 1918"
    entries = ReadingListEntry.objects.filter(group__article=seed_article)
    assert entries.filter(text="My Life,\nan autobiography").exists()

    esme = Author.objects.get(slug="esme-choonara")
    url = admin_url(Author, "change", esme.pk)
    assert save(admin_client, url, bio="Writer.\r\n\r\nSocialist.").status_code == 302
    esme.refresh_from_db()
    assert esme.bio == "Writer.\n\nSocialist."


def _admin_forms(request):
    """Every archive admin's form class and every inline's, nested inlines included."""
    pending = [
        model_admin
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label == "articles"
    ]
    forms = []
    while pending:
        model_admin = pending.pop()
        if hasattr(model_admin, "get_formset"):
            forms.append(model_admin.get_formset(request).form)
        else:
            forms.append(model_admin.get_form(request))
        if hasattr(model_admin, "get_inline_instances"):
            pending += model_admin.get_inline_instances(request)
    return forms


def test_every_admin_text_box_stores_lf(rf, admin_user):
    """No admin form or inline is left storing CRLF: every text box uses the field."""
    request = rf.get("/admin/")
    request.user = admin_user
    boxes = [
        (form.__name__, name)
        for form in _admin_forms(request)
        for name, field in form.base_fields.items()
        if isinstance(field.widget, admin.widgets.AdminTextareaWidget)
        or "Textarea" in type(field.widget).__name__
    ]
    assert len(boxes) >= 7, boxes  # standfirst, body, note, caption, entry text, bio, …
    for form in _admin_forms(request):
        for name, field in form.base_fields.items():
            if "Textarea" in type(field.widget).__name__:
                assert isinstance(field, EditorTextField), (form.__name__, name)


# A save with no edits changes nothing.


def test_saving_the_seed_untouched_writes_nothing(admin_client, seed_article):
    """No row written, no ``updated_at``, no log entry, no cache flush; the editor is told."""
    url = admin_url(Article, "change", seed_article.pk)
    data = {**change_form(admin_client, url), "_continue": "Save"}
    generation, updated_at = current_generation(), seed_article.updated_at
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.post(url, data, follow=True)
    assert response.status_code == 200
    assert writes(queries) == []
    assert [str(m) for m in response.context["messages"]] == [
        "No changes to save: nothing was written."
    ]
    seed_article.refresh_from_db()
    assert seed_article.updated_at == updated_at
    assert current_generation() == generation
    assert not LogEntry.objects.exists()


@pytest.mark.parametrize("model", [Author, Issue, Book, Image, Publication])
def test_other_pages_saved_untouched_write_nothing(admin_client, seed, model):
    url = admin_url(model, "change", model.objects.first().pk)
    data = {**change_form(admin_client, url), "_continue": "Save"}
    with CaptureQueriesContext(connection) as queries:
        assert admin_client.post(url, data).status_code == 302
    assert writes(queries) == []


def test_a_changed_part_alone_saves_the_article_too(admin_client, seed_article):
    """Editing only a caption is a change to the article: ``updated_at`` moves, the
    cache is flushed and the log says what changed."""
    url = admin_url(Article, "change", seed_article.pk)
    generation, updated_at = current_generation(), seed_article.updated_at
    assert save(admin_client, url, **{"images-0-caption": "Trotsky"}).status_code == 302
    seed_article.refresh_from_db()
    assert seed_article.updated_at > updated_at
    assert current_generation() != generation
    assert "Changed Caption" in LogEntry.objects.get().get_change_message()


# Positions: dragging orders the article page's rows, so their numbers are hidden.


def test_the_article_page_hides_positions_that_dragging_sets(admin_client, seed_article):
    page = admin_client.get(admin_url(Article, "change", seed_article.pk)).content.decode()
    for prefix in ("bylines-0", "images-0", "reading_groups-0", "reading_groups-0-entries-0"):
        assert f'type="hidden" name="{prefix}-position"' in page, prefix


def test_typed_positions_order_a_books_authors(admin_client, db):
    """Where positions are typed (a book's authors), the typed order is kept."""
    first, second = AuthorFactory(name="Isaac Deutscher"), AuthorFactory(name="Tamara Deutscher")
    book = BookFactory(title="The Prophet", authors=[first, second])
    url = admin_url(Book, "change", book.pk)
    data = change_form(admin_client, url)
    credits = {data[f"credits-{i}-author"]: i for i in range(2)}
    data[f"credits-{credits[str(first.pk)]}-position"] = "2"
    data[f"credits-{credits[str(second.pk)]}-position"] = "1"
    assert admin_client.post(url, data).status_code == 302
    order = BookAuthor.objects.filter(book=book).order_by("position")
    assert [credit.author for credit in order] == [second, first]


# Query counts that do not grow with the rows on the page.


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_author_page_costs_the_same_for_any_number_of_bylines(
    admin_client, seed, django_assert_num_queries
):
    esme = Author.objects.get(slug="esme-choonara")
    url = admin_url(Author, "change", esme.pk)
    count_queries(admin_client, url)
    baseline = count_queries(admin_client, url)
    ArticleFactory.create_batch(25, authors=[esme])
    with django_assert_num_queries(baseline):
        assert admin_client.get(url).status_code == 200


def test_the_article_page_costs_the_same_for_any_number_of_parts(
    admin_client, seed_article, django_assert_num_queries
):
    """More bylines, images, reading-list groups, entries and books: no more queries."""
    url = admin_url(Article, "change", seed_article.pk)
    count_queries(admin_client, url)
    baseline = count_queries(admin_client, url)
    for position, author in enumerate(AuthorFactory.create_batch(5), start=1):
        ArticleAuthor.objects.create(article=seed_article, author=author, position=position)
    ImageFactory.create_batch(5, article=seed_article)
    group = seed_article.reading_groups.last()
    for position in range(5):
        entry = group.entries.create(text=f"Pamphlet {position}", position=10 + position)
        entry.links.create(book=BookFactory(), position=0)
        entry.links.create(book=BookFactory(), position=1)
    with django_assert_num_queries(baseline):
        assert admin_client.get(url).status_code == 200


def test_the_article_list_costs_the_same_for_any_number_of_rows(
    admin_client, seed, django_assert_num_queries
):
    url = admin_url(Article, "changelist")
    count_queries(admin_client, url)
    baseline = count_queries(admin_client, url)
    ArticleFactory.create_batch(30)
    ArticleFactory.create_batch(5, status=Article.Status.DRAFT, published_at=None)
    with django_assert_num_queries(baseline):
        assert admin_client.get(url).status_code == 200


# Pick-lists, slugs, order, search.


@pytest.mark.parametrize(
    ("model_name", "field_name", "ordered_by"),
    [
        ("article", "issue", lambda issue: ("Socialist Worker", -issue["number"])),
        ("articleauthor", "author", lambda author: author["name"]),
    ],
)
def test_issue_and_author_pick_lists_are_ordered(
    admin_client, seed, model_name, field_name, ordered_by
):
    """The autocompletes page through an ordered list: no UnorderedObjectListWarning."""
    ArticleFactory.create_batch(25, authors=[])
    for name in ("Zora Neale", "Aaron Bell", "Mary Wollstonecraft"):
        AuthorFactory(name=name)
    params = {"app_label": "articles", "model_name": model_name, "field_name": field_name}
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnorderedObjectListWarning)
        response = admin_client.get(reverse("admin:autocomplete"), params)
    assert response.status_code == 200
    texts = [result["text"] for result in response.json()["results"]]
    if field_name == "issue":
        numbers = [int(text.rsplit(" ", 1)[1]) for text in texts]
        assert numbers == sorted(numbers, reverse=True)
    else:
        assert texts == sorted(texts)


def add_issue(client, number):
    url = admin_url(Issue, "add")
    data = {**change_form(client, url), "publication": Publication.objects.get().pk}
    return client.post(url, {**data, "number": number, "slug": ""})


def test_a_new_issue_gets_its_slug_from_publication_and_number(admin_client, seed):
    response = add_issue(admin_client, 2300)
    assert response.status_code == 302
    assert Issue.objects.get(number=2300).slug == "socialist-worker-2300"


def test_a_new_issue_with_a_taken_number_names_the_clash(admin_client, seed):
    response = add_issue(admin_client, 2215)
    assert response.status_code == 200
    assert "already exists" in response.content.decode()


def test_drafts_without_a_date_come_first_in_the_article_list(admin_client, seed):
    ArticleFactory.create_batch(3)
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None, headline="New draft")
    response = admin_client.get(admin_url(Article, "changelist"))
    assert response.context["cl"].result_list[0] == draft


@pytest.mark.parametrize(
    ("query", "headline"),
    [
        ("won't", "We won’t pay"),
        ("won’t", "We won’t pay"),
        ("Trotskys", "Trotsky’s socialism"),
        ("Trotsky's", "Trotsky’s socialism"),
        ("Trot", "Trotsky’s socialism"),
        ('"poll tax" rebellion', "We won’t pay"),
        ("’", None),
    ],
)
def test_admin_search_uses_the_full_text_index(admin_client, seed, query, headline):
    """Stemmed words, curly and straight apostrophes alike, phrases; a headline's start
    (what an autocomplete types) still finds it; a lone apostrophe finds nothing."""
    ArticleFactory(headline="We won’t pay", body="The poll tax rebellion began in March.")
    ArticleFactory(headline="Unrelated", body="Nothing about that here.")
    response = admin_client.get(admin_url(Article, "changelist"), {"q": query})
    found = [article.headline for article in response.context["cl"].result_list]
    assert found == ([headline] if headline else [])


# The page itself.


def test_the_body_box_opens_at_the_length_of_its_text(admin_client, seed_article):
    response = admin_client.get(admin_url(Article, "change", seed_article.pk))
    body = response.context["adminform"].form["body"]
    rows = int(body.field.widget.get_context("body", body.value(), {})["widget"]["attrs"]["rows"])
    assert rows > len(seed_article.body.splitlines())
    assert f'rows="{rows}"' in response.content.decode()


def test_save_sits_at_the_top_and_unsaved_edits_are_guarded(admin_client, seed_article):
    page = admin_client.get(admin_url(Article, "change", seed_article.pk)).content.decode()
    assert page.count('name="_continue"') == 2
    assert "articles/admin/editing.js" in page


def test_view_site_opens_the_api_root(admin_client, db):
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert '<a href="/api/v1/">View site</a>' in page
    assert admin_client.get("/api/v1/").status_code == 200


# The import page.


def _stashed(stash):
    """The stashed files, named by their position in the upload."""
    return sorted(path.name for path in stash.rglob("*") if path.is_file())


def _upload(name, data):
    return SimpleUploadedFile(name, data, content_type="text/plain")


def test_the_import_button_counts_only_files_that_passed(editor_client, seed, import_stash):
    """Both files wait in the stash for the editor; only the one that passed is imported,
    and the confirmation deletes them both."""
    good = (SAMPLES_DIR / "2216-when-paris-rose.txt").read_bytes()
    response = editor_client.post(
        ADMIN_IMPORT,
        {"files": [_upload("paris.txt", good), _upload("bad.txt", b"\xff")]},
        follow=True,
    )
    assert 'value="Import 1 file(s)"' in response.content.decode()
    assert _stashed(import_stash) == ["0", "1"]
    done = editor_client.post(response.redirect_chain[-1][0], {"confirm": "Import"}, follow=True)
    assert "Files: 1 read, 1 imported, 0 failed, 0 skipped" in done.content.decode()
    assert _stashed(import_stash) == []


def test_cancelling_an_import_deletes_its_upload(editor_client, seed, import_stash):
    good = (SAMPLES_DIR / "2216-when-paris-rose.txt").read_bytes()
    job_page = editor_client.post(ADMIN_IMPORT, {"files": [_upload("paris.txt", good)]})["Location"]
    assert _stashed(import_stash) == ["0"]
    response = editor_client.post(job_page, {"cancel": "Cancel"}, follow=True)
    assert "Import cancelled: nothing was imported." in response.content.decode()
    assert _stashed(import_stash) == []
    assert Article.objects.count() == 1
    confirmed = editor_client.post(job_page, {"confirm": "Import"}, follow=True)
    assert "upload them again" in confirmed.content.decode()
    assert Article.objects.count() == 1


def test_a_stash_keeps_no_uploaded_name_and_is_never_served(
    editor_client, seed, import_stash, settings, client
):
    """The uploader's name (here markup) stays in the job's row, not in storage; the
    stash is outside media, so no URL serves it, in development either."""
    good = (SAMPLES_DIR / "2216-when-paris-rose.txt").read_bytes()
    hostile = "<img src=x onerror=alert(1)>.txt"
    page = editor_client.post(ADMIN_IMPORT, {"files": [_upload(hostile, good)]}, follow=True)
    page = page.content.decode()
    assert "&lt;img src=x onerror=alert(1)&gt;.txt" in page and hostile not in page
    [stored] = [path for path in import_stash.rglob("*") if path.is_file()]
    assert "<" not in str(stored)
    relative = stored.relative_to(import_stash)
    assert client.get(f"/{settings.MEDIA_URL}{relative}").status_code == 404


def test_a_stash_nobody_confirmed_is_deleted_by_a_later_dry_run(editor_client, seed, import_stash):
    """A day after its dry run finished, an upload nobody confirmed is deleted."""
    good = (SAMPLES_DIR / "2216-when-paris-rose.txt").read_bytes()
    with time_machine.travel(dt.timedelta(hours=-25)):
        editor_client.post(ADMIN_IMPORT, {"files": [_upload("old.txt", good)]})
    [old] = [path.parent for path in import_stash.rglob("*") if path.is_file()]
    editor_client.post(ADMIN_IMPORT, {"files": [_upload("new.txt", good)]})
    assert not old.exists()
    assert _stashed(import_stash) == ["0"]


def test_a_stash_nobody_confirmed_is_deleted_when_a_later_job_finishes(seed, editor, import_stash):
    """Workers sweep as well, so old stashes go though nobody uploads again."""
    good = (SAMPLES_DIR / "2216-when-paris-rose.txt").read_bytes()
    with time_machine.travel(dt.timedelta(hours=-25)):
        old = job_create(user=editor, uploads=[_upload("old.txt", good)], dry_run=True)
        job_run(job_id=old.pk)
    with time_machine.travel(dt.timedelta(hours=-2)):
        new = job_create(user=editor, uploads=[_upload("new.txt", good)], dry_run=True)
    assert len(_stashed(import_stash)) == 2
    job_run(job_id=new.pk)
    assert ImportJobFile.objects.get(job=old).stored == ""
    assert _stashed(import_stash) == ["0"]


def test_an_upload_no_job_holds_is_deleted_once_as_old(editor_client, seed, import_stash):
    """A process that died between storing the upload and recording its job leaves a
    folder no job names: a later upload deletes it once it is a day old."""
    old, recent = import_stash / "jobs" / "died-yesterday", import_stash / "jobs" / "just-now"
    for folder in (old, recent):
        folder.mkdir(parents=True)
        (folder / "0").write_bytes(b"Headline: Left behind")
    yesterday = (dt.datetime.now() - dt.timedelta(hours=25)).timestamp()
    os.utime(old / "0", (yesterday, yesterday))
    good = (SAMPLES_DIR / "2216-when-paris-rose.txt").read_bytes()
    editor_client.post(ADMIN_IMPORT, {"files": [_upload("new.txt", good)]})
    assert not old.exists()
    assert (recent / "0").exists()
    assert len(_stashed(import_stash)) == 2


def test_a_job_that_cannot_be_recorded_keeps_no_upload(seed, editor, import_stash, monkeypatch):
    def refused(*args, **kwargs):
        raise DatabaseError("the database went away")

    monkeypatch.setattr(ImportJobFile.objects, "bulk_create", refused)
    good = (SAMPLES_DIR / "2216-when-paris-rose.txt").read_bytes()
    with pytest.raises(DatabaseError):
        job_create(user=editor, uploads=[_upload("a.txt", good), _upload("b.txt", good)])
    assert _stashed(import_stash) == []
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize("model", ["article", "author", "issue", "book", "topic"])
def test_a_search_term_with_a_nul_byte_finds_what_the_rest_finds(admin_client, seed, model):
    """PostgreSQL refuses a NUL in text; a pasted term with one is searched without it."""
    response = admin_client.get(f"/admin/articles/{model}/", {"q": "Tr\x00"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("model_name", "field_name"), [("article", "topics"), ("image", "article")]
)
def test_an_autocomplete_term_with_a_nul_byte_is_searched_without_it(
    admin_client, seed, model_name, field_name
):
    params = {"app_label": "articles", "model_name": model_name, "field_name": field_name}
    response = admin_client.get(reverse("admin:autocomplete"), {**params, "term": "Tr\x00"})
    assert response.status_code == 200
