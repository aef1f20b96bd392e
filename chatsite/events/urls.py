from django.urls import path

from . import views

app_name = "events"
urlpatterns = [
    path("acs/", views.acs_events, name="acs"),
]
