from dataclasses import replace

import io

import pytest
from pypdf import PdfReader

from ortaq.agreements import services
from ortaq.agreements.types import AgreementTerms


def test_the_version_comparison_page_shows_what_changed(client, world, draft_ac):
    services.agreement_update(actor=world["coordinator_a"], agreement=draft_ac, terms=replace(AgreementTerms.of(draft_ac), title="Renamed agreement"))
    client.force_login(world["coordinator_a"])
    response = client.get(f"/en/agreements/{draft_ac.pk}/versions/?a=2&b=3")
    assert response.status_code == 200
    assert b"Renamed agreement" in response.content and "A–C internships".encode() in response.content


def test_the_pdf_carries_kazakh_and_chinese_names_in_the_chosen_language(client, world, draft_ac):
    world.c.name_original = "天津海河职业学院"
    world.c.name_zh = "天津海河职业学院"
    world.c.save()
    world.a.name_kk = "Алматы жоғары колледжі"
    world.a.name_original = "Алматы жоғары колледжі"
    world.a.save()
    client.force_login(world["coordinator_a"])
    response = client.get(f"/en/agreements/{draft_ac.pk}/pdf/?lang=kk")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "Алматы жоғары колледжі" in text
    assert "天津海河职业学院" in text


def test_the_agreement_list_exports_to_csv_and_xlsx(client, world, draft_ac):
    from openpyxl import load_workbook

    client.force_login(world["coordinator_a"])
    csv = client.get("/en/agreements/export.csv")
    assert csv.status_code == 200 and "A–C internships" in csv.content.decode("utf-8-sig")
    xlsx = client.get("/en/agreements/export.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in next(sheet.iter_rows())][:3] == ["id", "title", "reference"]
    assert sheet.cell(row=2, column=2).value == "A–C internships"


def test_the_institution_list_exports_what_the_filters_select(client, world):
    client.force_login(world["student_a"])
    content = client.get("/en/institutions/export.csv?country=CN").content.decode("utf-8-sig")
    assert "Partner C" in content and "College A" not in content


def test_an_approval_through_the_page_is_audited_and_shown_in_the_history(client, world, proposed_ac):
    client.force_login(world["coordinator_a"])
    response = client.post(f"/en/agreements/{proposed_ac.pk}/approve/", {"institution": world.a.pk, "version": proposed_ac.version}, follow=True)
    assert response.status_code == 200
    assert b"Approval recorded." in response.content
    assert proposed_ac.approvals.filter(institution=world.a, approved_by=world["coordinator_a"]).exists()
    assert b"approved: College A" in response.content


def test_approving_twice_through_the_page_shows_a_clear_message(client, world, proposed_ac):
    client.force_login(world["coordinator_a"])
    client.post(f"/en/agreements/{proposed_ac.pk}/approve/", {"institution": world.a.pk})
    response = client.post(f"/en/agreements/{proposed_ac.pk}/approve/", {"institution": world.a.pk}, follow=True)
    assert b"has already approved version" in response.content
    assert proposed_ac.approvals.count() == 1
