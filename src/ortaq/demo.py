"""Demo data: invented institutions, people, agreements and programmes, all marked as demo.

Loading is idempotent (natural keys: usernames, BINs, SCHAC domains, agreement references, programme
codes), so `ortaq serve --demo` can run at every start. None of these institutions is real.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ortaq.validators import kz_check_digit, uscc_check_character

DEMO_PASSWORD = "ortaq-demo"

# `ortaq serve --demo --node kz|cn` (docs/federation.md, "Demo: two nodes"): each country's node hosts the demo
# institutions of its country, their people and the work whose parties are all local; the node's name and
# country default to these. Work across the border (agreements, placements) is not seeded on a split node: it
# would name institutions the node does not host, and it crosses once the two nodes are peered.
NODES = {"kz": ("KZ", "Ortaq Kazakhstan (demo node)"), "cn": ("CN", "Ortaq China (demo node)")}
# A node needs its platform administrator; `admin` belongs to the Joint College (KZ), and on the Chinese node
# to the Tianjin college (the first Chinese partner of the single-node demo).
NODE_ADMIN_HOME = {"cn": "tianjin"}


def _bin(first11: str) -> str:
    for last in range(10):
        candidate = first11[:10] + str(last)
        digit = kz_check_digit(candidate)
        if digit is not None:
            return candidate + str(digit)
    raise ValueError(first11)


def _uscc(first17: str) -> str:
    return first17 + uscc_check_character(first17)


INSTITUTIONS = [
    # key, kind, original, latin, kk, ru, zh, en, country, region, city, extra
    ("joint", "joint_college", "Қазақстан-Қытай бірлескен кәсіптік-техникалық колледжі (демо)", "Kazakhstan-China Joint Vocational and Technical College (demo)",
     "Қазақстан-Қытай бірлескен кәсіптік-техникалық колледжі (демо)", "Казахстанско-китайский совместный профессионально-технический колледж (демо)",
     "哈中联合职业技术学院（演示）", "Kazakhstan-China Joint Vocational and Technical College (demo)", "KZ", "Astana", "Астана",
     {"kz_bin": _bin("25064000001"), "schac": "joint-college.demo.ortaq.kz", "accessibility_facilities": ["step_free_access", "accessible_toilets", "sign_language"]}),
    ("almaty", "college", "Алматы жоғары политехникалық колледжі (демо)", "Almaty Higher Polytechnic College (demo)",
     "Алматы жоғары политехникалық колледжі (демо)", "Алматинский высший политехнический колледж (демо)", "阿拉木图高等理工学院（演示）",
     "Almaty Higher Polytechnic College (demo)", "KZ", "Almaty", "Алматы",
     {"kz_bin": _bin("98034000002"), "schac": "almaty-poly.demo.ortaq.kz", "accessibility_facilities": ["step_free_access", "hearing_loop"]}),
    ("shymkent", "college", "Шымкент индустриялық-инновациялық колледжі (демо)", "Shymkent Industrial and Innovation College (demo)",
     "Шымкент индустриялық-инновациялық колледжі (демо)", "Шымкентский индустриально-инновационный колледж (демо)", "奇姆肯特工业创新学院（演示）",
     "Shymkent Industrial and Innovation College (demo)", "KZ", "Shymkent", "Шымкент",
     {"kz_bin": _bin("01054000003"), "schac": "shymkent-iic.demo.ortaq.kz"}),
    ("zhambyl", "college", "Тараз агротехникалық колледжі (демо)", "Taraz Agrotechnical College (demo)",
     "Тараз агротехникалық колледжі (демо)", "Таразский агротехнический колледж (демо)", "塔拉兹农业技术学院（演示）",
     "Taraz Agrotechnical College (demo)", "KZ", "Zhambyl region", "Тараз",
     {"kz_bin": _bin("05114000004"), "schac": "taraz-agro.demo.ortaq.kz", "accessibility_facilities": ["adapted_workplace"]}),
    ("tianjin", "college", "天津海河智造职业学院（演示）", "Tianjin Haihe Smart Manufacturing Vocational College (demo)",
     "Тяньцзинь Хайхэ ақылды өндіріс кәсіптік колледжі (демо)", "Тяньцзиньский колледж интеллектуального производства Хайхэ (демо)",
     "天津海河智造职业学院（演示）", "Tianjin Haihe Smart Manufacturing Vocational College (demo)", "CN", "Tianjin", "天津",
     {"cn_uscc": _uscc("12120000MB0000001"), "schac": "haihe-smart.demo.ortaq.cn", "accessibility_facilities": ["step_free_access", "accessible_dormitory"]}),
    ("xinjiang", "college", "乌鲁木齐天山交通职业学院（演示）", "Urumqi Tianshan Transport Vocational College (demo)",
     "Үрімжі Тяньшань көлік кәсіптік колледжі (демо)", "Урумчийский транспортный профессиональный колледж Тяньшань (демо)",
     "乌鲁木齐天山交通职业学院（演示）", "Urumqi Tianshan Transport Vocational College (demo)", "CN", "Xinjiang", "乌鲁木齐",
     {"cn_uscc": _uscc("12650000MB0000002"), "schac": "tianshan-transport.demo.ortaq.cn"}),
    ("shaanxi", "college", "陕西长安数字技术职业学院（演示）", "Shaanxi Chang'an Digital Technology Vocational College (demo)",
     "Шэньси Чанъань цифрлық технологиялар кәсіптік колледжі (демо)", "Шэньсийский колледж цифровых технологий Чанъань (демо)",
     "陕西长安数字技术职业学院（演示）", "Shaanxi Chang'an Digital Technology Vocational College (demo)", "CN", "Shaanxi", "西安",
     {"cn_uscc": _uscc("12610000MB0000003"), "schac": "changan-digital.demo.ortaq.cn"}),
    ("kz_cluster", "industrial_cluster", "Алматы машина жасау кластері (демо)", "Almaty Machine-Building Cluster (demo)",
     "Алматы машина жасау кластері (демо)", "Алматинский машиностроительный кластер (демо)", "阿拉木图机械制造产业集群（演示）",
     "Almaty Machine-Building Cluster (demo)", "KZ", "Almaty", "Алматы", {"kz_bin": _bin("19024000005")}),
    ("kz_company", "enterprise", "«Жетісу Автоматика» ЖШС (демо)", "Zhetisu Avtomatika LLP (demo)",
     "«Жетісу Автоматика» ЖШС (демо)", "ТОО «Жетысу Автоматика» (демо)", "杰特苏自动化有限责任公司（演示）",
     "Zhetisu Avtomatika LLP (demo)", "KZ", "Almaty", "Алматы", {"kz_bin": _bin("15074000006"), "accessibility_facilities": ["adapted_workplace"]}),
    ("cn_cluster", "industrial_cluster", "天津滨海智能装备产业集群（演示）", "Tianjin Binhai Intelligent Equipment Cluster (demo)",
     "Тяньцзинь Биньхай зияткерлік жабдықтар кластері (демо)", "Тяньцзиньский кластер интеллектуального оборудования Биньхай (демо)",
     "天津滨海智能装备产业集群（演示）", "Tianjin Binhai Intelligent Equipment Cluster (demo)", "CN", "Tianjin", "天津", {"cn_uscc": _uscc("51120000MB0000004")}),
    ("cn_company", "enterprise", "天津智联装备有限公司（演示）", "Tianjin Zhilian Equipment Co., Ltd. (demo)",
     "Тяньцзинь Чжилянь жабдықтары ЖШҚ (демо)", "ООО «Тяньцзинь Чжилянь Оборудование» (демо)", "天津智联装备有限公司（演示）",
     "Tianjin Zhilian Equipment Co., Ltd. (demo)", "CN", "Tianjin", "天津", {"cn_uscc": _uscc("91120000MA0000005")}),
    ("ministry", "ministry", "Кәсіптік білім беру министрлігі (демо)", "Ministry of Vocational Education (demo)",
     "Кәсіптік білім беру министрлігі (демо)", "Министерство профессионального образования (демо)", "职业教育部（演示）",
     "Ministry of Vocational Education (demo)", "KZ", "Astana", "Астана", {}),
]

PEOPLE = [
    # username, name, role, institution key, extra
    ("admin", "Платформа әкімшісі", "platform_admin", "joint", {}),
    ("coordinator", "Айгерім Сәрсенбаева", "coordinator", "almaty", {"email": "coordinator@demo.ortaq.kz"}),
    ("coordinator.joint", "Ерлан Тоқтаров", "coordinator", "joint", {}),
    ("coordinator.shymkent", "Гүлнар Әбілова", "coordinator", "shymkent", {}),
    ("coordinator.taraz", "Бауыржан Омаров", "coordinator", "zhambyl", {}),
    ("coordinator.cn", "王丽", "coordinator", "tianjin", {"preferred_language": "zh-hans"}),
    ("coordinator.shaanxi", "李强", "coordinator", "shaanxi", {"preferred_language": "zh-hans"}),
    ("coordinator.xinjiang", "阿依古丽·买买提", "coordinator", "xinjiang", {"preferred_language": "zh-hans"}),
    ("registrar", "Мария Ким", "registrar", "joint", {"preferred_language": "ru"}),
    ("teacher", "Нұрлан Жақсыбеков", "teacher", "shymkent", {"preferred_language": "kk"}),
    ("student", "Дана Серікқызы", "student", "almaty", {"preferred_language": "kk", "iin": "050315650011"}),
    ("supervisor", "张伟", "company_supervisor", "cn_company", {"preferred_language": "zh-hans"}),
    ("manager", "Асқар Бекмұханов", "manager_in_training", "zhambyl", {"preferred_language": "ru"}),
    ("trainer", "陈静", "trainer", "shaanxi", {"preferred_language": "zh-hans"}),
    ("analyst", "Сәуле Нұрпейісова", "ministry_analyst", "ministry", {"preferred_language": "ru"}),
    # Two more students of the Almaty college, so that the mobility year has someone in each phase: `student`
    # is free to apply to the open call, `student.intern` is abroad now, `student.returned` awaits recognition.
    ("student.intern", "Ерасыл Қанатұлы", "student", "almaty", {"preferred_language": "kk", "iin": "060412550021"}),
    ("student.returned", "Әлия Нұрланқызы", "student", "almaty", {"preferred_language": "ru", "iin": "050927650031"}),
]

# People behind the counts: classmates who applied, last year's graduates and managers in training. Analytics
# withholds any figure below 5 (analytics.disclosure), so each group has at least five. They can sign in with
# the demo password too, but the README leads to the logins above.
CLASSMATES = ["Тимур Ахметов", "Жанар Қасымова", "Руслан Ибраев", "Меруерт Сапарова", "Данияр Есенов", "Айдана Төлеген",
              "Нұрсұлтан Бекетов", "Камила Жұмабаева", "Арман Сейтқали"]
GRADUATES = ["Ержан Мұқанов", "Алина Ким", "Бекзат Оспанов", "Динара Әлиева", "Ильяс Нуриев", "Сабина Рахимова",
             "Олжас Тұрсынов", "Гаухар Смағұлова", "Максим Ли", "Зарина Абдуллаева"]
MANAGERS = ["Гүлмира Есімова", "Қайрат Жарылқасын", "Лаура Мамырова", "Нұрлан Сыздықов", "Бақытгүл Айтжанова"]


def _academic_year(day: dt.date) -> int:
    """Academic years start in September: March 2027 belongs to 2026/27, written 2026."""
    return day.year if day.month >= 9 else day.year - 1


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _valid_iin(base11: str) -> str:
    digit = kz_check_digit(base11)
    return base11 + str(digit) if digit is not None else _valid_iin(base11[:10] + str((int(base11[10]) + 1) % 10))


def _institutions(node: str | None = None) -> dict:
    from ortaq.institutions.models import Institution

    result = {}
    for key, kind, original, latin, kk, ru, zh, en, country, region, city, extra in INSTITUTIONS:
        if node is not None and country != NODES[node][0]:
            continue
        natural = {"schac": extra["schac"]} if extra.get("schac") else {"name_latin": latin}
        institution, _ = Institution.objects.get_or_create(
            **natural,
            defaults=dict(kind=kind, name_original=original, name_latin=latin, name_kk=kk, name_ru=ru, name_zh=zh, name_en=en,
                          country=country, region=region, city=city, is_demo=True,
                          **{k: v for k, v in extra.items() if k != "schac"}, **({"schac": extra["schac"]} if extra.get("schac") else {})),
        )
        result[key] = institution
    for member, cluster in (("kz_company", "kz_cluster"), ("cn_company", "cn_cluster")):
        if member in result and result[member].parent_cluster_id is None:
            result[member].parent_cluster = result[cluster]
            result[member].save(update_fields=["parent_cluster"])
    from ortaq.institutions.models import Contact

    if "tianjin" in result and not Contact.objects.filter(institution=result["tianjin"]).exists():
        Contact.objects.create(institution=result["tianjin"], name="王丽", name_latin="Wang Li", position="国际交流处处长", email="intl@haihe-smart.demo.ortaq.cn")
    if "almaty" in result and not Contact.objects.filter(institution=result["almaty"]).exists():
        Contact.objects.create(institution=result["almaty"], name="Айгерім Сәрсенбаева", name_latin="Aigerim Sarsenbaeva", position="Халықаралық бөлім басшысы", email="coordinator@demo.ortaq.kz")
    return result


def _people(institutions: dict, node: str | None = None) -> dict:
    from ortaq.accounts.models import Membership, User
    from ortaq.names import latin_form

    from django.contrib.auth.hashers import make_password

    people = {}
    hashed = make_password(DEMO_PASSWORD)  # hashed once: one Argon2 run per account would cost seconds at every start
    rows = [*PEOPLE, *((f"almaty.student{n}", name, "student", "almaty", {}) for n, name in enumerate(CLASSMATES, 1)),
            *((f"joint.graduate{n}", name, "student", "joint", {}) for n, name in enumerate(GRADUATES, 1)),
            *((f"taraz.manager{n}", name, "manager_in_training", "zhambyl", {"preferred_language": "ru"}) for n, name in enumerate(MANAGERS, 1))]
    for username, name, role, key, extra in rows:
        key = NODE_ADMIN_HOME.get(node or "", key) if role == "platform_admin" else key
        if key not in institutions:  # a person of the other country's node
            continue
        extra = dict(extra)
        if extra.get("iin"):
            extra["iin"] = _valid_iin(extra["iin"][:11])
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, full_name=name, full_name_latin=latin_form(name, person=True), email=extra.pop("email", f"{username}@demo.ortaq.kz"), **extra)
            user.password = hashed
            if role == "platform_admin":
                user.is_superuser = user.is_staff = True
            user.save()
        Membership.objects.get_or_create(user=user, institution=institutions[key], role=role)
        people[username] = user
    return people


def _agreements(inst: dict, people: dict) -> None:
    from ortaq.agreements import services
    from ortaq.agreements.models import Agreement
    from ortaq.agreements.types import AgreementTerms, ConditionTerms

    # Agreements run from last academic year to three years ahead, so that the demo's calls always fall inside.
    first, last = _academic_year(timezone.localdate()) - 1, _academic_year(timezone.localdate()) + 3

    def condition(mobility_type, sending, receiving, isced, places, duration, unit="months", **extra):
        if sending not in inst or receiving not in inst:  # a split node: the agreement is not seeded there
            return None
        return ConditionTerms(mobility_type=mobility_type, sending_id=inst[sending].pk, receiving_id=inst[receiving].pk, isced_code=isced,
                              places_per_year=places, duration=duration, duration_unit=unit, start_year=first, end_year=last, **extra)

    plans = [
        ("DEMO-IIA-001", "inter_institutional", "Almaty – Tianjin: mechatronics internships and study (demo)", ["almaty", "tianjin"], "coordinator",
         [condition("student_internship", "almaty", "tianjin", "0714", 10, 3, eqf_level="5", nqf_level="5", language="zh", language_framework="hsk", language_min_level="3", inclusion_support="Step-free dormitory rooms and a buddy student."),
          condition("teacher_internship", "almaty", "tianjin", "0714", 3, 14, "days", language="ru", language_framework="cefr", language_min_level="B1"),
          condition("student_study", "tianjin", "almaty", "0714", 5, 5, language="ru", language_framework="cefr", language_min_level="A2")],
         "in_effect"),
        ("DEMO-IIA-002", "inter_institutional", "Shymkent – Shaanxi: digital technologies exchange (demo)", ["shymkent", "shaanxi"], "coordinator.shymkent",
         [condition("student_study", "shymkent", "shaanxi", "0612", 6, 5, eqf_level="5", language="zh", language_framework="hsk", language_min_level="4"),
          condition("staff_training", "shaanxi", "shymkent", "0611", 2, 10, "days", language="en", language_framework="cefr", language_min_level="B2")],
         "proposed_half"),
        ("DEMO-IIA-003", "inter_institutional", "Taraz – Urumqi: agricultural machinery internships (demo)", ["zhambyl", "xinjiang"], "coordinator.taraz",
         [condition("student_internship", "zhambyl", "xinjiang", "0811", 8, 2, nqf_level="4", eqf_level="4", language="ru", language_framework="cefr", language_min_level="A2")],
         "draft"),
        ("DEMO-MOU-004", "memorandum", "Joint college – Tianjin Binhai cluster: memorandum on dual training (demo)", ["joint", "cn_cluster"], "coordinator.joint",
         [], "approved"),
        ("DEMO-IIA-005", "inter_institutional", "Almaty – Urumqi: logistics study visits (demo)", ["almaty", "xinjiang"], "coordinator",
         [condition("student_study", "almaty", "xinjiang", "1041", 4, 1, language="ru", language_framework="cefr", language_min_level="B1")],
         "terminated"),
    ]
    for reference, kind, title, party_keys, by, conditions, target in plans:
        if Agreement.objects.filter(reference=reference).exists() or not all(k in inst for k in party_keys):
            continue
        actor = people["admin"]
        agreement = services.agreement_create(
            actor=people[by], terms=AgreementTerms(kind=kind, title=title, reference=reference, start_year=first, end_year=last,
                                                   summary="Demo agreement: invented parties and terms."),
            initiator=inst[party_keys[0]], parties=[inst[k] for k in party_keys],
        )
        Agreement.objects.filter(pk=agreement.pk).update(is_demo=True)
        for terms in conditions:
            services.condition_add(actor=people[by], agreement=agreement, terms=terms)
        if target == "draft":
            continue
        services.agreement_propose(actor=people[by], agreement=agreement)
        approvers = {"almaty": "coordinator", "tianjin": "coordinator.cn", "shymkent": "coordinator.shymkent", "shaanxi": "coordinator.shaanxi",
                     "zhambyl": "coordinator.taraz", "xinjiang": "coordinator.xinjiang", "joint": "coordinator.joint", "cn_cluster": "admin"}
        keys = party_keys[:1] if target == "proposed_half" else party_keys
        for key in keys:
            services.agreement_approve(actor=people[approvers[key]], agreement=agreement, institution=inst[key])
        if target in ("in_effect", "terminated"):
            services.agreement_put_into_effect(actor=people[by], agreement=agreement)
        if target == "terminated":
            services.agreement_terminate(actor=actor, agreement=agreement, reason="Replaced by a new agreement (demo).")


PROGRAMMES = [
    {
        "code": "DEMO-JP-0714", "isced_code": "0714", "kz_nqf_level": "5", "eqf_level": "5", "cn_level": "higher_vocational_associate",
        "title_kk": "Өнеркәсіптік автоматтандыру және мехатроника", "title_ru": "Промышленная автоматизация и мехатроника",
        "title_zh": "工业自动化与机电一体化", "title_en": "Industrial automation and mechatronics",
        "qualification_kz": "Мехатроник-техник", "qualification_cn": "机电一体化技术专科", "specialty_code_kz": "07140900", "specialty_code_cn": "460301",
        "languages": ["kk", "ru", "zh"], "duration_months": 34, "awarding": ["joint", "almaty", "tianjin"],
        "modules": [
            ("PLC-1", 6, ("Бағдарламаланатын логикалық контроллерлер", "Программируемые логические контроллеры", "可编程逻辑控制器", "Programmable logic controllers"),
             ("PS-KZ-0714-03", "Автоматтандыру жүйелерін баптау / Наладка систем автоматизации"), ("1+X-PLC-II", "可编程控制器系统应用编程（中级）"),
             [("LO1", "IEC 61131-3 тілдерінде басқару бағдарламасын жазады және жөндейді.", "Пишет и отлаживает программу управления на языках IEC 61131-3.",
               "能用IEC 61131-3语言编写并调试控制程序。", "Writes and debugs a control program in IEC 61131-3 languages."),
              ("LO2", "Датчиктер мен орындаушы құрылғыларды контроллерге қосып, сигналдарды тексереді.", "Подключает датчики и исполнительные устройства к контроллеру и проверяет сигналы.",
               "将传感器和执行器接入控制器并检查信号。", "Connects sensors and actuators to a controller and checks the signals.")]),
            ("ROB-2", 5, ("Өнеркәсіптік роботтарға қызмет көрсету", "Обслуживание промышленных роботов", "工业机器人运维", "Industrial robot maintenance"),
             ("PS-KZ-0714-05", "Роботтандырылған кешендерге қызмет көрсету / Обслуживание роботизированных комплексов"), ("1+X-ROB-I", "工业机器人操作与运维（初级）"),
             [("LO1", "Роботтың қауіпсіз жұмыс аймағын баптайды және техникалық қызмет кестесін орындайды.", "Настраивает безопасную рабочую зону робота и выполняет график технического обслуживания.",
               "设置机器人安全工作区并执行维护计划。", "Sets up a robot's safe working zone and carries out the maintenance schedule."),
              ("LO2", "Ақаулардың себебін диагностикалық журнал бойынша анықтайды.", "Определяет причину неисправности по диагностическому журналу.",
               "根据诊断日志查找故障原因。", "Finds the cause of a fault from the diagnostic log.")]),
        ],
    },
    {
        "code": "DEMO-JP-1041", "isced_code": "1041", "kz_nqf_level": "4", "eqf_level": "4", "cn_level": "secondary_vocational",
        "title_kk": "Көлік логистикасы және тасымалдауды ұйымдастыру", "title_ru": "Транспортная логистика и организация перевозок",
        "title_zh": "交通物流与运输组织", "title_en": "Transport logistics and the organisation of carriage",
        "qualification_kz": "Логист-техник", "qualification_cn": "物流服务与管理", "specialty_code_kz": "10410100", "specialty_code_cn": "730901",
        "languages": ["ru", "zh"], "duration_months": 22, "awarding": ["joint", "xinjiang"],
        "modules": [
            ("LOG-1", 4, ("Халықаралық жүк тасымалы", "Международные грузоперевозки", "国际货物运输", "International freight transport"),
             ("PS-KZ-1041-02", "Экспедитор / Экспедитор"), ("1+X-LOG-I", "物流管理（初级）"),
             [("LO1", "Тасымал құжаттарын (CMR, СМГС теміржол жүкқұжаты) толтырады.", "Оформляет перевозочные документы (CMR, накладная СМГС).",
               "填写运输单证（CMR、国际货协运单）。", "Completes transport documents (CMR, SMGS railway consignment note)."),
              ("LO2", "Қорғас шекара өткелі арқылы өтетін бағыттың құны мен мерзімін есептейді.", "Рассчитывает стоимость и сроки маршрута через пограничный переход Хоргос.",
               "计算经霍尔果斯口岸线路的成本和时效。", "Calculates the cost and lead time of a route through the Khorgos border crossing.")]),
            ("WMS-2", 3, ("Қойма жүйелері", "Складские системы", "仓储管理系统", "Warehouse management systems"),
             ("", ""), ("", ""),
             [("LO1", "Қоймада тауарды қабылдауды, орналастыруды және жинақтауды WMS жүйесінде жүргізеді.", "Ведёт приёмку, размещение и комплектацию товара в системе WMS.",
               "在WMS系统中完成入库、上架和拣货作业。", "Receives, stores and picks goods in a warehouse management system.")]),
        ],
    },
]


def _programmes(inst: dict) -> None:
    from ortaq.programmes.models import LearningOutcome, Module, Programme

    for spec in PROGRAMMES:
        spec = dict(spec)
        modules, awarding = spec.pop("modules"), spec.pop("awarding")
        awarding = [k for k in awarding if k in inst]  # on a split node, the local awarding institutions
        if not awarding:
            continue
        programme, created = Programme.objects.get_or_create(code=spec["code"], defaults={**spec, "is_demo": True})
        if not created:
            continue
        programme.awarding_institutions.set([inst[k] for k in awarding])
        for order, (code, credits, titles, standard, certificate, outcomes) in enumerate(modules):
            module = Module.objects.create(
                programme=programme, code=code, order=order, credits=credits, title_kk=titles[0], title_ru=titles[1], title_zh=titles[2], title_en=titles[3],
                professional_standard_code=standard[0], professional_standard_title=standard[1], certificate_1x_code=certificate[0], certificate_1x_title=certificate[1],
            )
            for lo_code, kk, ru, zh, en in outcomes:
                LearningOutcome.objects.create(module=module, code=lo_code, text_kk=kk, text_ru=ru, text_zh=zh, text_en=en)


def _training(inst: dict, people: dict) -> None:
    from ortaq.training import services
    from ortaq.training.models import Course, TrainingProgramme

    if "shaanxi" not in inst:  # the provider is on the other node
        return
    programme, created = TrainingProgramme.objects.get_or_create(
        code="DEMO-AI-MGMT", defaults={
            "title_en": "AI in education management (demo)", "title_ru": "ИИ в управлении образованием (демо)",
            "title_kk": "Білім беруді басқарудағы ЖИ (демо)", "title_zh": "教育管理中的人工智能（演示）", "provider": inst["shaanxi"],
            "prerequisites_en": "A management post at a college.", "prerequisites_ru": "Руководящая должность в колледже.",
            "prerequisites_kk": "Колледждегі басшылық лауазым.", "prerequisites_zh": "在职业院校担任管理职务。"})
    if not created:
        return
    course = Course.objects.create(
        programme=programme, code="AI-101", title_en="Data-driven college management with AI", title_ru="Управление колледжем на основе данных и ИИ",
        title_kk="Деректер мен ЖИ негізінде колледжді басқару", title_zh="基于数据与人工智能的院校管理", hours=36,
        modules="AI foundations for managers\nEthics and data protection\nDigital learning platforms\nFinal project: an AI plan for your college",
        competences=["unesco_ai_teachers:ethics", "unesco_ai_teachers:foundations", "digcomporg:leadership"])
    # The next cohort, open for nominations: it starts eight weeks from now.
    start = _monday(timezone.localdate()) + dt.timedelta(weeks=8)
    # Written in Chinese only by the Xi'an trainer: a Kazakh or Russian reader sees it marked "(written in Chinese)".
    topics = ("面向管理者的人工智能基础", "伦理与数据保护", "数字化学习平台")
    services.cohort_create(
        actor=people["trainer"], course=course, title="西安与线上的下一期培训 (demo)", written_in="zh-hans", format="blended", language="ru",
        location="Xi'an / online", start_date=start, end_date=start + dt.timedelta(weeks=12, days=-3), capacity=25,
        sessions=[(_at(start + dt.timedelta(weeks=2 * n)), topic) for n, topic in enumerate(topics)])


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour, 0))


def _mobility(inst: dict, people: dict) -> bool:
    """An enterprise's internship offer and an open call, so that students have something to apply to. True when
    this run created them (a fresh demo)."""
    from ortaq.agreements.models import Agreement
    from ortaq.mobility import services
    from ortaq.mobility.models import Call, InternshipOffer
    from ortaq.mobility.types import CallInput, OfferInput

    if Call.objects.filter(title__endswith="(demo)").exists() or "cn_company" not in inst:
        return False
    today = timezone.localdate()
    # A standing offer: interns from several calls work there, the first of them since ten weeks ago.
    offer = InternshipOffer.objects.filter(title__endswith="(demo)").first() or services.offer_create(
        actor=people["supervisor"], host=inst["cn_company"], offer=OfferInput(
            title="PLC commissioning intern (demo)", written_in="en",
            tasks="Commission and test PLC cabinets\nWire sensors and actuators\nKeep the commissioning log",
            translations={"ru": {"title": "Стажёр-наладчик ПЛК (демо)",
                                 "tasks": "Наладка и испытание шкафов ПЛК\nПодключение датчиков и исполнительных механизмов\nВедение журнала наладки"},
                          "zh-hans": {"title": "PLC调试实习生（演示）", "tasks": "调试和测试PLC控制柜\n连接传感器和执行器\n填写调试日志"}},
            city="Tianjin", start_date=today - dt.timedelta(weeks=20), end_date=today + dt.timedelta(weeks=40),
            places=12, isced_code="0714", language="ru", language_framework="cefr", language_min_level="A2",
            accessibility_facilities=("adapted_workplace",)))
    if offer.state == "draft":
        services.offer_publish(actor=people["supervisor"], offer=offer)
    if "almaty" not in inst:  # the Chinese node: the offer waits for applicants from a peer
        return False
    year = _academic_year(today) + 1
    call = services.call_create(actor=people["coordinator"], owner=inst["almaty"], call=CallInput(
        title=f"Internships in Tianjin, autumn {year} (demo)", written_in="en",
        translations={"kk": {"title": f"Тяньцзиньдегі тағылымдамалар, {year} күзі (демо)"}, "ru": {"title": f"Стажировки в Тяньцзине, осень {year} (демо)"},
                      "zh-hans": {"title": f"{year}年秋季天津实习（演示）"}},
        mobility_type="student_internship", academic_year=year,
        deadline=timezone.now() + dt.timedelta(days=60), max_choices=3,
        ranking_rule="points", weight_grade=50, weight_language=20, weight_motivation=15, weight_interview=15,
        lottery_seed=20270301))
    condition = Agreement.objects.get(reference="DEMO-IIA-001").conditions.get(mobility_type="student_internship")
    services.call_option_add(actor=people["coordinator"], call=call, condition=condition, places=4)
    services.call_option_add(actor=people["coordinator"], call=call, offer=offer, places=2)
    services.call_open(actor=people["coordinator"], call=call)
    return True


def _into_the_past(call, *, days: int) -> None:
    """Move a call's deadline back after its applications were made. Services refuse applications after a deadline
    (rightly), so a call whose round ran weeks ago is seeded as a call that was open, then has its clock turned
    back: the one write here that does not go through a service."""
    from ortaq.mobility.models import Call

    Call.objects.filter(pk=call.pk).update(deadline=timezone.now() - dt.timedelta(days=days))
    call.refresh_from_db()


def _in_progress(inst: dict, people: dict) -> None:
    """A year of cooperation under way, so that every demo login finds work waiting (README, "Where to look first"):

    - `student` may apply to the open call (her language certificates meet both options);
    - `student.intern` is abroad at Tianjin Zhilian: six logbook weeks, the last two waiting for `supervisor`;
    - `student.returned` is back: the host recorded her results and `coordinator` has her recognition to decide;
    - `coordinator` also has a dry-run round (five applicants, three places) to publish;
    - `registrar` prepared this term's diplomas, which `admin` approves (four eyes); last year's are issued;
    - `manager` is enrolled in a running cohort of `trainer`, with five colleagues from the same college;
    - analytics counts at least five people in its cells (smaller ones are withheld).

    Dates follow today, so the demo never goes stale. Everything goes through the services, attributed and audited.
    """
    from ortaq.agreements.models import Agreement
    from ortaq.engines import frameworks as fw
    from ortaq.mobility import during, round_services, services
    from ortaq.mobility.acceptance import placement_answer
    from ortaq.mobility.types import ApplicationInput, CallInput, Scores
    from ortaq.mobility.models import InternshipOffer, Nomination, Party
    from ortaq.programmes.models import LearningOutcome, Programme
    from ortaq.recognition.services import dossier_open
    from ortaq.training import services as training
    from ortaq.training.models import Course

    today, now = timezone.localdate(), timezone.now()
    year = _academic_year(today)
    coordinator, supervisor = people["coordinator"], people["supervisor"]
    classmates = [people[f"almaty.student{n}"] for n in range(1, len(CLASSMATES) + 1)]
    programme = Programme.objects.get(code="DEMO-JP-0714")

    _certificates(people)

    def call(title, *, places, offer=None, condition=None):
        created = services.call_create(actor=coordinator, owner=inst["almaty"], call=CallInput(
            title=title, written_in="en", mobility_type="student_internship", academic_year=year,
            deadline=now + dt.timedelta(days=1), max_choices=1, ranking_rule="points",
            weight_grade=60, weight_language=20, weight_motivation=10, weight_interview=10, lottery_seed=20260901))
        option = services.call_option_add(actor=coordinator, call=created, offer=offer, condition=condition, places=places)
        services.call_open(actor=coordinator, call=created)
        return created, option

    def apply(learners, created, option):
        for n, learner in enumerate(learners):
            application = services.application_save(
                actor=learner, call=created, option_ids=[option.pk], submit=True,
                application=ApplicationInput(programme=programme, year_of_study=2 + n % 2, grade=Decimal(94 - 3 * n),
                                             motivation="I want to commission real production lines and bring the practice home."))
            services.application_score(actor=coordinator, application=application, scores=Scores(motivation_score=70 + 4 * n, interview_score=88 - 3 * n))

    # This year's internships at the enterprise: six placed and accepted; two of them went (one is back).
    offer = InternshipOffer.objects.get(title="PLC commissioning intern (demo)")
    past, option = call(f"Internships at Tianjin Zhilian Equipment, {year}–{year + 1} (demo)", places=6, offer=offer)
    apply([people["student.intern"], people["student.returned"], *classmates[:4]], past, option)
    _into_the_past(past, days=150)
    placement_round = round_services.round_request(actor=coordinator, call=past)
    round_services.round_execute(round_id=placement_round.pk)
    placement_round.refresh_from_db()
    round_services.round_publish(actor=coordinator, placement_round=placement_round)
    # What the worker would do once the seeding commits, done now so that the inboxes are filled at once (the
    # queued task then finds the round notified and sends nothing twice).
    round_services.round_notify(round_id=placement_round.pk, nomination_ids=list(placement_round.outcomes.values_list("nomination", flat=True)))
    # The placed learners answered in time, all but `almaty.student4`, who still has her placement to accept or
    # decline (those who went abroad or are back must not be asked again on their home page).
    for nomination in Nomination.objects.filter(application__call=past).select_related("application__applicant").order_by("pk"):
        if nomination.application.applicant.username != "almaty.student4":
            placement_answer(actor=nomination.application.applicant, nomination=nomination, accept=True)
    for nomination in Nomination.objects.filter(application__call=past).select_related("application__call").order_by("pk"):
        round_services.nomination_decide(actor=supervisor, nomination=nomination, accept=True)

    outcomes = {f"{lo.module.code}/{lo.code}": lo.pk for lo in LearningOutcome.objects.filter(module__programme=programme).select_related("module")}
    components = [
        {"code": "T1", "title": "Commission and test PLC cabinets", "credits": "3", "hours": 90, "recognition": "PLC-1",
         "outcomes": [outcomes["PLC-1/LO1"], outcomes["PLC-1/LO2"]]},
        {"code": "T2", "title": "Maintain the robot cells of the assembly line", "credits": "2", "hours": 60, "recognition": "ROB-2",
         "outcomes": [outcomes["ROB-2/LO1"], outcomes["ROB-2/LO2"]]},
    ]
    work = ["Wired the sensors of two PLC cabinets and checked every signal.", "Wrote and debugged the conveyor's start-up sequence.",
            "Commissioned a cabinet with the engineer on duty.", "Serviced the robot cell: safety zone and lubrication plan.",
            "Found a fault in the diagnostic log and replaced an encoder.", "Kept the commissioning log and presented it to the team."]

    def abroad(learner, start, weeks, verified):
        nomination = Nomination.objects.get(application__call=past, application__applicant=learner)
        agreement = during.mobility_agreement_create(actor=learner, nomination=nomination, start_date=start,
                                                     end_date=start + dt.timedelta(weeks=weeks, days=-3), components=components)
        for party, actor in ((Party.LEARNER, learner), (Party.SENDING, coordinator), (Party.RECEIVING, supervisor)):
            during.mobility_agreement_sign(actor=actor, agreement=agreement, party=party)
        agreement.refresh_from_db()
        for week in range(min(weeks, (today - start).days // 7)):  # only weeks that have begun
            entry = during.logbook_submit(actor=learner, agreement=agreement, week_start=start + dt.timedelta(weeks=week), hours=30 + week % 3 * 2,
                                          description=work[week % len(work)], outcome_ids=components[week % 2]["outcomes"][:1])
            if week < verified:
                during.logbook_verify(actor=supervisor, entry=entry, verified_hours=entry.hours, approve=True, comment="Confirmed by the workshop.")
        return agreement

    abroad(people["student.intern"], _monday(today) - dt.timedelta(weeks=6), 13, verified=4)
    back = abroad(people["student.returned"], _monday(today) - dt.timedelta(weeks=18), 12, verified=12)
    for row in components:
        for outcome in row["outcomes"]:
            during.outcome_evaluate(actor=supervisor, agreement=back, outcome_id=outcome, rating="achieved")
    for component, grade in zip(back.components.order_by("id"), ("92", "85")):
        during.transcript_record(actor=supervisor, agreement=back, component=component, host_grade=grade, host_scale="percent")
    dossier_open(actor=coordinator, mobility_agreement=back)

    # Next term's places at the partner college: applications closed two days ago, the dry run waits to be published.
    condition = Agreement.objects.get(reference="DEMO-IIA-001").conditions.get(mobility_type="student_internship")
    waiting, option = call(f"Internships at Tianjin Haihe college, spring {year + 1} (demo)", places=3, condition=condition)
    apply(classmates[4:], waiting, option)
    _into_the_past(waiting, days=2)
    dry_run = round_services.round_request(actor=coordinator, call=waiting)
    round_services.round_execute(round_id=dry_run.pk)

    _diplomas(people)

    # A running cohort: the demo manager and five colleagues of the Taraz college, three sessions held so far.
    start = _monday(today) - dt.timedelta(weeks=3)
    topics = ("AI foundations for managers", "Ethics and data protection", "Digital learning platforms", "Data for decisions",
              "Final project clinic")
    russian = {"AI foundations for managers": "Основы ИИ для руководителей", "Ethics and data protection": "Этика и защита данных",
               "Digital learning platforms": "Цифровые платформы обучения", "Data for decisions": "Данные для решений",
               "Final project clinic": "Консультация по итоговому проекту"}
    cohort = training.cohort_create(
        actor=people["trainer"], course=Course.objects.get(code="AI-101"), title="Online cohort for college managers (demo, in progress)",
        written_in="en", translations={"ru": {"title": "Онлайн-поток для руководителей колледжей (демо, идёт)"},
                                       "kk": {"title": "Колледж басшыларына арналған онлайн топ (демо, жүріп жатыр)"}},
        format="online", language="ru", location="Online", start_date=start, end_date=start + dt.timedelta(weeks=10, days=-3), capacity=20,
        sessions=[(_at(start + dt.timedelta(weeks=2 * n if n else 0, days=2 if n else 0)), topic, {"ru": {"topic": russian[topic]}})
                  for n, topic in enumerate(topics)])
    enrolments = []
    for manager in [people["manager"], *(people[f"taraz.manager{n}"] for n in range(1, len(MANAGERS) + 1))]:
        enrolment = training.nominate(actor=people["coordinator.taraz"], cohort=cohort, manager=manager)
        enrolments.append(training.enrolment_decide(actor=people["trainer"], enrolment=enrolment, enrol=True))
    training.cohort_set_state(actor=people["trainer"], cohort=cohort, state="running")
    for n, session in enumerate(cohort.sessions.filter(starts_at__lt=now).order_by("starts_at")):
        for m, enrolment in enumerate(enrolments):
            training.attendance_record(actor=people["trainer"], session=session, enrolment=enrolment, present=(n + m) % 5 != 4)
    spec = fw.competency_framework("unesco_ai_teachers")
    levels = [level.code for level in spec.levels]
    for m, enrolment in enumerate(enrolments[1:]):  # the demo manager's own self-assessment is still to do
        training.self_assessment_submit(actor=enrolment.manager, enrolment=enrolment, phase="before", framework=spec.code,
                                        ratings={e.code: levels[(m + k) % 2] for k, e in enumerate(spec.elements)})


def _certificates(people: dict) -> None:
    """The Almaty students' language certificates: the open call's requirements are met by `student`."""
    from ortaq.accounts.services import language_certificate_add
    from ortaq.accounts.types import LanguageCertificateDetails

    today = timezone.localdate()
    classmates = [people[f"almaty.student{n}"] for n in range(1, len(CLASSMATES) + 1)]

    def certificate(person, language, framework, level):
        language_certificate_add(actor=person, person=person, certificate=LanguageCertificateDetails(
            language=language, framework=framework, level=level, issued_on=today - dt.timedelta(days=200)))

    certificate(people["student"], "ru", "cefr", "B2")
    certificate(people["student"], "zh", "hsk", "4")
    for person in [people["student.intern"], people["student.returned"], *classmates]:
        certificate(person, "ru", "cefr", "B1")
    for person in classmates[4:]:
        certificate(person, "zh", "hsk", "3")


def _diplomas(people: dict) -> None:
    """Diplomas: last June's graduates of the logistics programme are issued; this term's wait for a second person."""
    from ortaq.credentials import services as credentials
    from ortaq.programmes.models import Programme

    today = timezone.localdate()
    year, graduates = _academic_year(today), [people[f"joint.graduate{n}"] for n in range(1, len(GRADUATES) + 1)]
    issued = credentials.batch_request(actor=people["registrar"], programme=Programme.objects.get(code="DEMO-JP-1041"), holders=graduates[:5],
                                       graduation_date=dt.date(year, 6, 30))
    credentials.batch_approve(actor=people["admin"], batch=issued)
    credentials.batch_run(issued.pk)
    credentials.batch_request(actor=people["registrar"], programme=Programme.objects.get(code="DEMO-JP-0714"), holders=graduates[5:],
                              graduation_date=today - dt.timedelta(days=3))


def _node_checked(node: str) -> None:
    """A data folder holds one node: the demo of one country is not loaded on top of the other's (or the whole)."""
    from ortaq.institutions.models import Institution

    if Institution.objects.filter(is_demo=True, node__isnull=True).exclude(country=NODES[node][0]).exists():
        raise ValueError(f"this database already holds demo institutions of another country; give the {node} node its own ORTAQ_DATA_DIR")


