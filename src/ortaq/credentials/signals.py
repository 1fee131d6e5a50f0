"""What the credentials app announces to whoever publishes its documents elsewhere (the federation listens, in
ortaq.federation.apps; this app knows nothing of nodes). Both are sent inside the transaction of the change, so a
listener that writes (an outbox) writes exactly when the change commits."""

from django.dispatch import Signal

# `issuer` (IssuerProfile): its did:web document changed (the issuer was created, a key rotated or compromised).
issuer_document_changed = Signal()
# `issuer` (IssuerProfile): its status lists changed (created, or a credential revoked, suspended or reinstated).
status_lists_changed = Signal()
