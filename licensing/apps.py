from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LicensingConfig(AppConfig):
    name = "licensing"
    verbose_name = _("Licensing")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        import licensing.checks  # noqa: F401  the deploy check of SECRET_KEY
        import licensing.notifications  # noqa: F401  connects the applicant notifications, registers reminders
        import licensing.services.clocks  # noqa: F401  registers the recompute_stale_clocks deadline check
        import licensing.services.supervision  # noqa: F401  registers the e-supervision sweep checks
        from licensing.roles import ensure_role_groups

        post_migrate.connect(ensure_role_groups, sender=self)
