from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_node_key(sender: AppConfig, **kwargs: object) -> None:
    # The node's key is made with its database, not by the first request that needs it: a refused request
    # (or a GET of the manifest) then writes nothing, and two web processes never race to make it.
    from .keys import current_key

    current_key()


class FederationConfig(AppConfig):
    name = "ortaq.federation"
    label = "federation"
    verbose_name = _("Federation")

    def ready(self) -> None:
        post_migrate.connect(_ensure_node_key, sender=self, dispatch_uid="ortaq.federation.node_key")
        # Agreements with parties on other nodes travel through the outbox, in the agreement service's transaction.
        from ortaq.agreements.services import agreement_shared

        from ortaq.mobility.services import logbook_shared, mobility_agreement_shared, nomination_shared

        from .services import share_agreement, share_logbook, share_mobility_agreement, share_nominations

        agreement_shared.connect(share_agreement, dispatch_uid="ortaq.federation.share_agreement")
        # Issuers' DID documents and status lists go to every peer, in the credentials service's transaction.
        from ortaq.credentials.services import issuer_document_changed, status_lists_changed

        from .credential_messages import share_issuer_document, share_status_lists

        issuer_document_changed.connect(share_issuer_document, dispatch_uid="ortaq.federation.share_issuer_document")
        status_lists_changed.connect(share_status_lists, dispatch_uid="ortaq.federation.share_status_lists")
        # So do nominations to hosts on other nodes, and the decisions taken here on theirs.
        nomination_shared.connect(share_nominations, dispatch_uid="ortaq.federation.share_nominations")
        # And learning or training agreements whose receiving party is on another node, and the host's signature here.
        mobility_agreement_shared.connect(share_mobility_agreement, dispatch_uid="ortaq.federation.share_mobility_agreement")
        # And the weeks of their logbooks, kept at home and verified by the host on its node.
        logbook_shared.connect(share_logbook, dispatch_uid="ortaq.federation.share_logbook")
        # And the host's signed transcript, back to the agreement's home.
        from ortaq.mobility.services import transcript_shared

        from .transcript_messages import share_transcript

        transcript_shared.connect(share_transcript, dispatch_uid="ortaq.federation.share_transcript")
        # And the changes the host proposes on its node, and the home's decisions on them.
        from ortaq.mobility.services import change_shared

        from .mobility_agreement_messages import share_change

        change_shared.connect(share_change, dispatch_uid="ortaq.federation.share_change")
