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

        from ortaq.mobility.services import nomination_shared

        from .services import share_agreement, share_nominations

        agreement_shared.connect(share_agreement, dispatch_uid="ortaq.federation.share_agreement")
        # So do nominations to hosts on other nodes, and the decisions taken here on theirs.
        nomination_shared.connect(share_nominations, dispatch_uid="ortaq.federation.share_nominations")
