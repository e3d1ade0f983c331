"""Demo data for ``make run``: agencies, staff for every role, and realistic service guides.

Idempotent: running it again updates the same rows (matched by code or username) and adds
nothing twice. Passwords are printed by ``load_demo``; they are for a local demo only."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import transaction

from licensing.choices import (
    CertificateType,
    HandlingMode,
    ItemCategory,
    MaterialForm,
    RequirementKind,
    Role,
    TopicKind,
)
from licensing.models import Agency, Fee, LicenceItem, MaterialRequirement, Topic, User

DEMO_PASSWORD = "xuke-demo-2026"

AGENCIES = [
    # code, name, English name, parent code
    ("sh-amr", "上海市市场监督管理局", "Shanghai Administration for Market Regulation", None),
    ("sh-pd-amr", "上海市浦东新区市场监督管理局", "Pudong New Area Administration for Market Regulation", "sh-amr"),
    ("sh-housing", "上海市住房和城乡建设管理委员会", "Shanghai Housing and Urban-Rural Construction Commission", None),
    ("sh-transport", "上海市交通委员会", "Shanghai Municipal Transportation Commission", None),
    ("sh-health", "上海市卫生健康委员会", "Shanghai Municipal Health Commission", None),
    ("sh-greening", "上海市绿化和市容管理局", "Shanghai Landscaping and City Appearance Administrative Bureau", None),
    ("sh-drug", "上海市药品监督管理局", "Shanghai Medical Products Administration", None),
]

TOPICS = [
    (TopicKind.BUSINESS, "open-restaurant", "开餐馆 Opening a restaurant"),
    (TopicKind.BUSINESS, "open-pharmacy", "开药店 Opening a pharmacy"),
    (TopicKind.BUSINESS, "construction", "工程建设 Construction projects"),
    (TopicKind.BUSINESS, "transport", "交通运输 Transport operations"),
    (TopicKind.BUSINESS, "advertising", "户外广告 Outdoor advertising"),
    (TopicKind.LIFE_EVENT, "start-business", "创业 Starting a business"),
    (TopicKind.LIFE_EVENT, "medical-practice", "行医 Practising medicine"),
    (TopicKind.LIFE_EVENT, "build-home", "建房 Building a home"),
]

PDF = "pdf"
IMG = "pdf,jpg,png"


def _req(name, description="", *, kind=RequirementKind.REQUIRED, condition="", form=MaterialForm.ELECTRONIC,
         types=PDF, size=10, shared=""):
    return dict(name=name, description=description, kind=kind, condition=condition, form=form,
                accepted_types=types, max_size_mb=size, shared_data_source=shared)


ITEMS = [
    dict(
        code="sh-food-business", name="食品经营许可", name_en="Food business licence", agency="sh-pd-amr",
        topics=["open-restaurant", "start-business"], summary="从事食品销售和餐饮服务活动，应当依法取得食品经营许可。",
        legal_basis="《中华人民共和国食品安全法》第三十五条\n《食品经营许可和备案管理办法》",
        legal_articles="《食品安全法》第35条；《食品经营许可和备案管理办法》第10条、第26条",
        conditions="1. 具有与经营的食品品种、数量相适应的食品原料处理和食品加工、销售、贮存等场所；\n2. 具有与经营的食品品种、数量相适应的经营设备或者设施；\n3. 有专职或者兼职的食品安全管理人员和保证食品安全的规章制度；\n4. 具有合理的设备布局和工艺流程。",
        statutory_days=10, promised_days=5, verification_required=True, inspection_required=True,
        certificate_type=CertificateType.PERMIT, certificate_name="食品经营许可证", validity_months=60,
        requirements=[
            _req("食品经营许可申请书", "按规定格式填写并签字（免费提供样表）。"),
            _req("营业执照", "由市场主体登记信息共享获取，无需提交。", shared="市场主体登记系统"),
            _req("经营场所平面图和设备布局、工艺流程图", types=IMG),
            _req("食品安全管理制度目录"),
            _req("委托代理人身份证明及授权委托书", kind=RequirementKind.CONDITIONAL, condition="委托他人办理的", types=IMG),
        ],
    ),
    dict(
        code="sh-drug-retail", name="药品零售企业经营许可", name_en="Drug retail licence", agency="sh-drug",
        topics=["open-pharmacy", "start-business"], summary="开办药品零售企业，须经药品监督管理部门批准并发给《药品经营许可证》。",
        legal_basis="《中华人民共和国药品管理法》第五十一条\n《药品经营和使用质量监督管理办法》",
        legal_articles="《药品管理法》第51条、第52条",
        conditions="1. 有依法经过资格认定的药师或者其他药学技术人员；\n2. 有与所经营药品相适应的营业场所、设备、仓储设施和卫生环境；\n3. 有与所经营药品相适应的质量管理机构或者人员；\n4. 有保证药品质量的规章制度。",
        statutory_days=20, promised_days=15, verification_required=True, inspection_required=True,
        certificate_name="药品经营许可证", validity_months=60,
        requirements=[
            _req("药品经营许可证申请表"),
            _req("执业药师资格证书及注册证", types=IMG),
            _req("营业场所和仓库平面布置图及房屋产权或使用权证明", types=IMG),
            _req("质量管理文件目录"),
        ],
    ),
    dict(
        code="sh-construction-permit", name="建筑工程施工许可", name_en="Construction works permit", agency="sh-housing",
        topics=["construction", "build-home"], summary="在本市行政区域内从事各类房屋建筑及其附属设施的建造、装修装饰等工程施工，建设单位应当申请领取施工许可证。",
        legal_basis="《中华人民共和国建筑法》第七条、第八条\n《建筑工程施工许可管理办法》",
        legal_articles="《建筑法》第7条、第8条；《建筑工程施工许可管理办法》第4条",
        conditions="1. 已经办理该建筑工程用地批准手续；\n2. 已经取得建设工程规划许可证；\n3. 拆迁进度符合施工要求；\n4. 已经确定施工企业；\n5. 有满足施工需要的资金安排、施工图纸及技术资料；\n6. 有保证工程质量和安全的具体措施。",
        statutory_days=15, promised_days=7, certificate_name="建筑工程施工许可证",
        requirements=[
            _req("建筑工程施工许可证申请表"),
            _req("建设工程规划许可证", shared="规划资源部门共享"),
            _req("施工合同"),
            _req("施工图设计文件审查合格书"),
            _req("建设资金已经落实承诺书"),
        ],
    ),
    dict(
        code="sh-road-passenger", name="道路旅客运输经营许可", name_en="Road passenger transport licence", agency="sh-transport",
        topics=["transport", "start-business"], summary="从事道路客运经营，应当向交通运输主管部门提出申请。",
        legal_basis="《中华人民共和国道路运输条例》第八条、第十条\n《道路旅客运输及客运站管理规定》",
        legal_articles="《道路运输条例》第8条、第10条",
        conditions="1. 有与其经营业务相适应并经检测合格的客车；\n2. 有符合条件的驾驶人员；\n3. 有健全的安全生产管理制度。",
        statutory_days=20, promised_days=12, hearing_mandatory=False, verification_required=True,
        certificate_name="道路运输经营许可证", validity_months=48,
        requirements=[
            _req("道路旅客运输经营申请表"),
            _req("企业负责人身份证明", types=IMG),
            _req("拟投入车辆承诺书"),
            _req("驾驶人员从业资格证", types=IMG),
            _req("安全生产管理制度文本"),
        ],
    ),
    dict(
        code="sh-outdoor-ad", name="户外广告设施设置许可", name_en="Outdoor advertising installation permit", agency="sh-greening",
        topics=["advertising"], summary="设置大型户外广告及在城市建筑物、设施上悬挂、张贴宣传品，应当依法取得许可。",
        legal_basis="《城市市容和环境卫生管理条例》第十一条\n《上海市户外广告设施管理办法》",
        legal_articles="《城市市容和环境卫生管理条例》第11条",
        conditions="符合本市户外广告设施设置规划和技术规范，设施结构安全。", statutory_days=20, promised_days=10,
        hearing_mandatory=True, certificate_type=CertificateType.APPROVAL, certificate_name="户外广告设施设置许可决定书",
        validity_months=36, quantity_limit=200,
        requirements=[
            _req("户外广告设施设置申请书"),
            _req("设施设计图、效果图", types=IMG, size=20),
            _req("结构安全检测报告"),
            _req("场地使用权证明", types=IMG),
        ],
    ),
    dict(
        code="sh-medical-practice", name="医疗机构执业登记", name_en="Medical institution practice licence", agency="sh-health",
        topics=["medical-practice"], summary="医疗机构执业，必须进行登记，领取《医疗机构执业许可证》。",
        legal_basis="《医疗机构管理条例》第十五条\n《医疗机构管理条例实施细则》",
        legal_articles="《医疗机构管理条例》第15条、第16条",
        conditions="1. 按照设置审批规定取得设置医疗机构批准书；\n2. 符合医疗机构的基本标准；\n3. 有适合的名称、组织机构和场所；\n4. 有与其开展的业务相适应的经费、设施、设备和专业卫生技术人员。",
        statutory_days=45, promised_days=20, extension_days=15, handling_mode=HandlingMode.JOINT,
        verification_required=True, inspection_required=True,
        category=ItemCategory.GENERAL, certificate_name="医疗机构执业许可证", validity_months=60,
        requirements=[
            _req("医疗机构执业登记申请书"),
            _req("设置医疗机构批准书"),
            _req("医疗机构用房产权证明或使用证明", types=IMG),
            _req("医疗机构建筑设计平面图", types=IMG, size=20),
            _req("验资证明、资产评估报告"),
            _req("医疗机构规章制度"),
            _req("卫生技术人员名录及资格证书", types=IMG),
        ],
    ),
    dict(
        code="sh-food-production", name="食品生产许可", name_en="Food production licence", agency="sh-amr",
        topics=["start-business"], summary="在中华人民共和国境内从事食品生产活动，应当依法取得食品生产许可。",
        legal_basis="《中华人民共和国食品安全法》第三十五条\n《食品生产许可管理办法》",
        legal_articles="《食品安全法》第35条；《食品生产许可管理办法》第24条",
        conditions="具有与生产的食品品种、数量相适应的生产场所、设备、人员和管理制度。", statutory_days=20, promised_days=10,
        verification_required=True, inspection_required=True, category=ItemCategory.EQUIPMENT,
        certificate_name="食品生产许可证", validity_months=60,
        requirements=[_req("食品生产许可申请书"), _req("生产工艺流程图和设备布局图", types=IMG), _req("食品安全管理制度")],
    ),
    dict(
        code="sh-ad-review-medical", name="医疗广告审查", name_en="Medical advertisement review", agency="sh-health",
        topics=["advertising", "medical-practice"], summary="医疗机构发布医疗广告，应当在发布前申请医疗广告审查。",
        legal_basis="《中华人民共和国广告法》第四十六条\n《医疗广告管理办法》",
        legal_articles="《广告法》第46条；《医疗广告管理办法》第8条",
        conditions="广告内容符合《医疗广告管理办法》第六条、第七条规定。", statutory_days=20, promised_days=5,
        on_the_spot=True, certificate_type=CertificateType.APPROVAL, certificate_name="医疗广告审查证明", validity_months=12,
        requirements=[_req("医疗广告审查申请表"), _req("医疗机构执业许可证副本", types=IMG), _req("医疗广告成品样件", types=IMG, size=20)],
    ),
    dict(
        code="sh-special-equipment", name="特种设备使用登记", name_en="Special equipment use registration", agency="sh-amr",
        topics=["construction"], summary="特种设备在投入使用前或者投入使用后三十日内，使用单位应当办理使用登记。",
        legal_basis="《中华人民共和国特种设备安全法》第三十三条", legal_articles="《特种设备安全法》第33条",
        conditions="特种设备经监督检验合格。", statutory_days=15, promised_days=5, on_the_spot=True,
        inspection_required=True, category=ItemCategory.EQUIPMENT, certificate_type=CertificateType.APPROVAL,
        certificate_name="特种设备使用登记证",
        requirements=[_req("使用登记表"), _req("产品合格证", types=IMG), _req("监督检验证明")],
    ),
    dict(
        code="sh-taxi-operation", name="出租汽车经营许可", name_en="Taxi operation licence", agency="sh-transport",
        topics=["transport"], summary="申请从事出租汽车经营的，应当取得出租汽车经营许可。",
        legal_basis="《巡游出租汽车经营服务管理规定》第八条", legal_articles="《巡游出租汽车经营服务管理规定》第8条",
        conditions="有符合要求的车辆或车辆购置承诺，有取得从业资格证的驾驶员，有健全的经营管理制度。",
        statutory_days=20, promised_days=15, quantity_limit=500, category=ItemCategory.RESOURCE,
        certificate_name="道路运输经营许可证（出租汽车）", validity_months=72,
        requirements=[_req("出租汽车经营申请表"), _req("投资人、负责人身份证明", types=IMG), _req("经营管理制度")],
    ),
    dict(
        code="sh-pharmacist-registration", name="执业药师注册", name_en="Licensed pharmacist registration", agency="sh-drug",
        topics=["open-pharmacy"], summary="取得执业药师职业资格证书者，经注册取得执业药师注册证后方可执业。",
        legal_basis="《执业药师注册管理办法》", legal_articles="《执业药师注册管理办法》第9条",
        conditions="取得执业药师职业资格证书；遵纪守法；身体健康；经执业单位同意。", statutory_days=20, promised_days=10,
        category=ItemCategory.QUALIFICATION, certificate_type=CertificateType.QUALIFICATION,
        certificate_name="执业药师注册证", validity_months=60,
        requirements=[_req("执业药师注册申请表"), _req("执业药师职业资格证书", types=IMG), _req("执业单位证明")],
    ),
    dict(
        code="sh-company-establishment", name="食品经营企业设立登记（一件事）", name_en="Food business start-up bundle", agency="sh-pd-amr",
        topics=["start-business", "open-restaurant"], summary="营业执照与食品经营许可一次申请、一次办结。",
        legal_basis="《中华人民共和国市场主体登记管理条例》第十九条", legal_articles="《市场主体登记管理条例》第19条",
        conditions="申请材料齐全、符合法定形式。", statutory_days=20, promised_days=3, on_the_spot=True,
        category=ItemCategory.ESTABLISHMENT, certificate_name="营业执照",
        requirements=[_req("设立登记申请书"), _req("公司章程"), _req("住所使用证明", types=IMG)],
    ),
    dict(
        code="sh-sewage-permit", name="城镇污水排入排水管网许可", name_en="Urban sewage discharge permit", agency="sh-housing",
        topics=["construction"], summary="从事工业、建筑、餐饮、医疗等活动的企业事业单位向城镇排水设施排放污水的，应当申请领取排水许可证。",
        legal_basis="《城镇排水与污水处理条例》第二十一条", legal_articles="《城镇排水与污水处理条例》第21条",
        conditions="排放的污水符合国家或者地方规定的有关排放标准。", statutory_days=20, promised_days=10, published=False,
        certificate_name="城镇污水排入排水管网许可证", validity_months=60,
        requirements=[_req("排水许可申请表"), _req("排水户内部排水管网平面图", types=IMG)],
    ),
]

STAFF = [
    # username, role, agency code, staff number
    ("clerk", Role.CLERK, "sh-pd-amr", "PD-0101"),
    ("examiner", Role.EXAMINER, "sh-pd-amr", "PD-0201"),
    ("examiner2", Role.EXAMINER, "sh-pd-amr", "PD-0202"),
    ("head", Role.HEAD, "sh-pd-amr", "PD-0001"),
    ("hearing", Role.HEARING_OFFICER, "sh-pd-amr", "PD-0301"),
    ("supervisor", Role.SUPERVISOR, "sh-amr", "SV-0001"),
    ("admin", Role.ADMINISTRATOR, "sh-amr", "AD-0001"),
    ("clerk_drug", Role.CLERK, "sh-drug", "DR-0101"),
    ("examiner_drug", Role.EXAMINER, "sh-drug", "DR-0201"),
    ("head_drug", Role.HEAD, "sh-drug", "DR-0001"),
]
APPLICANTS = [("applicant", "张三 Zhang San", False), ("company", "上海示例餐饮有限公司 Example Catering Co.", True)]


@transaction.atomic
def load_catalogue() -> None:
    agencies = {}
    for code, name, name_en, parent in AGENCIES:
        agencies[code], _ = Agency.objects.update_or_create(
            code=code,
            defaults=dict(
                name=name, name_en=name_en, parent=agencies.get(parent) if parent else None,
                address=f"上海市 {name} 政务服务窗口", phone="12345", office_hours="周一至周五 9:00–17:00",
                reconsideration_organ="上海市人民政府",
            ),
        )
    topics = {}
    for i, (kind, slug, name) in enumerate(TOPICS):
        topics[slug], _ = Topic.objects.update_or_create(slug=slug, defaults=dict(kind=kind, name=name, order=i))
    for spec in ITEMS:
        spec = dict(spec)
        requirements = spec.pop("requirements")
        topic_slugs = spec.pop("topics")
        spec["agency"] = agencies[spec["agency"]]
        spec.setdefault("published", True)
        spec.setdefault("procedure", "1. 网上申请或窗口申请\n2. 受理（5个工作日内一次性告知补正）\n3. 审查\n4. 决定\n5. 制证送达（决定后10个工作日内）")
        spec.setdefault("consultation", "12345 政务服务热线")
        spec.setdefault("complaint_channel", "上海市人民政府督查室，12345")
        spec.setdefault("territorial_scope", "上海市")
        if spec.get("handling_mode") in (HandlingMode.JOINT, HandlingMode.CENTRALISED):
            spec.setdefault("extension_days", 15)
        spec["form_schema"] = [
            {"name": "business_name", "label": "Name of the business (经营者名称)", "type": "text", "required": True},
            {"name": "address", "label": "Premises address (经营场所)", "type": "text", "required": True},
            {"name": "scope", "label": "Scope applied for (申请范围)", "type": "textarea", "required": True},
        ]
        item, _ = LicenceItem.objects.update_or_create(code=spec.pop("code"), defaults=spec)
        item.topics.set([topics[s] for s in topic_slugs])
        for order, req in enumerate(requirements):
            MaterialRequirement.objects.update_or_create(item=item, name=req["name"], defaults=dict(req, order=order))
        if item.code == "sh-outdoor-ad":
            Fee.objects.get_or_create(item=item, name="户外广告设施设置审核（不收费）", defaults=dict(
                amount=0, legal_basis="《行政许可法》第58条"))


@transaction.atomic
def load_people() -> list[tuple[str, str, str]]:
    """Create one user per role; returns (username, role, agency) for printing."""
    printed = []
    groups = {g.name: g for g in Group.objects.all()}
    agencies = {a.code: a for a in Agency.objects.all()}
    for username, role, agency_code, staff_number in STAFF:
        user, created = User.objects.get_or_create(
            username=username,
            defaults=dict(agency=agencies[agency_code], staff_number=staff_number, email=f"{username}@xuke.invalid",
                          is_staff=role == Role.ADMINISTRATOR, is_superuser=role == Role.ADMINISTRATOR),
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        user.groups.add(groups[role])
        printed.append((username, role, agency_code))
    for username, name, is_org in APPLICANTS:
        user, created = User.objects.get_or_create(
            username=username, defaults=dict(first_name=name, email=f"{username}@example.invalid"))
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        user.groups.add(groups[Role.APPLICANT])
        printed.append((username, Role.APPLICANT, "organisation" if is_org else "person"))
    head = User.objects.get(username="head")
    Agency.objects.filter(code="sh-pd-amr").update(head=head)
    Agency.objects.filter(code="sh-drug").update(head=User.objects.get(username="head_drug"))
    return printed

