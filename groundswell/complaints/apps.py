from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "groundswell.complaints"
    verbose_name = "Complaints and discipline"

    def ready(self) -> None:
        # Local: the section's module imports models, which cannot be imported before the app registry is ready.
        from .dataprotection import register_subject_access_section  # noqa: PLC0415

        register_subject_access_section()
