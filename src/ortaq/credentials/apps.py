import os

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# https://www.w3.org/ns/credentials/examples/v2 (w3c/vc-data-model, contexts/credentials/examples/v2): an
# @vocab that makes every term defined, which is why the platform refuses it unless this switch is set.
EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"
EXAMPLES_V2_DOCUMENT = {"@context": {"@vocab": "https://www.w3.org/ns/credentials/examples#"}}


class CredentialsConfig(AppConfig):
    name = "ortaq.credentials"
    label = "credentials"
    verbose_name = _("Credentials")

    def ready(self) -> None:
        # Conformance runs only (the W3C VC Data Model 2.0 test suite writes its credentials with the examples
        # context; docs/credentials.md): a deployment never sets this, so its credentials define every term.
        if os.getenv("ORTAQ_VC_EXAMPLES_CONTEXT") == "1":
            import ortaq.engines.credentials as creds
            from ortaq.engines.credentials import contexts

            if EXAMPLES_V2 not in contexts._EXTRA:
                creds.register_context(EXAMPLES_V2, EXAMPLES_V2_DOCUMENT)
