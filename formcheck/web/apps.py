"""The Django app of the web package."""

from django.apps import AppConfig


class WebConfig(AppConfig):
    """formcheck's web app (label ``web``)."""

    name = "formcheck.web"
    label = "web"
    default_auto_field = "django.db.models.BigAutoField"
