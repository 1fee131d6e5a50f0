"""Demo data: invented institutions, people, agreements and programmes, all marked as demo.

Loading is idempotent (natural keys: usernames, BINs, SCHAC domains, agreement references, programme
codes), so `ortaq serve --demo` can run at every start. None of these institutions is real.
"""

from __future__ import annotations

from django.db import transaction

from ortaq.validators import kz_check_digit, uscc_check_character

DEMO_PASSWORD = "ortaq-demo"


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
]


def _valid_iin(base11: str) -> str:
    digit = kz_check_digit(base11)
    return base11 + str(digit) if digit is not None else _valid_iin(base11[:10] + str((int(base11[10]) + 1) % 10))


def _institutions() -> dict:
    from ortaq.institutions.models import Institution

    result = {}
    for key, kind, original, latin, kk, ru, zh, en, country, region, city, extra in INSTITUTIONS:
        natural = {"schac": extra["schac"]} if extra.get("schac") else {"name_latin": latin}
        institution, _ = Institution.objects.get_or_create(
            **natural,
            defaults=dict(kind=kind, name_original=original, name_latin=latin, name_kk=kk, name_ru=ru, name_zh=zh, name_en=en,
                          country=country, region=region, city=city, is_demo=True,
                          **{k: v for k, v in extra.items() if k != "schac"}, **({"schac": extra["schac"]} if extra.get("schac") else {})),
        )
        result[key] = institution
    for member, cluster in (("kz_company", "kz_cluster"), ("cn_company", "cn_cluster")):
        if result[member].parent_cluster_id is None:
            result[member].parent_cluster = result[cluster]
            result[member].save(update_fields=["parent_cluster"])
    from ortaq.institutions.models import Contact

    if not Contact.objects.filter(institution=result["tianjin"]).exists():
        Contact.objects.create(institution=result["tianjin"], name="王丽", name_latin="Wang Li", position="国际交流处处长", email="intl@haihe-smart.demo.ortaq.cn")
        Contact.objects.create(institution=result["almaty"], name="Айгерім Сәрсенбаева", name_latin="Aigerim Sarsenbaeva", position="Халықаралық бөлім басшысы", email="coordinator@demo.ortaq.kz")
    return result


