"""Reference texts and profiles the demo data is drawn from (names, villages, summaries …)."""

from __future__ import annotations

import dataclasses

from contacts.models import (
    Contact,
    Feedback,
)
from talents import access
from talents.models import Talent, Unit

DEFAULT_SEED = 20230510  # the day the policy was issued


@dataclasses.dataclass(frozen=True)
class Scale:
    """How much to generate: townships (blocks of 60 talents, 19 cadres), and per township the
    contacts and demands to top up to (0: only the township's own handful, as in ``demo``)."""

    townships: int
    contacts: int = 0
    demands: int = 0


SCALES = {
    "demo": Scale(townships=1),
    # A county: about 1,200 talents, 300 township cadres, 60,000 contacts, 10,000 demands.
    "county": Scale(townships=20, contacts=3_000, demands=500),
    # A province-wide roll-out, to find what does not scale: about 20,000 talents, 1,000,000 contacts.
    "stress": Scale(townships=334, contacts=3_000, demands=500),
}
FIXED_USERNAMES = ("office", "leader")
NUMBERED_USERNAMES = r"^(cadre|vcadre|village|liaison)[0-9]{2,}$"

ROLE_LABELS = {
    "office": "党建办工作人员",
    "leader": "乡党委领导（只读）",
    "cadre": "班子成员（联系领导）",
    "vcadre": "村委联系人（村级结对）",
    "village": "村(社区)党组织书记",
    "liaison": "单位联络员",
}
ROLE_GROUPS = {
    "office": access.OFFICE,
    "leader": access.LEADER,
    "cadre": access.CADRE,
    "vcadre": access.CADRE,
    "village": access.VILLAGE_SECRETARY,
    "liaison": access.LIAISON,
}

# --- reference text -------------------------------------------------------------------------


def _words(text: str) -> tuple[str, ...]:
    """Long word lists stay readable as one string each."""
    return tuple(text.split())


OTHER_TOWNSHIPS = _words(
    "新宁镇 普安镇 回龙镇 讲治镇 甘棠镇 长岭镇 任市镇 永兴镇 广福镇 八庙镇 灵岩镇 宝石镇 拔妙镇 "
    "靖安乡 天师乡 沙坝乡 骑龙乡 新太乡 大溪乡 梅花乡 石桥乡"
)
# Village names beyond the two-character stems (stress scale): 上双河, 下双河 …
VILLAGE_PREFIXES = _words("上 下 大 小 老 前 后 东 西 南 北 中")
DEMO_VILLAGE_STEMS = ["双河", "石岩", "青龙", "金山", "白果", "龙泉", "高峰", "柏树", "新桥", "凤凰"]
STEM_FIRST = _words("双 石 青 金 白 龙 高 柏 新 凤 黄 马 桃 杨 松 莲 银 红 观 太 长 花 水 乌")
STEM_SECOND = _words("河 岩 山 泉 峰 桥 林 坝 湾 塘 坪 沟 垭 庙 槽 池 溪 寨")
BRANDS = _words(
    "梅源 绿源 金穗 丰禾 川东 宏图 鑫盛 润丰 禾润 佳禾 田园 青山 聚源 恒丰 瑞丰 富民 兴农 巴山 秀水 明月 嘉禾 盛农"
)
CROPS = ["青脆李", "油橄榄", "稻虾", "柑橘", "茶叶", "中药材", "食用菌", "猕猴桃", "花椒", "蔬菜"]

GIVEN_MALE = _words(
    "建国 建华 建军 志强 志刚 国平 国华 德明 明亮 文斌 俊杰 海涛 晓东 晓峰 小龙 永刚 光荣 "
    "家福 春林 学军 勇 强 军 伟 涛 斌 磊 鹏 刚 平 波 浩 宇 杰 林 成 亮 飞 超 旭 昊 宏 "
    "川 江 鑫 森 毅 子豪 浩然 宇轩 俊宇 天佑 明远 正阳 尚文"
)
GIVEN_FEMALE = _words(
    "秀英 桂英 红梅 雪梅 小琴 晓燕 海燕 春燕 丽娟 玉兰 玉梅 淑芬 小蓉 晓蓉 秀兰 桂芳 丽 芳 "
    "敏 静 燕 霞 娟 婷 琴 慧 颖 倩 佳 欣 雪 丹 萍 莉 梅 艳 玲 晶 蓉 雨婷 思雨 梦瑶 "
    "欣怡 雨欣 诗涵 佳琪 若兰"
)
MINORITIES = ("土家族", "苗族", "彝族", "回族", "羌族", "藏族")
POLITICAL = (
    ["中共党员"] * 9 + ["群众"] * 6 + ["共青团员"] * 2 + ["中共预备党员", "民盟盟员", "九三学社社员", "无党派人士"]
)
# Area codes of the 18-digit ID: Kaijiang county first; others for people born elsewhere.
HOME_AREA = "511723"
OTHER_AREAS = ("511702", "511722", "511781", "500101", "510107", "510104")

