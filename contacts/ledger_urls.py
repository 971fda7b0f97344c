from django.urls import path

from . import ledger_views as views

app_name = "ledger"

urlpatterns = [
    path("contacts/", views.contact_list, name="contacts"),
    path("demands/", views.demand_list, name="demands"),
    path("demands/new/", views.demand_new, name="demand_new"),
    path("demands/<int:pk>/edit/", views.demand_edit, name="demand_edit"),
    path("suggestions/", views.suggestion_list, name="suggestions"),
    path("suggestions/<int:pk>/", views.suggestion_detail, name="suggestion"),
    path("suggestions/<int:pk>/forward/", views.suggestion_forward, name="suggestion_forward"),
    path("suggestions/<int:pk>/answer/", views.suggestion_answer, name="suggestion_answer"),
    path("events/", views.event_list, name="events"),
    path("events/new/", views.event_new, name="event_new"),
    path("events/<int:pk>/", views.event_detail, name="event"),
    path("events/<int:pk>/acknowledge/", views.event_acknowledge, name="event_acknowledge"),
    path("recommendations/", views.recommendation_list, name="recommendations"),
    path("recommendations/new/", views.recommendation_new, name="recommendation_new"),
    path("recommendations/<int:pk>/edit/", views.recommendation_edit, name="recommendation_edit"),
    path("feedback/", views.feedback_list, name="feedback"),
    path("feedback/new/", views.feedback_new, name="feedback_new"),
    path("feedback/<int:pk>/", views.feedback_detail, name="feedback_detail"),
    path("feedback/<int:pk>/answer/", views.feedback_answer, name="feedback_answer"),
]
