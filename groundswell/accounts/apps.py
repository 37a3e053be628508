from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "groundswell.accounts"
    label = "accounts"

    def ready(self) -> None:
        # Imported for its side effect: connects the login/logout signals to the audit log.
        from . import signals  # noqa: F401