TOWNSHIP_CADRES = (
    ("党委书记", "主持乡党委全面工作"),
    ("党委副书记、乡长", "主持乡政府全面工作"),
    ("党委副书记", "党建、组织、人才工作"),
    ("人大主席", "人大工作、民生实事"),
    ("党委委员、副乡长", "农业农村、乡村振兴"),
    ("副乡长", "城乡建设、交通、安全生产"),
    ("副乡长", "教育、卫生健康、社会事务"),
    ("党委委员、纪委书记", "纪检监察"),
    ("党委委员、组织委员", "组织、人才、党员教育管理"),
    ("党委委员、宣传委员", "宣传、意识形态、文化旅游"),
    ("党委委员、武装部长", "人民武装、退役军人事务"),
    ("党委委员、统战委员", "统一战线、民族宗教、工商联"),
    ("党委委员、政法委员", "政法综治、信访维稳"),
    ("党委委员、党政办主任", "党政办、财政、机关事务"),
    ("人大副主席", "经济发展、招商引资"),
)
VILLAGE_CADRE_TITLES = ("{kind}党组织副书记", "{kind}委会副主任", "{kind}党组织委员", "{kind}妇联主席")

UNIT_TEMPLATES = (
    ("agri", Unit.Kind.STATION, "{township}农业综合服务中心"),
    ("health", Unit.Kind.HEALTH, "{township}卫生院"),
    ("school", Unit.Kind.SCHOOL, "{stem}小学"),
    ("middle", Unit.Kind.SCHOOL, "{stem}初级中学"),
    ("culture", Unit.Kind.STATION, "{township}文化站"),
    ("vet", Unit.Kind.STATION, "{township}畜牧兽医站"),
    ("enterprise", Unit.Kind.ENTERPRISE, "{county}{brand}农业开发有限公司"),
    ("coop", Unit.Kind.COOPERATIVE, "{county}{village_stem}{crop}种植专业合作社"),
)


@dataclasses.dataclass(frozen=True)
class _Profile:
    """One kind of talent and the words that describe them.

    A list as long as ``positions`` is read in step with it (the n-th position has the n-th
    title, school, speciality, achievement); shorter or longer lists are drawn from freely.
    """

    key: str
    count: int
    category: str
    unit: str  # a key of UNIT_TEMPLATES, or "village"
    positions: tuple[str, ...]
    titles: tuple[str, ...]
    schools: tuple[str, ...]
    specialities: tuple[str, ...]
    achievements: tuple[str, ...]
    honours: tuple[str, ...]
    rural_type: str = ""
    education: tuple[tuple[str, str], ...] = (("大学本科", "学士"), ("大学专科", "无"))
    born: tuple[int, int] = (1968, 1995)
    female_share: float = 0.4


