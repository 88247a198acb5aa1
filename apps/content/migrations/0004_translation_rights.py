"""The content groups of a store made before "Translate" came to /cms/ may use it: they get
`simple_translation.submit_translation`, and their page rights on the store's home reach its
translations into other languages (siblings of it, which rights on the first home do not cover).

The permission row may not exist yet while migrations run (Django makes permissions after the
whole run), so it is made here the way Django would. Undoing removes what this added."""

from django.db import migrations

EDITORS_GROUP = "Content editors"
PUBLISHERS_GROUP = "Content publishers"


def _permission(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    alias = schema_editor.connection.alias
    content_type, _created = ContentType.objects.using(alias).get_or_create(
        app_label="simple_translation", model="simpletranslation"
    )
    permission, _created = Permission.objects.using(alias).get_or_create(
        content_type=content_type,
        codename="submit_translation",
        defaults={"name": "Can submit translations"},
    )
    return permission


def rights_grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    StoreHomePage = apps.get_model("content", "StoreHomePage")
    groups = list(Group.objects.filter(name__in=(EDITORS_GROUP, PUBLISHERS_GROUP)))
    if not groups:
        return  # a schema without a store's content (the platform's)
    permission = _permission(apps, schema_editor)
    homes = list(StoreHomePage.objects.values_list("pk", flat=True))
    for group in groups:
        group.permissions.add(permission)
        granted = set(
            GroupPagePermission.objects.filter(group=group, page_id__in=homes).values_list(
                "permission_id", flat=True
            )
        )
        for home in homes:
            for permission_id in granted:
                GroupPagePermission.objects.get_or_create(
                    group=group, page_id=home, permission_id=permission_id
                )


def rights_withdraw(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    Site = apps.get_model("wagtailcore", "Site")
    groups = list(Group.objects.filter(name__in=(EDITORS_GROUP, PUBLISHERS_GROUP)))
    first_homes = set(Site.objects.values_list("root_page_id", flat=True))
    for group in groups:
        group.permissions.remove(*group.permissions.filter(codename="submit_translation"))
        GroupPagePermission.objects.filter(
            group=group, page__content_type__app_label="content", page__content_type__model="storehomepage"
        ).exclude(page_id__in=first_homes).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0003_landing_page_body"),
        ("simple_translation", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(rights_grant, rights_withdraw)]
