"""Excel import of talents, mounted at /db/import/ (namespace "talent_import")."""

from django.urls import path

from . import import_views

app_name = "talent_import"

urlpatterns = [
    path("", import_views.upload, name="upload"),
    path("confirm/", import_views.confirm, name="confirm"),
    path("template.xlsx", import_views.template, name="template"),
]
