"""Applications registered before `created_by` existed get it from their audit entry.

Their tokens are then bounded by what that admin may still grant, and never decide on that
admin's own time. An application with no audit entry keeps working as before.
"""

from django.db import migrations


def creators_from_audit_log(apps, schema_editor):  # noqa: ANN001, ANN201
    ApiApplication = apps.get_model("halo", "ApiApplication")
    AuditEntry = apps.get_model("core", "AuditEntry")
    for application in ApiApplication.objects.filter(created_by__isnull=True):
        entry = (
            AuditEntry.objects.filter(
                action="api_application.create",
                object_type="halo.apiapplication",
                object_id=str(application.pk),
                actor__isnull=False,
            )
            .order_by("created_at", "id")
            .first()
        )
        if entry is not None:
            application.created_by_id = entry.actor_id
            application.save(update_fields=["created_by"])


class Migration(migrations.Migration):
    dependencies = [
        ("halo", "0002_application_creator_and_statuses"),
        ("core", "0002_task_idempotencykey_notice"),
    ]

    operations = [migrations.RunPython(creators_from_audit_log, migrations.RunPython.noop)]
