from django.urls import path

from . import views

app_name = "contacts"

urlpatterns = [
    path("contacts/new/", views.contact_new, name="contact_new"),
    path("talents/<int:pk>/", views.talent_detail, name="talent"),
    path("talents/<int:pk>/thoughts/", views.talent_thoughts, name="talent_thoughts"),
    path("talents/<int:pk>/reveal/", views.talent_reveal, name="talent_reveal"),
    path("demands/<int:pk>/", views.demand_detail, name="demand"),
    path("demands/<int:pk>/progress/", views.demand_progress, name="demand_progress"),
    path("demands/<int:pk>/close/", views.demand_close, name="demand_close"),
    path("demands/<int:pk>/follow-up/", views.demand_follow_up, name="demand_follow_up"),
    path("urgent/contact/<int:pk>/handled/", views.urgent_handled, {"kind": "contact"}, name="contact_handled"),
    path("urgent/demand/<int:pk>/handled/", views.urgent_handled, {"kind": "demand"}, name="demand_handled"),
    path("talents/<int:pk>/photo/", views.talent_photo, name="talent_photo"),
    path("photos/<int:pk>/", views.photo, name="photo"),
]
