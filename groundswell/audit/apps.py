from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "groundswell.audit"
    label = "audit"
