from django.contrib import admin
from django.urls import include, path

from chatsite import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("events/", include("chatsite.events.urls")),
    path("", include("chatsite.chat.urls")),
]
