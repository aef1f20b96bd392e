"""The small forms of the thread admin's live ACS section and of the import page."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from .models import TOPIC_MAX_LENGTH, Thread
from .selectors.accounts import display_name


class TopicForm(forms.Form):
    topic = forms.CharField(label=_("Topic"), max_length=TOPIC_MAX_LENGTH)


class PersonField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{display_name(obj)} ({obj.get_username()})"


class ParticipantAddForm(forms.Form):
    user = PersonField(
        label=_("Person"),
        queryset=get_user_model()
        .objects.filter(is_active=True)
        .select_related("profile")
        .order_by("username"),
    )


class ParticipantRemoveForm(forms.Form):
    acs_user_id = forms.CharField(widget=forms.HiddenInput)


class MessageDeleteForm(forms.Form):
    message_id = forms.CharField(widget=forms.HiddenInput)


class ThreadImportForm(forms.Form):
    acs_thread_id = forms.CharField(label=_("ACS thread id"), max_length=255)

    def clean_acs_thread_id(self):
        acs_thread_id = self.cleaned_data["acs_thread_id"].strip()
        if Thread.objects.filter(acs_thread_id=acs_thread_id).exists():
            raise forms.ValidationError(_("This thread is on the site already."), code="exists")
        return acs_thread_id
