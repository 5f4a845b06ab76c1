from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "djangoproject.audit"
    label = "audit"