PRO, RUR, INT, OTH = (
    Talent.Category.PROFESSIONAL,
    Talent.Category.RURAL,
    Talent.Category.INTRODUCED,
    Talent.Category.OTHER,
)
RT = Talent.RuralType
FARMER_EDU = (("初中", "无"), ("普通高中", "无"), ("中等专科", "无"), ("职业高中", "无"))
PROFILES = (
    _Profile(
        "teacher",
        5,
        PRO,
        "school",
        ("语文教师", "数学教师", "英语教师", "班主任、语文教师", "教导主任"),
        ("一级教师", "高级教师", "二级教师"),
        (
            "四川文理学院 汉语言文学",
            "西华师范大学 数学与应用数学",
            "乐山师范学院 英语",
            "达州职业技术学院 小学教育",
            "四川师范大学 教育学",
        ),
        ("小学语文教学", "小学数学教学", "小学英语教学", "留守儿童心理辅导", "教学管理"),
        (
            "任教{years}年，所带班级学业质量监测连续三年位居全县同类学校前列。",
            "主持县级课题《农村小学留守儿童阅读习惯培养研究》，已顺利结题。",
            "撰写的教学论文获达州市基础教育教学成果三等奖。",
            "指导学生参加县级作文竞赛，{n2}人获一等奖。",
        ),
        ("{year}年度{county}优秀教师", "{year}年达州市优秀班主任", "{year}年度{county}师德标兵"),
        female_share=0.6,
    ),
    _Profile(
        "middle",
        2,
        PRO,
        "middle",
        ("物理教师", "化学教师", "体育教师", "副校长"),
        ("一级教师", "高级教师"),
        ("四川师范大学 物理学", "西华师范大学 化学", "成都体育学院 体育教育", "西华师范大学 教育管理"),
        ("初中物理教学", "初中化学教学", "校园足球", "学校管理"),
        (
            "所教学科中考成绩连续两年位居全县农村学校第一。",
            "组建校园足球队，获{county}中小学生足球联赛冠军。",
            "承担县级骨干教师送教下乡任务，开展示范课{n2}节。",
        ),
        ("{year}年度{county}骨干教师", "{year}年达州市优秀教师"),
    ),
    _Profile(
        "doctor",
        5,
        PRO,
        "health",
        ("全科医生", "中医科医生", "公共卫生科科长", "护士长", "副院长"),
        ("主治医师", "中医师", "执业医师", "主管护师", "副主任医师"),
        (
            "川北医学院 临床医学",
            "成都中医药大学 中医学",
            "川北医学院 预防医学",
            "西南医科大学 护理学",
            "西南医科大学 临床医学",
        ),
        ("常见病、慢性病诊治", "中医针灸推拿", "基本公共卫生服务", "护理管理", "急诊急救"),
        (
            "扎根乡镇卫生院{years}年，年均接诊患者{n}余人次。",
            "牵头家庭医生签约服务，全乡慢病患者签约率达{pct}%。",
            "推广中医适宜技术12项，开设针灸理疗门诊。",
            "在一次山区急救中成功抢救突发心梗的村民。",
        ),
        ("{year}年{county}“最美医生”", "{year}年达州市卫生健康系统先进个人", "{year}年度{county}优秀共产党员"),
        female_share=0.5,
    ),
    _Profile(
        "agronomist",
        4,
        PRO,
        "agri",
        ("农技站站长", "农技员", "植保员", "土肥技术员"),
        ("高级农艺师", "农艺师", "助理农艺师"),
        ("四川农业大学 农学", "西南大学 植物保护", "四川农业大学 园艺"),
        ("水稻病虫害绿色防控", "油橄榄栽培", "稻渔综合种养", "青脆李栽培管理"),
        (
            "推广稻渔综合种养{n}亩，亩均增收1500元以上。",
            "开展田间技术培训{n2}场次，培训农户1200余人次。",
            "参与省级科技项目《川东丘陵区优质稻高产栽培技术示范》。",
            "编写《青脆李丰产栽培技术手册》，发放农户2000余册。",
        ),
        ("{year}年度{county}农业农村工作先进个人", "{year}年达州市优秀科技特派员"),
        born=(1965, 1992),
    ),
    _Profile(
        "vet",
        2,
        PRO,
        "vet",
        ("畜牧兽医站站长", "动物防疫员"),
        ("兽医师", "执业兽医师", "助理兽医师"),
        ("四川农业大学 动物医学", "达州职业技术学院 畜牧兽医"),
        ("动物疫病防控", "生猪养殖技术指导", "开江麻鸭疫病防治"),
        ("负责全乡动物强制免疫工作，免疫密度保持在{pct}%以上。", "指导规模养殖场完成粪污资源化利用改造{n2}处。"),
        ("{year}年度{county}动物防疫工作先进个人",),
        female_share=0.2,
    ),
    _Profile(
        "culture",
        2,
        PRO,
        "culture",
        ("文化站站长", "群众文化辅导员"),
        ("馆员", "助理馆员"),
        ("四川音乐学院 音乐学", "四川师范大学 舞蹈学", "四川文理学院 美术学"),
        ("群众文艺编导", "乡村文化活动组织", "非遗保护"),
        ("编排的小品《说变化》获全县群众文艺汇演一等奖。", "组织开展“村晚”、广场舞比赛等群众文化活动{n2}场次。"),
        ("{year}年度{county}宣传思想文化工作先进个人",),
        female_share=0.6,
    ),
    _Profile(
        "engineer",
        2,
        PRO,
        "enterprise",
        ("生产技术部经理", "质量负责人"),
        ("工程师", "助理工程师", "高级工程师"),
        ("西华大学 食品科学与工程", "四川轻化工大学 生物工程"),
        ("农产品精深加工", "食品质量安全"),
        ("主持研发油橄榄果渣综合利用技术，获实用新型专利{n2}项。", "建立产品质量追溯体系，企业通过ISO 9001认证。"),
        ("{year}年度{county}优秀科技工作者",),
    ),
    _Profile(
        "production",
        5,
        RUR,
        "village",
        ("种植大户", "养殖大户", "家庭农场主", "稻虾养殖户", "白鹅养殖户"),
        ("高级职业农民", "中级职业农民", "农民技术员", ""),
        ("", "", "开江县职业中学 现代农艺"),
        ("青脆李种植", "生猪养殖", "油橄榄种植", "稻虾综合种养", "开江白鹅养殖"),
        (
            "流转土地{n}亩发展{speciality}，年产值{money}万元，带动周边{m}户农户增收。",
            "建成标准化生产基地一处，年均吸纳本村务工群众{m}人。",
            "{year}年试种新品种获得成功，亩产比当地平均水平高两成。",
        ),
        ("{year}年度{county}“致富带头人”", "{year}年度{county}新型职业农民标兵", ""),
        rural_type=RT.PRODUCTION,
        education=FARMER_EDU,
        born=(1963, 1990),
        female_share=0.25,
    ),
    _Profile(
        "business",
        5,
        RUR,
        "coop",
        ("专业合作社理事长", "农村电商负责人", "农产品经纪人", "农家乐经营者", "家庭农场负责人"),
        ("", "电子商务师（四级）", "农村经纪人", "", ""),
        ("", "达州职业技术学院 电子商务", ""),
        ("合作社经营管理", "农产品电商销售", "农产品购销", "乡村旅游", "家庭农场经营"),
        (
            "领办合作社，吸纳社员{m}户，{year}年实现销售收入{money}万元。",
            "开设网店和直播间，年销售本地农特产品{money}万元。",
            "年收购销售本地农产品{n}余吨，带动{m}户农户稳定增收。",
            "经营的农家乐年接待游客{n}0余人次，带动{m}户脱贫户（监测户）增收。",
            "经营家庭农场{n}亩，{year}年被评为市级示范家庭农场。",
        ),
        ("{year}年度{county}优秀农民合作社带头人", "{year}年达州市农村创业创新优秀带头人", ""),
        rural_type=RT.BUSINESS,
        education=FARMER_EDU,
        female_share=0.35,
    ),
    _Profile(
        "skill_service",
        4,
        RUR,
        "village",
        ("农机手", "乡村电工", "乡村厨师", "植保无人机飞手"),
        ("农业机械操作维修工（四级）", "电工（四级）", "中式烹调师（三级）", "农业无人机驾驶员（五级）"),
        ("", "开江县职业中学 机电技术应用", "", ""),
        ("农机作业服务", "农村电力维修", "乡村宴席", "无人机飞防"),
        (
            "组建农机服务队，年承接机耕、机收作业{n}余亩。",
            "负责村里电力设施巡查维修，年排除用电故障{n2}0余次。",
            "年承办乡村宴席{n2}0余场，带动{m}名村民季节性务工。",
            "年承接无人机飞防作业{n}余亩。",
        ),
        ("{year}年{county}职业技能大赛二等奖", ""),
        rural_type=RT.SKILL_SERVICE,
        education=FARMER_EDU,
        female_share=0.15,
    ),
    _Profile(
        "skill_leading",
        4,
        RUR,
        "village",
        ("竹编艺人", "石雕匠人", "手工挂面作坊主", "刺绣能手"),
        ("县级非遗代表性传承人", "市级非遗代表性传承人", "乡村工匠"),
        ("",),
        ("竹编", "石雕", "手工挂面", "蜀绣"),
        (
            "开办技艺培训班{n2}期，带动{m}名留守妇女居家就业。",
            "作品入选四川省乡村工匠作品展。",
            "带徒{m}人，其中{n2}人已能独立承接订单。",
        ),
        ("{year}年四川省“乡村工匠”", "{year}年度{county}“巾帼建功标兵”", ""),
        rural_type=RT.SKILL_LEADING,
        education=FARMER_EDU,
        born=(1958, 1985),
        female_share=0.5,
    ),
    _Profile(
        "social_service",
        4,
        RUR,
        "village",
        ("乡村医生", "人民调解员", "文艺宣传队队长", "互助养老点负责人"),
        ("乡村医生执业资格", "", "", ""),
        ("达州中医药职业学院 临床医学", "", "", ""),
        ("基本医疗和公共卫生", "矛盾纠纷调解", "群众文艺", "居家养老服务"),
        (
            "在村卫生室服务{years}年，为村里{n}名老人建立健康档案。",
            "年调解矛盾纠纷{n2}0余起，调解成功率98%以上。",
            "组织文艺宣传队开展政策宣讲演出{n2}场。",
            "为{m}名独居老人提供助餐、陪护服务。",
        ),
        ("{year}年度{county}优秀人民调解员", "{year}年度{county}优秀乡村医生", ""),
        rural_type=RT.SOCIAL_SERVICE,
        education=FARMER_EDU,
        born=(1958, 1988),
        female_share=0.45,
    ),
    _Profile(
        "returnee",
        2,
        INT,
        "enterprise",
        ("总经理", "电商运营负责人"),
        ("",),
        ("西南财经大学 市场营销", "成都理工大学 电子商务"),
        ("农村电商", "农产品品牌营销"),
        ("返乡创办农业企业，注册“{brand}”商标，产品进入成都、重庆商超。", "年带动本地农户{m}户订单种植。"),
        ("{year}年度{county}返乡创业之星",),
        education=(("大学本科", "学士"),),
        born=(1986, 1998),
    ),
    _Profile(
        "expert",
        2,
        INT,
        "agri",
        ("科技特派员", "特聘农技员"),
        ("副研究员", "高级农艺师"),
        ("四川农业大学 作物栽培学与耕作学", "西南大学 果树学"),
        ("丘陵地区优质稻栽培", "果树栽培与病害防治"),
        ("驻乡开展技术服务，建立科技示范基地{n2}个。", "引进优质稻新品种3个，示范面积{n}亩。"),
        ("{year}年四川省优秀科技特派员",),
        education=(("研究生", "硕士"), ("研究生", "博士")),
        born=(1975, 1992),
    ),
    _Profile(
        "tegang",
        2,
        INT,
        "school",
        ("特岗教师（语文）", "特岗教师（音乐）"),
        ("二级教师", "一级教师"),
        ("新疆师范大学 汉语言文学", "四川音乐学院 音乐教育"),
        ("小学语文教学", "音乐教学"),
        ("坚持家访，走访留守儿童家庭{n2}0余户。", "组建学校合唱团，在全县中小学艺术展演中获一等奖。"),
        ("{year}年度{county}优秀特岗教师",),
        education=(("大学本科", "学士"),),
        born=(1992, 2000),
        female_share=0.7,
    ),
    _Profile(
        "sanzhi",
        2,
        INT,
        "health",
        ("“三支一扶”支医人员",),
        ("",),
        ("川北医学院 预防医学", "西南医科大学 护理学"),
        ("公共卫生", "临床护理"),
        ("服务期内参与完成全乡居民健康体检{n}人次。", "协助开展家庭医生签约和慢病随访工作。"),
        ("",),
        education=(("大学本科", "学士"),),
        born=(1996, 2001),
    ),
    _Profile(
        "village_assistant",
        2,
        INT,
        "village",
        ("村党组织书记助理", "本土人才回引村级后备力量"),
        ("",),
        ("成都大学 行政管理", "四川文理学院 社会工作"),
        ("基层治理", "村级集体经济"),
        ("牵头建设村级便民服务代办点。", "协助村“两委”发展村级集体经济，年增收{n2}万元。"),
        ("",),
        education=(("大学本科", "学士"), ("大学专科", "无")),
        born=(1993, 2000),
    ),
    _Profile(
        "veteran",
        2,
        OTH,
        "village",
        ("民兵连长", "退役军人服务站专职人员"),
        ("",),
        ("",),
        ("民兵应急", "退役军人服务"),
        ("带领民兵参与防汛抢险{n2}次。", "服役期间荣立三等功一次。"),
        ("{year}年度{county}优秀退役军人",),
        education=(("普通高中", "无"), ("大学专科", "无")),
        female_share=0.05,
    ),
    _Profile(
        "sage",
        2,
        OTH,
        "village",
        ("退休教师（乡贤）", "返乡企业家（乡贤）"),
        ("高级教师", ""),
        ("",),
        ("乡风文明建设", "公益慈善"),
        ("捐资{n2}万元修缮村小学和村组道路。", "牵头成立乡贤议事会，参与修订村规民约。"),
        ("{year}年度{county}“最美乡贤”",),
        education=(("中等专科", "无"), ("大学专科", "无")),
        born=(1950, 1970),
    ),
    _Profile(
        "grid",
        2,
        OTH,
        "village",
        ("专职网格员", "村级后备干部"),
        ("",),
        ("",),
        ("网格化服务管理", "便民代办"),
        ("负责网格内{n}户群众的信息采集和便民代办。", "在疫情防控和防汛工作中表现突出。"),
        ("",),
        education=(("大学专科", "无"), ("普通高中", "无")),
        born=(1985, 1999),
        female_share=0.5,
    ),
)
# Names outside the basic CJK block (GB 18030-2022) and a minority name with a middle dot.
SPECIAL_TALENTS = {
    "agronomist": ("王䶮", False, "汉族", HOME_AREA),
    "production": ("李𬌗", False, "汉族", HOME_AREA),
    "tegang": ("阿依古丽·买买提", True, "维吾尔族", "650102"),
}
THOUGHTS = (
    "对乡村振兴前景充满信心，有意扩大经营规模，但担心市场价格波动。",
    "认同县里的人才政策，希望在职称评审上对基层人员多一些倾斜。",
    "因子女教育问题，有到县城工作的想法，需持续关心。",
    "入党意愿强烈，已递交入党申请书。",
    "对村里个别项目的决策程序有不同看法，已耐心解释。",
    "工作压力较大，情绪有些波动，经谈心后有所缓解。",
    "愿意带徒传艺，希望有更多展示平台。",
    "对联系领导的走访很感激，表示要扎根家乡干事创业。",
)

