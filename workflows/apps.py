from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("Workflows")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from licensing import deadlines
        from workflows import receivers  # noqa: F401  (connects the signal receivers)
        from workflows.permissions import ensure_workflow_permissions, register_role_permissions
        from workflows.services import processes_follow_applications

        register_role_permissions()
        # The workflow's permissions exist only once this app has migrated, after licensing's
        # post_migrate gave the groups theirs: create them and give the groups theirs then.
        post_migrate.connect(ensure_workflow_permissions, sender=self, dispatch_uid="workflows.ensure_permissions")
        if all(name != "workflow_follow" for name, _check in deadlines.CHECKS):
            # Registered after licensing's deemed-acceptance check (imported through the flow's
            # services), so one sweep both deems and moves the process on.
            deadlines.register("workflow_follow")(processes_follow_applications)
