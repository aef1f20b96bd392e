from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _

from .models import DISPLAY_NAME_MAX_LENGTH, TOPIC_MAX_LENGTH
from .people import display_name, people_choices

MESSAGE_MAX_BYTES = 28 * 1024  # ACS's message size limit (LIMITS.md)


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


class ThreadCreateForm(forms.Form):
    topic = forms.CharField(
        label=_("Topic"),
        max_length=TOPIC_MAX_LENGTH,
        error_messages={
            "required": _("Give the chat a topic."),
            "max_length": _("Keep the topic under %(limit_value)d characters (it has %(show_value)d)."),
        },
    )
    participants = PeopleField(
        label=_("Participants"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    # Rendered once per form: submitting the same form twice creates one thread in ACS.
    idempotency_token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participants"].queryset = people_choices(exclude=user)


class MessageForm(forms.Form):
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