POST_CHANGE_NOTES = (
    "原联系人才调任县级部门工作，按分管领域重新确定联系对象。",
    "联系领导分工调整，分管领域变化，重新确定联系对象。",
)
TALENT_OUT_REASONS = ("外出发展，本人申请调出人才库", "调离本乡工作，调出人才库")

METHODS = [m for m in Contact.Method]
METHOD_WEIGHTS = [55, 8, 10, 12, 2, 3, 10]
POLICIES = (
    "党的二十大精神",
    "省委、市委关于人才工作的部署",
    "县里出台的人才激励政策",
    "乡村振兴有关政策",
    "创业担保贷款政策",
    "高素质农民培育政策",
)
TOPICS = (
    "产业发展",
    "技术推广",
    "子女入学",
    "职称评审",
    "人才政策落实",
    "农产品销售",
    "基层医疗服务",
    "村级集体经济发展",
    "教学质量提升",
)
SUMMARIES = {
    Contact.Method.FACE_TO_FACE: "与{name}面对面交流，宣讲{policy}，详细了解其{speciality}方面的工作情况，听取对{topic}的意见建议。",
    Contact.Method.INTERVIEW: "约{name}到乡党委开展双向约谈，交流{topic}方面的想法，鼓励其发挥示范带动作用。",
    Contact.Method.VISIT: "到{name}家中走访慰问，送去慰问品，了解家庭生活情况，叮嘱其注意身体。",
    Contact.Method.PHONE: "电话联系{name}，了解近期{speciality}工作进展，提醒关注{policy}。",
    Contact.Method.EMAIL: "通过邮件向{name}发送{policy}学习资料，交流{topic}的思路。",
    Contact.Method.LETTER: "与{name}书信往来，就{topic}交换意见，并答复其关心的问题。",
    Contact.Method.INSPECTION: "到{village}检查工作期间走访{name}，实地查看{speciality}开展情况，现场协调解决困难。",
}
TALENT_INITIATED = "{name}主动联系，反映{topic}方面的想法和困难，当场作了答复，需协调的事项已记录跟进。"
URGENT_MATTERS = (
    "连日暴雨致生产基地受灾，急需救灾物资和技术指导",
    "家人突发重病住院，急需协调医疗救助",
    "收购的一批农产品滞销，急需联系销路",
)
SITUATIONS = {
    "thought": (
        "思想稳定，对党和政府的政策措施高度认同。",
        "积极向上，主动参与村里公益事务。",
        "对家乡发展充满信心。",
        "工作热情高，愿意为乡村振兴多出力。",
        "思想上有一定顾虑，担心市场风险，经沟通后情绪稳定。",
    ),
    "work": (
        "{speciality}工作进展顺利，今年效益较好。",
        "近期工作任务较重，能够按期完成。",
        "正在筹备新项目，需要技术和资金支持。",
        "带领周边群众发展产业，示范作用明显。",
    ),
    "study": (
        "参加了县里组织的专题培训。",
        "利用业余时间自学新技术，正在准备职称（技能等级）考试。",
        "希望有更多外出学习考察的机会。",
        "",
    ),
    "health": ("身体健康。", "身体状况良好。", "腰椎有旧伤，劳累后有不适。", "近期体检正常。", ""),
    "life": (
        "家庭和睦，生活稳定。",
        "子女在县城读书，家庭开支较大。",
        "家中老人需要照顾，负担稍重。",
        "生活条件逐年改善。",
        "",
    ),
}

