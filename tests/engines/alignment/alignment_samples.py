"""Small fixed data for the alignment tests: four vocational outcomes in kk, ru, zh and en."""

from __future__ import annotations

from ortaq.engines.alignment import Outcome

TEXTS = {
    "weld": {
        "kk": "Болат құбырларды қолмен доғалық дәнекерлеуді орындау",
        "ru": "Выполнять ручную дуговую сварку стальных труб",
        "zh": "对钢管进行焊条电弧焊",
        "en": "Perform manual arc welding of steel pipes",
    },
    "bp": {
        "kk": "Науқастың артериялық қысымын және тамыр соғуын өлшеу",
        "ru": "Измерять артериальное давление и пульс пациента",
        "zh": "测量患者的血压和脉搏",
        "en": "Measure the patient's blood pressure and pulse",
    },
    "waybill": {
        "kk": "Жөнелту құжаттары мен тауар-көлік жүкқұжаттарын рәсімдеу",
        "ru": "Оформлять отгрузочные документы и товарно-транспортные накладные",
        "zh": "填制发货单据和运单",
        "en": "Prepare shipping documents and waybills",
    },
    "plc": {
        "kk": "ПЛК-ны релелік логика тілінде бағдарламалау",
        "ru": "Программировать ПЛК на языке релейной логики",
        "zh": "使用梯形图对PLC进行编程",
        "en": "Program a PLC using ladder logic",
    },
}


def outcomes(lang: str, prefix: str = "") -> list[Outcome]:
    return [Outcome(f"{prefix}{key}", versions[lang], lang) for key, versions in TEXTS.items()]
