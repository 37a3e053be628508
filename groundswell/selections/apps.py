from django.apps import AppConfig


class SelectionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "groundswell.selections"
    verbose_name = "Selections"

    def ready(self) -> None:
        # Local: the lookup reads models, which cannot be imported before the app registry is ready. Complaints
        # sit beside selections in the layers and never import it, so selections hands it the lookup
        # (complaints/selections.py).
        from groundswell.complaints.selections import register_pending_selection_lookup  # noqa: PLC0415

        from .selectors import pending_selections_of  # noqa: PLC0415

        register_pending_selection_lookup(pending_selections_of)
