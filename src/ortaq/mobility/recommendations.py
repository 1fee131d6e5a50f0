"""Recommending internship offers to a student: the alignment engine compares the learning outcomes of
the student's programme with each offer's tasks (any of kk, ru, zh, en) and says which tasks the student is
prepared for. A recommendation orders options; it never changes eligibility or the placement."""

from __future__ import annotations

from django.conf import settings


def _texts(lo) -> dict[str, str]:
    return {k: v for k, v in {"ru": lo.text_ru, "kk": lo.text_kk, "zh": lo.text_zh, "en": lo.text_en}.items() if v and v.strip()}


def recommend(*, programme, options) -> list[dict]:
    """[{"option": CallOption, "score": float, "prepared": [task], "new": [task]}], best first."""
    from ortaq.engines.alignment import Outcome, recommend_offers
    from ortaq.recognition.services import text_lang

    if programme is None:
        return []
    student = []
    for module in programme.modules.prefetch_related("outcomes"):
        for lo in module.outcomes.all():
            texts = _texts(lo)
            if texts:
                lang = next(iter(texts))
                student.append(Outcome(id=f"lo{lo.pk}", text=texts[lang], lang=lang, alt={k: v for k, v in texts.items() if k != lang} or None))
    offers, task_text = {}, {}
    for option in options:
        if not option.offer_id:
            continue
        tasks = [line.strip(" -•\t") for line in option.offer.tasks.splitlines() if line.strip(" -•\t")]
        items = []
        for number, task in enumerate(tasks or [option.offer.title]):
            ident = f"t{option.pk}-{number}"
            task_text[ident] = task
            items.append(Outcome(id=ident, text=task, lang=text_lang(task)))
        offers[str(option.pk)] = items
    if not student or not offers:
        return []
    by_id = {str(o.pk): o for o in options}
    return [
        {"option": by_id[p.module], "score": round(p.score, 2), "prepared": [task_text[t] for t in p.covered], "new": [task_text[t] for t in p.uncovered]}
        for p in recommend_offers(student, offers, backend=getattr(settings, "ALIGNMENT_BACKEND", "default"))
    ]
