"""Create the five role groups with their model permissions (DOMAIN.md, "People and roles")."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

APPS = ("talents", "contacts", "reports")

# role -> {"app.model": actions}; "*" means every model of our apps.
ROLE_PERMISSIONS = {
    "office": {"*": ("add", "change", "delete", "view"), "auth.user": ("add", "change", "view"), "auth.group": ("view",)},
    "leader": {"*": ("view",)},
    "cadre": {
        "talents.talent": ("view",),
        "contacts.pairing": ("view",),
        "contacts.contact": ("add", "change", "view"),
        "contacts.contactphoto": ("add", "view"),
        "contacts.suggestion": ("add", "change", "view"),
        "contacts.demand": ("add", "change", "view"),
        "contacts.demandprogress": ("add", "view"),
        "contacts.majorevent": ("view",),
    },
    "village_secretary": {
        "talents.talent": ("view",),
        "contacts.pairing": ("view",),
        "contacts.contact": ("add", "change", "view"),
        "contacts.demand": ("view",),
        "contacts.majorevent": ("add", "view"),
        "contacts.recommendation": ("add", "change", "view"),
        "contacts.feedback": ("add", "view"),
        "reports.villagereport": ("add", "change", "view"),
    },
    "liaison": {
        "talents.talent": ("change", "view"),
        "contacts.demand": ("add", "change", "view"),
        "contacts.demandprogress": ("add", "view"),
        "contacts.majorevent": ("add", "view"),
        "contacts.feedback": ("add", "view"),
    },
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, grants in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        perms = []
        for target, actions in grants.items():
            if target == "*":
                qs = Permission.objects.filter(content_type__app_label__in=APPS)
                perms += [p for p in qs if p.codename.split("_", 1)[0] in actions]
                continue
            app_label, model = target.split(".")
            perms += Permission.objects.filter(
                content_type__app_label=app_label,
                codename__in=[f"{action}_{model}" for action in actions],
            )
        group.permissions.set(perms)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("talents", "0001_initial"),
        ("contacts", "0001_initial"),
        ("reports", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
