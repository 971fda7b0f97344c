from django.urls import path

from . import views

app_name = "talents"

urlpatterns = [
    path("", views.talent_list, name="list"),
    path("export.xlsx", views.talent_export, name="export"),
    path("new/", views.talent_new, name="new"),
    path("<int:pk>/edit/", views.talent_edit, name="edit"),
    path("<int:pk>/move-out/", views.talent_move_out, name="move_out"),
]
