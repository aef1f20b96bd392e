import re
import uuid
from datetime import date, datetime, time, timedelta

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.core.exceptions import BadRequest
from django.db import connections
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from .models import DISPLAY_NAME_MAX_LENGTH, TOPIC_MAX_LENGTH
from .selectors.accounts import display_name, people_choices

MESSAGE_MAX_BYTES = 28 * 1024  # ACS's message size limit (LIMITS.md)
# ACS message ids are numbers; anything else from a page is not worth a call.
MESSAGE_ID = re.compile(r"[0-9]{1,20}")
# The largest number a page may send where the site keeps one: message ids (ACS: epoch milliseconds), sequence
# numbers and the cache's counters all live in signed 64-bit integers (database columns, Redis).
NUMBER_MAX = 2**63 - 1
# Continuation links (selectors/paging.py) are signed tokens of a few hundred characters.
CONTINUATION_MAX_LENGTH = 2000
# The first day an ACS message can be from (Unix time).
EARLIEST_HISTORY_DATE = date(1970, 1, 1)


def owner_mark(user) -> str:
    """Which account a page was made for, as the browser keys the drafts and unsent messages it keeps
    (static/js/thread.js): the same on every page of one person, different between people, and telling nothing
    about them. Not a secret and never a credential: it only keeps one person's words out of another's page."""
    return salted_hmac("chatsite.chat.owner-mark", str(user.pk), algorithm="sha256").hexdigest()[:20]


class MessageIdField(forms.CharField):
    """An ACS message id as a page sends it: digits only, within the site's 64-bit columns."""

    def __init__(self, **kwargs):
        super().__init__(strip=False, max_length=20, **kwargs)

    def validate(self, value):
        super().validate(value)
        if value and not (MESSAGE_ID.fullmatch(value) and int(value) <= NUMBER_MAX):
            raise forms.ValidationError(_("Enter a valid value."), code="invalid")


class NumberField(forms.IntegerField):
    """A sequence number, change marker or version a page hands back: a whole number the site could have made."""

    def __init__(self, **kwargs):
        super().__init__(min_value=0, max_value=NUMBER_MAX, **kwargs)


class DayField(forms.DateField):
    """A day a page names (its newest message's, the first one shown): ISO, from Unix time to tomorrow (the
    page's clock may be a day ahead of the server's)."""

    def __init__(self, **kwargs):
        super().__init__(input_formats=["%Y-%m-%d"], required=False, **kwargs)

    def validate(self, value):
        super().validate(value)
        if value and not EARLIEST_HISTORY_DATE <= value <= timezone.localdate() + timedelta(days=1):
            raise forms.ValidationError(_("Enter a valid date."), code="invalid")


def parsed(form_class, data, **kwargs) -> dict:
    """The request's parameters as `form_class` cleans them; anything it refuses is a bad request (400, answered by
    views.policy.acs_error_policy), never a server error further in. Only for what a page sends by itself (pollers,
    links, hidden fields): what a person types is answered by the field with the form again."""
    form = form_class(data, **kwargs)
    if not form.is_valid():
        raise BadRequest(form.errors.as_text())
    return form.cleaned_data


def _version(value: int | None) -> str:
    return "" if value is None else str(value)


class PollForm(forms.Form):
    """What the thread page's poll says it shows; parsed only by live.page.PageState."""

    marker = NumberField()
    seq = NumberField(required=False)
    day = DayField()
    v = NumberField(required=False)  # the roster version of its panel
    r = forms.RegexField(r"\A(?:-|[0-9]{1,19}\.[0-9]{1,19})\Z", required=False, strip=False)  # receipts listing
    t = NumberField(required=False)  # the typing version; empty while someone is shown typing
    o = MessageIdField(required=False)  # the own message its "seen by" was made for
    own = MessageIdField(required=False)  # the newest of the person's own messages shown

    def clean(self):
        cleaned = super().clean()
        for name in ("v", "t"):
            if name in cleaned:
                cleaned[name] = _version(cleaned[name])
        if "seq" in cleaned:
            cleaned["seq"] = cleaned["seq"] or 0
        return cleaned


class InboxPollForm(forms.Form):
    """The thread list's poll: the list marker it shows; parsed only by live.page.ListState."""

    v = NumberField(required=False)

    def clean(self):
        cleaned = super().clean()
        if "v" in cleaned:
            cleaned["v"] = _version(cleaned["v"])
        return cleaned


class ThreadListForm(forms.Form):
    page = forms.CharField(max_length=CONTINUATION_MAX_LENGTH, required=False)


class OlderForm(forms.Form):
    """"Load older messages": the continuation link and the day shown above the first message on the page."""

    older = forms.CharField(max_length=CONTINUATION_MAX_LENGTH, required=False)
    before_day = DayField()


class ReadForm(forms.Form):
    """The thread page's "read up to here" (views.presence.thread_read): the newest message it showed while in view,
    never beyond the newest message the site showed this person (`shown`, selectors.live.newest_shown)."""

    message = MessageIdField()

    def __init__(self, *args, shown: int | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.shown = shown

    def clean_message(self):
        message = self.cleaned_data["message"]
        if self.shown is None or int(message) > self.shown:
            raise forms.ValidationError(_("This message was not shown to you."), code="not_shown")
        return message


class TypingForm(forms.Form):
    stopped = forms.ChoiceField(choices=[("1", "1")], required=False)  # the person paused or emptied the box


class ParticipantForm(forms.Form):
    """Whom to remove: an ACS user id as the panel lists it."""

    participant = forms.CharField(max_length=255)


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


# A people search a page sends: a bounded string (selectors.accounts.people_search decides what it finds).
SEARCH_PARAM_MAX_LENGTH = 1000


class PeopleSearchForm(forms.Form):
    q = forms.CharField(max_length=SEARCH_PARAM_MAX_LENGTH, required=False, strip=False)


class MessageForm(forms.Form):
    # One per rendered composer: a send retried after a late or lost answer is recognised (services/messages.py).
    client_id = forms.UUIDField(widget=forms.HiddenInput, required=False, initial=uuid.uuid4)
    # The account the page that wrote it was made for (owner_mark): a message written while someone else was
    # logged in on this browser is never sent as the person logged in now. Empty: not said (older pages).
    owner = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64, strip=False)
    content = forms.CharField(
        label=_("Message"),
        strip=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Write something before sending.")},
    )

    def __init__(self, *args, owner: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.expected_owner = owner

    def clean_owner(self):
        owner = self.cleaned_data["owner"]
        if owner and self.expected_owner is not None and owner != self.expected_owner:
            raise forms.ValidationError(
                _("This message was written while someone else was logged in here. It was not sent."),
                code="other_account",
            )
        return owner

    def written_by_someone_else(self) -> bool:
        return self.has_error("owner", code="other_account")

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

    def ticked(self, values) -> list:
        """The people among `values` (the picker's ticked boxes, sent along with a search) that may be added;
        anything else is left out, not refused: it only decides who stays ticked."""
        pks = [value for value in values if value.isdigit() and len(value) <= 18]  # within a 64-bit id
        return list(self.fields["people"].queryset.filter(pk__in=pks))

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
