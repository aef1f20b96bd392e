"""Forms for managing a conversation: adding people (and how much history they see), the topic."""

from datetime import datetime, time

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .forms import PeopleField
from .models import TOPIC_MAX_LENGTH
from .people import people_choices

ALL_HISTORY = "all"
FROM_NOW = "now"
FROM_DATE = "date"


class AddPeopleForm(forms.Form):
    people = PeopleField(
        label=_("People"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one person to add.")},
    )
    history = forms.ChoiceField(
        label=_("History they see"),
        choices=[
            (ALL_HISTORY, _("All history")),
            (FROM_NOW, _("From now on")),
            (FROM_DATE, _("From a date")),
        ],
        initial=ALL_HISTORY,
        widget=forms.RadioSelect,
    )
    history_date = forms.DateField(
        label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, user, exclude_acs_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = people_choices(exclude=user).exclude(acs_identity__acs_user_id__in=list(exclude_acs_ids))
        self.fields["people"].queryset = choices

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("history") == FROM_DATE and not cleaned.get("history_date"):
            self.add_error("history_date", _("Choose the date from which they see the history."))
        return cleaned

    def history_from(self) -> datetime | None:
        """When the added people's history starts; None shares all of it."""
        history = self.cleaned_data["history"]
        if history == FROM_NOW:
            return timezone.now()
        if history == FROM_DATE:
            return timezone.make_aware(datetime.combine(self.cleaned_data["history_date"], time.min))
        return None


class TopicForm(forms.Form):
    topic = forms.CharField(
        label=_("Topic"),
        max_length=TOPIC_MAX_LENGTH,
        error_messages={
            "required": _("Give the chat a topic."),
            "max_length": _("Keep the topic under %(limit_value)d characters (it has %(show_value)d)."),
        },
    )
