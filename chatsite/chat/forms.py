import re
import uuid
from datetime import date, datetime, time

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.db import connections
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from .models import DISPLAY_NAME_MAX_LENGTH, TOPIC_MAX_LENGTH
from .selectors.accounts import display_name, people_choices

MESSAGE_MAX_BYTES = 28 * 1024  # ACS's message size limit (LIMITS.md)
# ACS message ids are numbers; anything else from a page is not worth a call.
MESSAGE_ID = re.compile(r"[0-9]{1,20}")


def message_id_param(value: str | None) -> str | None:
    """A message id a page sent as a parameter, or None when it cannot be one."""
    return value if value and MESSAGE_ID.fullmatch(value) else None


class SignUpForm(UserCreationForm):
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=DISPLAY_NAME_MAX_LENGTH,
        help_text=_("How others see you in chats."),
    )

    class Meta(UserCreationForm.Meta):
        fields = ("username", "display_name")


class PeopleField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return display_name(obj)

    def _check_values(self, value):
        """A number beyond what the database's id column holds is nobody's id: refused like any other invalid id,
        before the query that the database would fail on (SQLite: OverflowError, PostgreSQL: out of range)."""
        low, high = connections[self.queryset.db].ops.integer_field_range(
            self.queryset.model._meta.pk.get_internal_type()
        )
        for pk in value if isinstance(value, list | tuple) else ():
            try:
                number = int(pk)
            except (TypeError, ValueError):
                continue  # not a number at all: the usual checks refuse it
            if not low <= number <= high:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                )
        return super()._check_values(value)


class ThreadCreateForm(forms.Form):
    topic = forms.CharField(
        label=_("Topic"),
        max_length=TOPIC_MAX_LENGTH,
        required=False,
        help_text=_("Not needed for a chat with one person."),
        error_messages={
            "max_length": _("Keep the topic under %(limit_value)d characters (it has %(show_value)d)."),
        },
    )
    participants = PeopleField(
        label=_("Participants"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one person to chat with.")},
    )
    # Rendered once per form: submitting the same form twice creates one thread in ACS.
    idempotency_token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Anyone may be chosen; the page lists them a search at a time (selectors.accounts.people_search).
        self.fields["participants"].queryset = people_choices(exclude=user)

    def clean(self):
        cleaned = super().clean()
        people = cleaned.get("participants") or []
        # One other person and no topic: a one-to-one chat, named from both names.
        cleaned["direct"] = len(people) == 1 and not cleaned.get("topic")
        if people and not cleaned.get("topic") and not cleaned["direct"]:
            self.add_error("topic", _("Give a chat with several people a topic."))
        return cleaned


class MessageForm(forms.Form):
    # One per rendered composer: a send retried after a late or lost answer is recognised (services/messages.py).
    client_id = forms.UUIDField(widget=forms.HiddenInput, required=False, initial=uuid.uuid4)
    content = forms.CharField(
        label=_("Message"),
        strip=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Write something before sending.")},
    )

    def clean_content(self):
        content = self.cleaned_data["content"]
        if not content.strip():
            raise forms.ValidationError(_("Write something before sending."), code="required")
        size = len(content.encode())
        if size > MESSAGE_MAX_BYTES:
            raise forms.ValidationError(
                _("This message is too long: %(size)d KB, the limit is 28 KB. Shorten it or split it."),
                code="max_length",
                params={"size": (size + 1023) // 1024},
            )
        return content


EARLIEST_HISTORY_DATE = date(1970, 1, 1)
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
        if cleaned.get("history") != FROM_DATE:
            self._errors.pop("history_date", None)  # the date only counts with "From a date"
        else:
            day = cleaned.get("history_date")
            if not day and "history_date" not in self.errors:
                self.add_error("history_date", _("Choose the date from which they see the history."))
            elif day and not EARLIEST_HISTORY_DATE <= day <= timezone.localdate():
                # ACS times are Unix times; a date outside them is a typo, and a future one would hide new messages.
                self.add_error(
                    "history_date",
                    _("Choose a date between %(earliest)s and today.")
                    % {"earliest": date_format(EARLIEST_HISTORY_DATE, "DATE_FORMAT")},
                )
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
