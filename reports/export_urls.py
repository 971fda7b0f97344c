from django.urls import path

from . import export_views

app_name = "exports"

urlpatterns = [
    path("", export_views.index, name="index"),
    path("<slug:identifier>.<slug:fmt>", export_views.download, name="download"),
]
