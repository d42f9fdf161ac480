"""The publish and import permissions, and the newsroom's two roles as groups.

``Editors`` write, correct, publish and import; ``Contributors`` write and correct but
neither publish nor import. README's "Editor accounts" says what each may do.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PARTS = ("articleauthor", "image", "readinglistgroup", "readinglistentry", "readinglistentrybook")
CATALOGUE = ("issue", "author", "book", "bookauthor")

ROLES = {
    "Editors": [
        *(f"{action}_article" for action in ("view", "add", "change")),
        "publish_article",
        "import_archive",
        *(f"{action}_{model}" for model in PARTS for action in ("view", "add", "change", "delete")),
        *(f"{action}_{model}" for model in CATALOGUE for action in ("view", "add", "change")),
        "view_publication",
    ],
    "Contributors": [
        *(f"{action}_article" for action in ("view", "add", "change")),
        *(f"view_{model}" for model in ("publication", "issue", "author", "book")),
    ],
}


def add_roles(apps, schema_editor):
    # Permissions are otherwise created after every migration has run: make this app's
    # now, so that the groups can hold them on a fresh database.
    app_config = apps.get_app_config("articles")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = Permission.objects.filter(
            content_type__app_label="articles", codename__in=codenames
        )
        assert permissions.count() == len(codenames), name
        group.permissions.add(*permissions)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0006_search_pending_list"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="article",
            options={
                "get_latest_by": "published_at",
                "ordering": ("-published_at", "-id"),
                "permissions": [
                    ("publish_article", "Can publish, unpublish and schedule articles"),
                    ("import_archive", "Can import archive files"),
                ],
            },
        ),
        migrations.RunPython(add_roles, remove_roles),
    ]
