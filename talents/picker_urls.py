from django.urls import path

from . import pickers

app_name = "picker"

urlpatterns = [
    path("<slug:kind>/", pickers.pick, name="pick"),
]
