from django.contrib import admin
from django.urls import include, path

from chatsite import health
from chatsite.chat.push import stream
from chatsite.chat.views import accounts

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    # Logging out also clears what thread pages stored in the browser (chat/views/accounts.py).
    path("accounts/logout/", accounts.logout, name="logout"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("events/", include("chatsite.events.urls")),
    # Server-sent hints that a thread moved (chat/push): served by the ASGI deployment, 204 under WSGI.
    path("live/stream/", stream.live_stream, name="live_stream"),
    path("", include("chatsite.chat.urls")),
]