SUGGESTIONS = (
    ("建议农技服务中心设立常态化田间课堂，每季度组织一次现场技术培训。", "economy", "{township}农业综合服务中心"),
    ("建议统一规划建设冷链仓储设施，解决水果集中上市时的保鲜难题。", "economy", "县农业农村局"),
    ("建议完善人才公寓配套，方便外地引进人才安心工作。", "talent", "县委组织部（人才办）"),
    ("建议乡卫生院开设周末门诊，方便外出务工人员就医。", "livelihood", "{township}卫生院"),
    ("建议增加村级文化活动经费，支持群众自办文艺队伍。", "livelihood", "{township}文化站"),
    ("建议组建乡级人才联谊会，定期组织人才交流座谈。", "talent", "乡党建办"),
    ("建议对返乡创业人员的小额贷款给予贴息支持。", "economy", "县人力资源和社会保障局"),
    ("建议在主题党日活动中增加实用技术讲座内容。", "party", "乡党建办"),
    ("建议加快村组道路硬化，方便农产品运输。", "governance", "乡村建设办公室"),
    ("建议公开联系走访情况，接受群众监督。", "party", "乡党建办"),
    ("建议学校增设课后服务，解决留守儿童放学后无人照看的问题。", "livelihood", "{stem}小学"),
    ("建议推广稻渔综合种养模式，提高土地效益。", "economy", "{township}农业综合服务中心"),
)
ADOPTED_ANSWER = "已采纳，纳入{year}年工作计划，由{to}牵头落实。"
NOT_ADOPTED_ANSWER = "经{to}研究，因资金和用地条件限制暂不具备实施条件，已向本人当面说明。"