def _people(institutions: dict) -> dict:
    from ortaq.accounts.models import Membership, User
    from ortaq.names import latin_form

    people = {}
    for username, name, role, key, extra in PEOPLE:
        extra = dict(extra)
        if extra.get("iin"):
            extra["iin"] = _valid_iin(extra["iin"][:11])
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, full_name=name, full_name_latin=latin_form(name, person=True), email=extra.pop("email", f"{username}@demo.ortaq.kz"), **extra)
            user.set_password(DEMO_PASSWORD)
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

    def condition(mobility_type, sending, receiving, isced, places, duration, unit="months", **extra):
        return ConditionTerms(mobility_type=mobility_type, sending_id=inst[sending].pk, receiving_id=inst[receiving].pk, isced_code=isced,
                              places_per_year=places, duration=duration, duration_unit=unit, start_year=2025, end_year=2029, **extra)

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
        ("DEMO-IIA-005", "inter_institutional", "Almaty – Urumqi: logistics study visits 2025–2026 (demo)", ["almaty", "xinjiang"], "coordinator",
         [condition("student_study", "almaty", "xinjiang", "1041", 4, 1, language="ru", language_framework="cefr", language_min_level="B1")],
         "terminated"),
    ]
    for reference, kind, title, party_keys, by, conditions, target in plans:
        if Agreement.objects.filter(reference=reference).exists():
            continue
        actor = people["admin"]
        agreement = services.agreement_create(
            actor=people[by], terms=AgreementTerms(kind=kind, title=title, reference=reference, start_year=2025, end_year=2029,
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
    import datetime as dt

    from django.utils import timezone

    from ortaq.training.models import Cohort, Course, Session, TrainingProgramme

    programme, created = TrainingProgramme.objects.get_or_create(
        code="DEMO-AI-MGMT", defaults={
            "title_en": "AI in education management (demo)", "title_ru": "ИИ в управлении образованием (демо)",
            "title_kk": "Білім беруді басқарудағы ЖИ (демо)", "title_zh": "教育管理中的人工智能（演示）", "provider": inst["shaanxi"],
            "prerequisites": "A management post at a college."})
    if not created:
        return
    course = Course.objects.create(
        programme=programme, code="AI-101", title_en="Data-driven college management with AI", title_ru="Управление колледжем на основе данных и ИИ",
        title_kk="Деректер мен ЖИ негізінде колледжді басқару", title_zh="基于数据与人工智能的院校管理", hours=36,
        modules="AI foundations for managers\nEthics and data protection\nDigital learning platforms\nFinal project: an AI plan for your college",
        competences=["unesco_ai_teachers:ethics", "unesco_ai_teachers:foundations", "digcomporg:leadership"])
    cohort = Cohort.objects.create(course=course, title="Spring 2026 cohort, Xi'an and online (demo)", format="blended", language="ru",
                                   location="Xi'an / online", start_date=dt.date(2026, 3, 2), end_date=dt.date(2026, 5, 29), capacity=25,
                                   rubric=__import__("ortaq.training.models", fromlist=["DEFAULT_RUBRIC"]).DEFAULT_RUBRIC)
    cohort.trainers.add(people["trainer"])
    for day, topic in ((2, "AI foundations for managers"), (16, "Ethics and data protection"), (30, "Digital learning platforms")):
        Session.objects.create(cohort=cohort, starts_at=timezone.make_aware(dt.datetime(2026, 3, day, 10, 0)), topic=topic)


def _mobility(inst: dict, people: dict) -> None:
    """An enterprise's internship offer and an open call, so that students have something to apply to."""
    import datetime as dt

    from django.utils import timezone

    from ortaq.agreements.models import Agreement
    from ortaq.mobility import services
    from ortaq.mobility.models import Call, InternshipOffer

    if Call.objects.filter(title__endswith="(demo)").exists():
        return
    offer = InternshipOffer.objects.filter(title__endswith="(demo)").first() or services.offer_create(
        actor=people["supervisor"], host=inst["cn_company"], data={
            "title": "PLC commissioning intern (demo)",
            "tasks": "Commission and test PLC cabinets\nWire sensors and actuators\nKeep the commissioning log",
            "city": "Tianjin", "start_date": "2027-03-01", "end_date": "2027-05-28", "places": 4, "isced_code": "0714",
            "language": "ru", "language_framework": "cefr", "language_min_level": "A2",
            "accessibility_facilities": ["adapted_workplace"]})
    if offer.state == "draft":
        services.offer_publish(actor=people["supervisor"], offer=offer)
    call = services.call_create(actor=people["coordinator"], owner=inst["almaty"], data={
        "title": "Internships in Tianjin, spring 2027 (demo)", "mobility_type": "student_internship", "academic_year": 2026,
        "deadline": (timezone.now() + dt.timedelta(days=60)).strftime("%Y-%m-%d %H:%M"), "max_choices": 3,
        "ranking_rule": "points", "weight_grade": 50, "weight_language": 20, "weight_motivation": 15, "weight_interview": 15,
        "lottery_seed": 20270301})
    condition = Agreement.objects.get(reference="DEMO-IIA-001").conditions.get(mobility_type="student_internship")
    services.call_option_add(actor=people["coordinator"], call=call, condition=condition, places=4)
    services.call_option_add(actor=people["coordinator"], call=call, offer=offer, places=2)
    services.call_open(actor=people["coordinator"], call=call)


@transaction.atomic
def load_demo() -> str:
    from ortaq.accounts.models import User
    from ortaq.agreements.models import Agreement
    from ortaq.institutions.models import Institution
    from ortaq.programmes.models import Programme

    inst = _institutions()
    people = _people(inst)
    _agreements(inst, people)
    _programmes(inst)
    _training(inst, people)
    _mobility(inst, people)
    from ortaq.analytics.services import aggregates_refresh

    aggregates_refresh()  # so that the dashboards show the demo's figures at once
    return (
        f"{Institution.objects.filter(is_demo=True).count()} institutions, {User.objects.count()} people, "
        f"{Agreement.objects.filter(is_demo=True).count()} agreements, {Programme.objects.filter(is_demo=True).count()} programmes"
    )
