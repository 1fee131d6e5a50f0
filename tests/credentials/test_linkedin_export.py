"""The holder adds a credential to their LinkedIn profile from its page: LinkedIn's add-to-profile address with
the certification's name, issuing institution, month of issue, public verification address and id filled in."""

from urllib.parse import parse_qs, urlsplit

from django.conf import settings

from ortaq.credentials.models import IssuedCredential


def _linkedin_link(page: str) -> str:
    start = page.index('id="add-to-linkedin" href="') + len('id="add-to-linkedin" href="')
    return page[start:page.index('"', start)].replace("&amp;", "&")


def test_the_holder_finds_an_add_to_linkedin_link_with_the_certification_fields(client, world, issued):
    _batch, _programme, joint, registrar, graduates = issued
    credential = IssuedCredential.objects.get(holder=graduates[0])
    client.force_login(graduates[0])
    link = urlsplit(_linkedin_link(client.get(f"/en/wallet/{credential.public_id}/").content.decode()))
    assert (link.scheme, link.netloc, link.path) == ("https", "www.linkedin.com", "/profile/add")
    fields = {k: v[0] for k, v in parse_qs(link.query).items()}
    assert fields["startTask"] == "CERTIFICATION_NAME"
    assert fields["name"] == credential.display_title and fields["organizationName"] == credential.issuer.institution.display_name
    assert (fields["issueYear"], fields["issueMonth"]) == ("2026", "6")  # the diploma's validFrom (graduation 30 June 2026)
    assert fields["certUrl"].startswith(settings.SITE_ROOT) and fields["certUrl"].endswith(f"/verify/{credential.verify_code}")
    assert fields["certId"] == credential.verify_code
    client.logout()  # the public verification address it gives LinkedIn works for anyone
    assert client.get(urlsplit(fields["certUrl"]).path).status_code == 200


def test_the_registrar_sees_no_linkedin_link_on_someone_elses_credential(client, world, issued):
    _batch, _programme, joint, registrar, graduates = issued
    credential = IssuedCredential.objects.get(holder=graduates[0])
    client.force_login(registrar)
    page = client.get(f"/en/wallet/{credential.public_id}/").content.decode()
    assert "add-to-linkedin" not in page and "Download JSON" in page
