from django.urls import path

from . import views

app_name = "events"
urlpatterns = [
    path("acs/", views.acs_events, name="acs"),
    # Without the slash too: a POST cannot follow APPEND_SLASH's redirect, and Event Grid counts it a failure.
    path("acs", views.acs_events),
]
