"""The texts of notifications, by key. Parameters are filled in the recipient's language at display time."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

MESSAGES = {
    "call_opened": (_("New call: %(call)s"), _("A call you may apply to is open until %(deadline)s.")),
    "application_submitted": (_("Application received: %(call)s"), _("Your application is submitted. Receipt: %(receipt)s.")),
    "round_published": (_("Placement result: %(call)s"), _("The placement result of %(call)s is published. Open it to see your result and its explanation.")),
    "nomination_received": (_("New nomination: %(applicant)s"), _("%(applicant)s has been nominated to %(host)s through %(call)s. Please accept or decline.")),
    # A count takes its noun's plural form for that count in the reader's language (ngettext on "count").
    "nominations_received": (ngettext_lazy("%(count)d new nomination: %(call)s", "%(count)d new nominations: %(call)s", "count"),
                             ngettext_lazy("%(count)d person has been nominated to %(host)s through %(call)s. Please accept or decline.",
                                           "%(count)d people have been nominated to %(host)s through %(call)s. Please accept or decline each.", "count")),
    "nomination_decided": (_("Nomination %(decision)s: %(call)s"), _("%(host)s has %(decision)s the nomination of %(applicant)s.")),
    "recognition_decided": (_("Recognition decision"), _("The recognition of your studies abroad is decided. You may appeal until %(deadline)s.")),
    "offer_published": (_("New internship offer: %(offer)s"), _("%(host)s published an internship offer.")),
    "agreement_created": (_("Agreement to sign: %(learner)s"),
                          _("The learning or training agreement of %(learner)s with %(host)s has been drafted. Open it to check and sign it.")),
    "agreement_signed": (_("Agreement signed: %(learner)s"),
                         _("%(signer)s has signed version %(version)s of the agreement of %(learner)s with %(host)s.")),
    "agreement_signed_by_all": (_("Agreement signed by all: %(learner)s"),
                                _("All three parties have signed version %(version)s of the agreement of %(learner)s with %(host)s: the mobility can begin.")),
}

# Reminders before deadlines (ortaq.notifications.reminders): the deadline is written in the recipient's
# language and time zone when the reminder is made.
MESSAGES.update({
    "reminder_application": (_("Reminder: your application to %(call)s"),
                             _("Your application to %(call)s is still a draft. Submit it before %(deadline)s.")),
    "reminder_agreement_sign": (_("Reminder: the agreement of %(learner)s awaits your signature"),
                                _("The learning or training agreement of %(learner)s still needs your signature. The mobility starts on %(deadline)s.")),
    "reminder_self_assessment": (_("Reminder: your self-assessment for %(cohort)s"),
                                 _("Please rate yourself before the course %(cohort)s starts on %(deadline)s.")),
})

# A placed applicant's answer to her placement (mobility.acceptance), told to the sending coordinators (and, when the
# nomination is withdrawn, to the host's staff).
MESSAGES.update({
    "placement_accepted": (_("Placement accepted: %(applicant)s"), _("%(applicant)s has accepted the placement at %(host)s through %(call)s.")),
    "placement_declined": (_("Placement declined: %(applicant)s"),
                           _("%(applicant)s has declined the placement at %(host)s through %(call)s. The seat goes to the next round.")),
    "reminder_placement_answer": (_("Reminder: answer your placement in %(call)s"),
                                  _("Accept or decline your placement in %(call)s before %(deadline)s, or the seat goes to the next round.")),
    "placement_document_refused": (_("A document of your placement was refused: %(call)s"),
                                   _("Your coordinator refused a document of your placement at %(host)s (%(call)s): %(reason)s. Open the placement to send it again.")),
    # A later round moved her up to an option she ranked higher: a new placement, to be answered again.
    "placement_moved_up": (_("A better placement: answer again in %(call)s"),
                           _("A later round of %(call)s placed you at %(host)s, an option you ranked higher. Your earlier answer does not carry over: accept or decline this placement before %(deadline)s.")),
    "placement_lapsed": (_("Placement not answered: %(applicant)s"),
                         _("%(applicant)s did not answer the placement at %(host)s through %(call)s by %(deadline)s. The seat goes to the next round.")),
})

# Nominations across nodes (mobility.remote_services): a nomination made on another node reaches the host's staff here.
MESSAGES.update({
    "remote_nomination_received": (_("New nomination from another node: %(applicant)s"),
                                   _("%(applicant)s has been nominated to %(host)s by %(sending)s through %(call)s, on the node %(node)s. Please accept or decline.")),
    "remote_nomination_withdrawn": (_("Nomination withdrawn: %(applicant)s"),
                                    _("The nomination of %(applicant)s to %(host)s through %(call)s has been withdrawn by the sending node. There is nothing to decide.")),
    "remote_agreement_received": (_("Agreement to sign: %(learner)s"),
                                  _("The sending node has sent version %(version)s of the agreement of %(learner)s with %(host)s. Please read it and sign it for the receiving institution.")),
    "remote_logbook_submitted": (_("Logbook week to verify: %(learner)s"),
                                 _("%(learner)s has submitted the logbook week starting %(week)s of the mobility at %(host)s, on the sending node. Please verify it or return it.")),
    "host_transcript_received": (_("Transcript of records received: %(learner)s"),
                                 _("%(host)s has sent the evaluation and transcript of records of %(learner)s from its node, signed. Recognition can start.")),
    # Changes the host proposes on its node (mobility.remote_change_services), decided on the agreement's home node.
    "agreement_change_proposed_remote": (_("Change proposed by the host: %(learner)s"),
                                         _("%(name)s proposed on %(node)s a change of the agreement of %(learner)s with %(host)s. Please approve or reject it.")),
    "remote_change_approved": (_("Change approved: %(learner)s"),
                               _("The sending institution approved the change you proposed to the agreement of %(learner)s with %(host)s. The new version to sign follows.")),
    "remote_change_rejected": (_("Change rejected: %(learner)s"),
                               _("The sending institution rejected the change you proposed to the agreement of %(learner)s with %(host)s: %(response)s")),
})
