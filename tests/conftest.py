from importlib import import_module
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command

from tests.browser import CHROMIUM, CHROMIUM_ARGS, PASSWORD

SEED_SOURCE = Path(__file__).resolve().parent.parent / "fixtures/sources/000_6883693f68a49c3c.txt"
SAMPLES_DIR = Path(__file__).resolve().parent / "data/samples"


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: no throttle counts or cached responses carried over."""
    cache.clear()


@pytest.fixture
def seed(db):
    """The seed article, loaded the way an operator loads it: ``loaddata seed``."""
    call_command("loaddata", "seed", verbosity=0)


@pytest.fixture
def seed_lines():
    """The seed's scraped text, line by line, as the source file has it."""
    return SEED_SOURCE.read_text(encoding="utf-8").split("\n")


@pytest.fixture
def editor(django_user_model):
    """A staff user with every permission on the archive's models, but not a superuser."""
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user(
        username="editor", password="a-long-test-password", is_staff=True
    )
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="articles"))
    return user


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def newsroom_user(db, django_user_model):
    """Make a staff user in one of the newsroom's groups (``Editors``, ``Contributors``)
    or with only the permissions named, e.g. ``"change_article"``.

    The groups come from data migrations; a test that empties the database between
    tests (the browser's live server) loses them, so they are made again from the
    migrations' own lists when missing."""
    from django.contrib.auth.models import Group, Permission

    first_roles = import_module("articles.migrations.0007_newsroom_roles").ROLES
    topic_roles = import_module("articles.migrations.0010_topic_roles").ROLES
    roles = {name: [*codenames, *topic_roles[name]] for name, codenames in first_roles.items()}
    audit = import_module("history.migrations.0005_editors_read_changes").CODENAME
    history_roles = {"Editors": [audit], "Contributors": []}

    def make(username, *, group=None, permissions=(), password="a-long-test-password"):
        user = django_user_model.objects.create_user(username, password=password, is_staff=True)
        if group:
            role, created = Group.objects.get_or_create(name=group)
            if created:
                role.permissions.set(
                    Permission.objects.filter(
                        content_type__app_label="articles", codename__in=roles[group]
                    )
                    | Permission.objects.filter(
                        content_type__app_label="history", codename__in=history_roles[group]
                    )
                )
            user.groups.add(role)
        user.user_permissions.set(
            Permission.objects.filter(content_type__app_label="articles", codename__in=permissions)
        )
        return user

    return make


@pytest.fixture
def import_stash(settings, tmp_path):
    """The admin's import stash (``STORAGES["import_stash"]``) in a folder of the test's own."""
    stash = tmp_path / "import-stash"
    settings.STORAGES = {
        **settings.STORAGES,
        "import_stash": {"BACKEND": "archive.storage.MediaStorage", "OPTIONS": {"location": stash}},
    }
    return stash


@pytest.fixture
def browser_page(monkeypatch):
    """A page in Debian's Chromium, driven by Playwright (``tests.browser``)."""
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test
    # makes between browser steps are still synchronous and safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.set_default_timeout(10_000)
        yield page
        browser.close()


@pytest.fixture
def logged_in_page(browser_page, live_server, seed, django_user_model):
    """The admin's index, signed in as a superuser, with the seed loaded."""
    django_user_model.objects.create_superuser("chief", "chief@example.org", PASSWORD)
    page = browser_page
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "chief")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")
    return page
