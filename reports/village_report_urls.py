from django.urls import path

from . import village_report_views as views

app_name = "village_reports"

urlpatterns = [
    path("", views.board, name="board"),
    path("<int:year>/all.zip", views.download_all, name="download_all"),
    path("<int:year>/<int:village_id>/", views.report, name="report"),
    path("<int:year>/<int:village_id>/submit/", views.submit, name="submit"),
    path("<int:year>/<int:village_id>/return/", views.return_report, name="return"),
    path("<int:year>/<int:village_id>/receive/", views.receive_report, name="receive"),
    path("<int:year>/<int:village_id>/download.<str:fmt>", views.download, name="download"),
]
