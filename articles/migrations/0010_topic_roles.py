"""The newsroom's roles and topics: ``Editors`` add and change topics, as they do issues,
authors and books; ``Contributors`` look them up, to file their articles under them
(the article page's topic search needs it)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "Editors": ("view_topic", "add_topic", "change_topic"),
    "Contributors": ("view_topic",),
}


def add_topic_permissions(apps, schema_editor):
    # As in 0007: the permissions exist only after every migration has run, unless made now.
    app_config = apps.get_app_config("articles")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group = Group.objects.filter(name=name).first()
        if group is None:
            continue
        permissions = Permission.objects.filter(
            content_type__app_label="articles", codename__in=codenames
        )
        group.permissions.add(*permissions)


def remove_topic_permissions(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    permissions = Permission.objects.filter(
        content_type__app_label="articles", codename__in=ROLES["Editors"]
    )
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0009_topics"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(add_topic_permissions, remove_topic_permissions)]
