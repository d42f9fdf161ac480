"""``Editors`` read the audit trail (the admin's Recent changes): who changed, created or
deleted which record, when and from where."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAME = "view_change"


def let_editors_read_changes(apps, schema_editor):
    # As in articles' 0007: the permissions exist only after every migration has run,
    # unless made now.
    app_config = apps.get_app_config("history")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editors = Group.objects.filter(name="Editors").first()
    if editors is not None:
        editors.permissions.add(
            Permission.objects.get(content_type__app_label="history", codename=CODENAME)
        )


def take_it_back(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for editors in Group.objects.filter(name="Editors"):
        editors.permissions.remove(
            *Permission.objects.filter(content_type__app_label="history", codename=CODENAME)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("history", "0004_change_feed_topics"),
        ("articles", "0010_topic_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(let_editors_read_changes, take_it_back)]
