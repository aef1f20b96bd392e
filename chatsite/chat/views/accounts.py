"""Signing up, and logging out (which clears what thread pages kept in the browser)."""

from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ..forms import SignUpForm
from ..services.accounts import account_create


@require_http_methods(["GET", "POST"])
def signup(request):
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = account_create(
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password1"],
            display_name=form.cleaned_data["display_name"],
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("chat:thread_list")
    return render(request, "registration/signup.html", {"form": form}, status=422 if form.errors else 200)


class LogoutView(auth_views.LogoutView):
    """Django's logout, which also tells the browser to drop what this site stored in it: the drafts and unsent
    messages thread pages keep in the tab (static/js/thread.js) are the person's, and the next person to log in
    on this browser must not find them. Browsers that ignore the header still never show or send them: they are
    kept per account (forms.owner_mark), and a page of another account drops them."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"storage"'
        return response


logout = LogoutView.as_view()