def load_demo(node: str | None = None) -> str:
    """Load the demo (idempotent) and say what it holds. Demo people have invented addresses: the notifications
    that seeding causes stay in-app, and no e-mail leaves the machine while it runs. With `node` ("kz" or "cn"),
    only that country's part (NODES)."""
    from django.conf import settings

    mailers = settings.MAILERS
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}}
    try:
        return _load(node)
    finally:
        settings.MAILERS = mailers


@transaction.atomic
def _load(node: str | None = None) -> str:
    from ortaq.accounts.models import User
    from ortaq.credentials.models import IssuanceBatch
    from ortaq.agreements.models import Agreement
    from ortaq.institutions.models import Institution
    from ortaq.programmes.models import Programme

    if node is not None:
        _node_checked(node)
    inst = _institutions(node)
    people = _people(inst, node)
    _agreements(inst, people)
    _programmes(inst)
    _training(inst, people)
    if _mobility(inst, people):
        # Only on a fresh demo: a demo database of an earlier version lacks the places this part takes (delete
        # the data folder, or ORTAQ_DATA_DIR, to get it).
        _in_progress(inst, people)
    elif node is not None and "registrar" in people and not IssuanceBatch.objects.filter(requested_by=people["registrar"]).exists():
        # The Kazakh node's own part of the year under way: certificates and the registrar's diplomas.
        _certificates(people)
        _diplomas(people)
    from ortaq.analytics.services import aggregates_refresh

    aggregates_refresh()  # so that the dashboards show the demo's figures at once
    return (
        f"{Institution.objects.filter(is_demo=True).count()} institutions, {User.objects.count()} people, "
        f"{Agreement.objects.filter(is_demo=True).count()} agreements, {Programme.objects.filter(is_demo=True).count()} programmes"
    )