# (kind, content, responsible unit key, targeted measures, result when resolved)
DEMANDS = (
    (
        "work",
        "所在学校多媒体设备老化，希望更新教学设备。",
        "school",
        "列入乡教育设施更新计划，向县教育局申请设备。",
        "县教育局已配发交互式一体机2台。",
    ),
    (
        "work",
        "合作社冷库容量不足，希望协调扩建冷库用地。",
        "agri",
        "对接县自然资源局，按设施农业用地办理备案。",
        "设施农业用地备案已办结，冷库开工建设。",
    ),
    ("life", "家住山区，雨季出行困难，希望硬化入户便道。", "village", "纳入村级“一事一议”项目。", "入户便道已硬化。"),
    (
        "life",
        "爱人在县城工作，希望协调解决两地分居问题。",
        "agri",
        "了解双方单位情况，向县级部门反映。",
        "爱人已调入乡卫生院工作。",
    ),
    (
        "training",
        "希望参加县里组织的农村电商直播技能培训。",
        "agri",
        "推荐参加县人社局电商培训班。",
        "已参加培训并取得结业证书。",
    ),
    (
        "training",
        "希望到四川农业大学进修果树丰产栽培技术。",
        "agri",
        "联系县农业农村局争取进修名额。",
        "已参加为期一个月的进修。",
    ),
    (
        "health",
        "腰椎间盘突出复发，希望协调到县人民医院专家门诊复查。",
        "health",
        "由乡卫生院联系县人民医院预约专家号。",
        "已完成复查，病情稳定。",
    ),
    (
        "health",
        "父亲长期卧床，希望纳入家庭医生签约上门服务。",
        "health",
        "安排家庭医生团队签约。",
        "已签约，每月上门随访一次。",
    ),
    (
        "children",
        "孩子明年上小学，希望就近入读{stem}小学。",
        "school",
        "核实户籍和居住情况，按政策办理。",
        "已办理入学手续。",
    ),
    ("children", "孩子在县城读初中，希望协调寄宿床位。", "middle", "与县城学校沟通住宿安排。", "已安排寄宿床位。"),
    ("housing", "引进到乡工作后暂无住处，希望安排周转房。", "agri", "调剂乡政府周转房。", "已入住周转房。"),
    (
        "housing",
        "老房子墙体开裂，希望纳入农村危房改造。",
        "village",
        "请县住建局鉴定房屋等级。",
        "已纳入危房改造计划并完成加固。",
    ),
    (
        "funding",
        "申报县级农业产业化项目，希望协调项目资金支持。",
        "agri",
        "指导完善申报材料，向县农业农村局推荐。",
        "项目已立项，获补助资金20万元。",
    ),
    (
        "funding",
        "扩大养殖规模缺少流动资金，希望协调贴息贷款。",
        "agri",
        "对接县农商银行和县就业局创业担保贷款。",
        "已获创业担保贷款30万元。",
    ),
    (
        "research",
        "开展稻渔综合种养病害防控试验，希望对接高校专家指导。",
        "agri",
        "联系四川农业大学专家团队。",
        "专家已到现场指导两次。",
    ),
    (
        "research",
        "开展品种改良试验，希望提供试验田和检测设备。",
        "agri",
        "协调村集体流转试验田。",
        "试验田已落实，检测由县农检站承担。",
    ),
    (
        "transfer",
        "研发的手工挂面新工艺希望申请专利并对接销售渠道。",
        "enterprise",
        "联系县市场监管局指导专利申请。",
        "已受理专利申请，产品进入县电商中心。",
    ),
    (
        "transfer",
        "竹编产品设计已成型，希望对接文旅企业实现转化。",
        "culture",
        "推荐参加县文创产品展销会。",
        "与两家文旅企业签订供货协议。",
    ),
    (
        "policy",
        "咨询返乡创业一次性补贴的申领条件和办理流程。",
        "agri",
        "由乡便民服务中心一次性告知。",
        "已告知办理流程，补贴已申领。",
    ),
    ("policy", "咨询职称评审中基层服务年限的认定政策。", "health", "向县人社局核实政策口径。", "已书面答复政策口径。"),
    ("other", "希望协调解决合作社与邻村的灌溉用水纠纷。", "village", "乡司法所组织双方调解。", "双方达成用水协议。"),
    ("other", "希望乡里帮助宣传推介本地农家乐。", "culture", "纳入乡文旅宣传推介活动。", "已在县融媒体中心专题推介。"),
)
EXPLAINED_RESULT = "经{unit}研究，受政策和资金条件限制，暂不能解决，已向本人解释说明，本人表示理解。"
PROGRESS_NOTES = (
    "已与{unit}对接，明确专人跟进。",
    "{cadre}到现场查看情况，研究解决办法。",
    "相关材料已报县级部门审核。",
    "电话告知本人办理进度。",
)
EVENTS = {
    "invited": ("受邀参加全省乡村振兴人才座谈会并作交流发言。", "受邀出席达州市农民丰收节主会场活动。"),
    "achievement": ("主持的技术示范项目获{county}科技进步二等奖。", "被评为四川省乡村工匠。"),
    "post_change": ("拟调任县级部门工作，正在办理调动手续。", "被推选为{unit}负责人。"),
    "family": ("家中房屋因暴雨受损，家庭生活出现困难。", "配偶突发重病住院，医疗费用负担较重。"),
    "health": ("因病住院治疗，需休养三个月。", "体检发现健康问题，需到上级医院进一步诊治。"),
}
FEEDBACK = (
    ("本单位联系对象反映，联系领导今年尚未开展联系。", Feedback.Status.OPEN, ""),
    ("部分联系记录内容过于简单，难以反映人才的真实诉求。", Feedback.Status.IN_PROGRESS, ""),
    (
        "人才诉求转办后答复不及时，人才多次询问办理进度。",
        Feedback.Status.HANDLED,
        "已督促相关站所在3个工作日内答复，并建立诉求办理周报制度。",
    ),
    ("联系对象调整后，单位未及时收到新的联系领导名单。", Feedback.Status.OPEN, ""),
)
REPORT_TEXT = {
    "basic_situation": "{year}年，{village}共有各类优秀人才{talents}名，其中专业技术人才{professional}名、农村实用人才{rural}名、"
    "引进人才{introduced}名、其他人才{other}名。村“两委”成员结对联系人才{pairings}名，全年开展联系{contacts}次，"
    "其中面对面交流{face}次。",
    "main_practices": "一是建立村“两委”成员联系人才台账，做到一人一档；二是结合“三会一课”和主题党日开展政策宣讲；"
    "三是对人才反映的困难问题实行清单化管理，限时办结。",
    "results": "全年收集人才意见建议{suggestions}条，办结人才诉求{closed}件；推荐{recommendations}名人才参加各级代表、委员推荐。",
    "problems": "一是部分人才常年在外，面对面联系次数偏少；二是村级服务资源有限，部分诉求需上级部门协调解决。",
    "next_steps": "{next_year}年，将进一步完善联系服务机制，每季度至少开展一次集中走访，重点做好返乡创业人才的服务保障。",
}
