from django.urls import path

from . import pairing_views as views

app_name = "pairings"

urlpatterns = [
    path("", views.board, name="board"),
    path("history/", views.history, name="history"),
    path("new/", views.pairing_new, name="new"),
    path("supplement/<int:talent_pk>/", views.pairing_new, name="supplement"),
    path("<int:pk>/adjust/", views.pairing_adjust, name="adjust"),
    path("<int:pk>/end/", views.pairing_end, name="end"),
    path("next-term/", views.next_term, name="next_term"),
]
