from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "groundswell.accounts"
    label = "accounts"

    def ready(self) -> None:
        # Imported for its side effect: connects the login/logout signals to the audit log. Local because
        # signals imports models, which Django allows only once the app registry is ready (here).
        from . import signals  # noqa: F401, PLC0415
