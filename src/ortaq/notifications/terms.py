"""Words that fill a notification's text and must be read in the recipient's language, not the actor's:
services pass the code (`term("accepted")`), the text is chosen when the notification is shown or mailed."""

from django.utils.translation import gettext_lazy as _

TERMS = {
    "accepted": _("accepted"),
    "declined": _("declined"),
}
