"""Demo data for a township, generated deterministically (used by ``manage.py seed_demo``).

``seed()`` builds every row in memory first, linked by object references, then writes each table
with one ``bulk_create`` (Django fills in a foreign key from an object saved after the assignment),
so the county scale stays fast. People — names, ID numbers, phones — are drawn before anything that
depends on today's date, so one seed gives the same people on any day; terms, pairings, contacts
and everything dated are laid out around today so that the current term contains it.

One *block* is one township: 12 villages (communities), 8 township units, 15 leadership-team
members, 4 village committee members and 60 talents. ``demo`` is one block, ``county`` twenty.
"""

from __future__ import annotations

import dataclasses
import datetime
import random
from collections import Counter, defaultdict

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db.models import Q, QuerySet
from django.utils import timezone
from faker import Faker

from contacts.models import (
    Cadre,
    Contact,
    ContactPhoto,
    Demand,
    DemandProgress,
    Feedback,
    Level,
    MajorEvent,
    Pairing,
    Recommendation,
    Suggestion,
    Term,
)
from reports.models import VillageReport
from talents import access
from talents.models import Organization, Talent, Unit
from talents.validators import id_check_char

DEFAULT_SEED = 20230510  # the day the policy was issued
SCALES = {"demo": 1, "county": 20}  # townships generated
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


# --- public API -----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Account:
    username: str
    role: str  # Chinese label
    who: str


@dataclasses.dataclass
class SeedResult:
    counts: dict[str, int]
    accounts: list[Account]


def demo_users() -> QuerySet:
    """The accounts ``seed`` creates: fixed names plus numbered ones (cadre01, village01 …)."""
    return get_user_model().objects.filter(Q(username__in=FIXED_USERNAMES) | Q(username__regex=NUMBERED_USERNAMES))


def existing_data() -> dict[str, int]:
    """What is already in the database that seeding would collide with, as label → count."""
    found = {
        "人才": Talent.objects.count(),
        "单位和村(社区)": Unit.objects.count(),
        "班子成员": Cadre.objects.count(),
        "届期": Term.objects.count(),
        "演示账号": demo_users().count(),
    }
    return {label: n for label, n in found.items() if n}


def flush() -> None:
    """Delete all domain data and the demo accounts, children before parents (most links PROTECT)."""
    for model in (DemandProgress, Suggestion, Demand, MajorEvent, Recommendation, Feedback, VillageReport):
        model.objects.all().delete()
    ContactPhoto.objects.all().delete()
    Contact.objects.all().delete()
    Pairing.objects.exclude(replaces=None).update(replaces=None)  # the history links protect each other
    for model in (Pairing, Term, Cadre, Talent, Unit):
        model.objects.all().delete()
    demo_users().delete()


def seed(
    *, password: str, scale: str = "demo", seed: int = DEFAULT_SEED, today: datetime.date | None = None
) -> SeedResult:
    """Create a township's worth of demo data (twenty at county scale). Call inside a transaction."""
    if today is None:
        today, now = timezone.localdate(), timezone.now()
    else:
        now = timezone.make_aware(datetime.datetime.combine(today, datetime.time(18, 0)))
    return _Seeder(seed=seed, blocks=SCALES[scale], today=today, now=now).run(password)


# --- the generator --------------------------------------------------------------------------


@dataclasses.dataclass
class _Block:
    township: str
    stem: str
    brand: str = ""
    villages: list[Unit] = dataclasses.field(default_factory=list)
    units: dict[str, Unit] = dataclasses.field(default_factory=dict)
    cadres: list[Cadre] = dataclasses.field(default_factory=list)
    vcadres: list[Cadre] = dataclasses.field(default_factory=list)
    talents: list[Talent] = dataclasses.field(default_factory=list)
    pairings: list[Pairing] = dataclasses.field(default_factory=list)
    contacts: list[Contact] = dataclasses.field(default_factory=list)
    missing_this_year: list[Cadre] = dataclasses.field(default_factory=list)

    def open_cadre_of(self, talent: Talent) -> Cadre | None:
        for p in self.pairings:
            if p.talent is talent and p.end_date is None and p.level == Level.TOWNSHIP:
                return p.cadre
        return None


def _stem(township: str) -> str:
    return township.removesuffix("乡").removesuffix("镇") or township


class _Seeder:
    def __init__(self, *, seed: int, blocks: int, today: datetime.date, now: datetime.datetime) -> None:
        self.rng = random.Random(seed)  # noqa: S311 -- demo data must be reproducible, not secret
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        self.n_blocks, self.today, self.now = blocks, today, now
        self.org = Organization.current()
        self.users: list = []
        self.memberships: list[tuple[object, str]] = []
        self.accounts: list[Account] = []
        self.numbers: Counter[str] = Counter()
        self.names: set[str] = set()
        self.id_numbers: set[str] = set()
        self.unit_names: set[str] = set()
        self.blocks: list[_Block] = []
        self.rows: dict[type, list] = defaultdict(list)
        stems = [a + b for a in STEM_FIRST for b in STEM_SECOND]
        self.rng.shuffle(stems)
        self.spare_stems = [s for s in stems if s not in DEMO_VILLAGE_STEMS]
        self.brands = list(BRANDS)
        self.rng.shuffle(self.brands)

    def run(self, password: str) -> SeedResult:
        groups = {g.name: g for g in Group.objects.filter(name__in=access.ROLES)}
        if len(groups) != len(access.ROLES):
            raise LookupError("role groups missing; run migrate first")
        self.password_hash = make_password(password)  # once: PBKDF2 takes ~0.5 s a hash
        self._people()
        self._dated()
        self._save(groups)
        order = list(ROLE_LABELS.values())
        accounts = sorted(self.accounts, key=lambda a: order.index(a.role))  # stable: numbers stay in order
        return SeedResult(counts=self._counts(), accounts=accounts)

    # people: drawn first, so that they do not depend on today's date

    def _people(self) -> None:
        townships = [self.org.township] + [t for t in OTHER_TOWNSHIPS if t != self.org.township]
        office_name = self._name(female=True)
        self.office = self._user(
            "office", "office", office_name, f"{office_name}（{self.org.office_name}）", staff=True
        )
        for index, township in enumerate(townships[: self.n_blocks]):
            block = _Block(township=township, stem=_stem(township))
            self.blocks.append(block)
            self._villages(block, index)
            self._units(block)
            self._cadres(block)
            self._talents(block, index)
        deputy = self.blocks[0].cadres[2]
        self.leader = self._user("leader", "leader", deputy.name, f"{deputy.name}（{deputy.title}，分管人才工作）")

    def _name(self, *, female: bool) -> str:
        pool = GIVEN_FEMALE if female else GIVEN_MALE
        for _attempt in range(20):
            name = self.fake.last_name() + self.rng.choice(pool)
            if name not in self.names:
                break
        self.names.add(name)
        return name

    def _phone(self) -> str:
        return self.fake.phone_number()

    def _user(self, prefix: str, role: str, name: str, who: str, *, staff: bool = False):
        if prefix in FIXED_USERNAMES:
            username = prefix
        else:
            self.numbers[prefix] += 1
            username = f"{prefix}{self.numbers[prefix]:02d}"
        user = get_user_model()(username=username, first_name=name, password="", is_staff=staff)
        self.users.append(user)
        self.memberships.append((user, ROLE_GROUPS[role]))
        self.accounts.append(Account(username, ROLE_LABELS[role], who))
        return user

    def _unit(self, name: str, kind: str, **fields) -> Unit:
        assert name not in self.unit_names, name
        self.unit_names.add(name)
        unit = Unit(name=name, kind=kind, sort_order=len(self.unit_names), **fields)
        self.rows[Unit].append(unit)
        return unit

    def _villages(self, block: _Block, index: int) -> None:
        stems = [block.stem, *DEMO_VILLAGE_STEMS] if index == 0 else []
        while len(stems) < 11:
            stems.append(self.spare_stems.pop())
        names = [(f"{block.stem}社区", Unit.Kind.COMMUNITY)] + [(f"{s}村", Unit.Kind.VILLAGE) for s in stems]
        for name, kind in names:
            if name in self.unit_names:  # a configured township may share a stem with the list
                name, kind = f"{self.spare_stems.pop()}村", Unit.Kind.VILLAGE
            secretary_name = self._name(female=self.rng.random() < 0.2)
            org = (
                f"中共{name}委员会"
                if kind == Unit.Kind.COMMUNITY
                else self.rng.choice((f"中共{name}支部委员会", f"{name}党支部"))
            )
            village = self._unit(
                name, kind, party_organization=org, liaison_name=self._name(female=True), liaison_phone=self._phone()
            )
            village.secretary = self._user(
                "village", "village", secretary_name, f"{secretary_name}（{name}党组织书记）"
            )
            block.villages.append(village)

    def _units(self, block: _Block) -> None:
        context = {
            "township": block.township,
            "stem": block.stem,
            "county": self.org.county,
            "brand": self.brands.pop() if self.brands else f"{block.stem}农",
            "village_stem": block.villages[1].name.removesuffix("村"),
            "crop": self.rng.choice(CROPS),
        }
        for key, kind, template in UNIT_TEMPLATES:
            name = template.format(**context)
            liaison = self._name(female=self.rng.random() < 0.5)
            unit = self._unit(name, kind, liaison_name=liaison, liaison_phone=self._phone())
            unit.liaison = self._user("liaison", "liaison", liaison, f"{liaison}（{name}）")
            block.units[key] = unit
        block.brand = context["brand"]

    def _cadres(self, block: _Block) -> None:
        town = "镇" if block.township.endswith("镇") else "乡"
        for i, (title, portfolio) in enumerate(TOWNSHIP_CADRES):
            title = title.replace("乡长", f"{town}长")
            name = self._name(female=self.rng.random() < 0.25)
            user = self._user("cadre", "cadre", name, f"{name}（{title}）")
            cadre = Cadre(user=user, name=name, title=title, portfolio=portfolio, phone=self._phone(), sort_order=i + 1)
            block.cadres.append(cadre)
        for i, village in enumerate(block.villages[1::3][:4]):
            kind = "社区" if village.kind == Unit.Kind.COMMUNITY else "村"
            title = VILLAGE_CADRE_TITLES[i % len(VILLAGE_CADRE_TITLES)].format(kind=kind)
            name = self._name(female=i == 3 or self.rng.random() < 0.3)
            user = self._user("vcadre", "vcadre", name, f"{name}（{village.name}{title.removeprefix(kind)}）")
            cadre = Cadre(
                user=user,
                name=name,
                title=title,
                portfolio="联系本村优秀人才",
                level=Level.VILLAGE,
                village=village,
                phone=self._phone(),
                sort_order=i + 1,
            )
            block.vcadres.append(cadre)
        self.rows[Cadre] += block.cadres + block.vcadres

    def _talents(self, block: _Block, index: int) -> None:
        home_villages = iter(block.villages[i % len(block.villages)] for i in range(1000))
        for profile in PROFILES:
            for n in range(profile.count):
                special = SPECIAL_TALENTS.get(profile.key) if index == 0 and n == 0 else None
                block.talents.append(self._talent(block, profile, special, home_villages))
        for talent in self.rng.sample(block.talents, 8):
            talent.thoughts = self.rng.choice(THOUGHTS)
        self.rows[Talent] += block.talents

    def _talent(self, block: _Block, profile: _Profile, special, home_villages) -> Talent:
        rng = self.rng
        if special:
            name, female, ethnicity, area = special
        else:
            female = rng.random() < profile.female_share
            name = self._name(female=female)
            ethnicity = rng.choice(MINORITIES) if rng.random() < 0.1 else "汉族"
            area = rng.choice(OTHER_AREAS) if profile.category == INT or rng.random() < 0.08 else HOME_AREA
        born = datetime.date(rng.randint(*profile.born), rng.randint(1, 12), rng.randint(1, 28))
        unit = next(home_villages) if profile.unit == "village" else block.units[profile.unit]
        village = unit if unit.is_village else rng.choice(block.villages)
        education, degree = rng.choice(profile.education)
        role = rng.randrange(len(profile.positions))

        def pick(options: tuple[str, ...]) -> str:
            return options[role] if len(options) == len(profile.positions) else rng.choice(options)

        speciality = pick(profile.specialities)
        context = {
            "county": self.org.county,
            "year": self.today.year - rng.randint(1, 3),
            "years": rng.randint(6, 25),
            "n": rng.randint(3, 30) * 100,
            "n2": rng.randint(2, 9),
            "m": rng.randint(12, 80),
            "pct": rng.randint(86, 98),
            "money": rng.randint(50, 600),
            "speciality": speciality,
            "brand": block.brand,
        }
        if len(profile.achievements) == len(profile.positions):
            achievements = [profile.achievements[role]]
        else:
            achievements = rng.sample(profile.achievements, min(2, len(profile.achievements)))
        political = rng.choice(POLITICAL)
        if political == "共青团员" and self.today.year - born.year > 28:  # the League ends at 28
            political = "群众"
        honours = [h for h in rng.sample(profile.honours, min(2, len(profile.honours))) if h]
        return Talent(
            name=name,
            gender=Talent.Gender.FEMALE if female else Talent.Gender.MALE,
            ethnicity=ethnicity,
            birth_month=born,
            id_number=self._id_number(area, born, female=female),
            political_status=political,
            education=education,
            degree=degree,
            school_and_major=pick(profile.schools) if education not in ("初中", "小学及以下") else "",
            unit=unit,
            position=profile.positions[role],
            title=pick(profile.titles),
            category=profile.category,
            rural_type=profile.rural_type,
            speciality=speciality,
            village=village,
            phone=self._phone(),
            address=f"{self.org.county}{block.township}{village.name}{rng.randint(1, 9)}组",
            achievements="".join(a.format(**context) for a in achievements),
            honours="；".join(h.format(**context) for h in honours),
            created_by=self.office,
        )

    def _id_number(self, area: str, born: datetime.date, *, female: bool) -> str:
        """A GB 11643 number: area, birth date, sequence (odd for men, even for women), check char."""
        while True:
            sequence = self.rng.randrange(2, 998)
            sequence += (sequence % 2) ^ (0 if female else 1)
            first17 = f"{area}{born:%Y%m%d}{sequence:03d}"
            number = first17 + id_check_char(first17)
            if number not in self.id_numbers:
                self.id_numbers.add(number)
                return number

    # everything dated, laid out around today

    def _dated(self) -> None:
        start = self.today.year if self.today.year % 2 else self.today.year - 1
        self.previous = self._term(start - 2, current=False)
        self.current = self._term(start, current=True)
        for block in self.blocks:
            kept = self._term_pairings(block, self.previous, None)
            self._term_pairings(block, self.current, kept)
            self._contacts(block)
            self._suggestions(block)
            self._demands(block)
            self._events(block)
            self._recommendations(block)
            self._feedback(block)
            self._reports(block)

    def _term(self, start_year: int, *, current: bool) -> Term:
        term = Term(
            name=Term.name_for(start_year),
            start_date=datetime.date(start_year, 1, 1),
            end_date=datetime.date(start_year + 1, 12, 31),
            is_current=current,
        )
        self.rows[Term].append(term)
        return term

    def _day(self, lo: datetime.date, hi: datetime.date) -> datetime.date:
        """A day in [lo, hi]; lo when the range is empty."""
        span = (hi - lo).days
        return lo + datetime.timedelta(days=self.rng.randint(0, span)) if span > 0 else lo

    def _moment(self, day: datetime.date, hour: int = 10) -> datetime.datetime:
        moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, self.rng.randint(0, 59))))
        return min(moment, self.now)

    def _pair(self, block: _Block, term: Term, cadre: Cadre, talent: Talent, start, replaces=None) -> Pairing:
        pairing = Pairing(
            term=term,
            cadre=cadre,
            talent=talent,
            level=cadre.level,
            start_date=start,
            replaces=replaces,
            created_by=self.office,
        )
        block.pairings.append(pairing)
        self.rows[Pairing].append(pairing)
        return pairing

    def _term_pairings(self, block: _Block, term: Term, kept: dict[int, Talent] | None) -> dict[int, Talent]:
        """Pair every cadre for the term, adjust two mid-term, end all at the end of a past term.

        Returns cadre → talent at the end of the term, for continuity into the next one."""
        rng, last = self.rng, min(term.end_date, self.today)
        pool = [t for t in block.talents if t.status == Talent.Status.IN_POOL]
        rng.shuffle(pool)
        village_paired = self._village_pairings(block, term, pool)
        used: set[int] = set()
        opened: dict[int, Pairing] = {}
        for cadre in block.cadres:
            talent = (kept or {}).get(id(cadre))
            if talent is None or talent.status != Talent.Status.IN_POOL or rng.random() < 0.3 or id(talent) in used:
                talent = next(t for t in pool if id(t) not in used)
            used.add(id(talent))
            opened[id(cadre)] = self._pair(block, term, cadre, talent, term.start_date)
        movable = [c for c in block.cadres if id(opened[id(c)].talent) not in village_paired]
        for reason, cadre in zip(Pairing.EndReason.values[:2], rng.sample(movable, 2), strict=True):
            old = opened[id(cadre)]
            day = self._day(term.start_date + datetime.timedelta(days=60), last - datetime.timedelta(days=30))
            day = max(term.start_date, min(day, last))
            old.end_date, old.end_reason = day, reason
            if reason == Pairing.EndReason.POST_CHANGE:
                old.end_note = rng.choice(POST_CHANGE_NOTES)
            else:
                old.end_note = "人才调出人才库，重新确定联系对象。"
                old.talent.status, old.talent.out_date = Talent.Status.OUT, day
                old.talent.out_reason = rng.choice(TALENT_OUT_REASONS)
            talent = next(t for t in pool if id(t) not in used and t.status == Talent.Status.IN_POOL)
            used.add(id(talent))
            opened[id(cadre)] = self._pair(block, term, cadre, talent, min(day + datetime.timedelta(days=1), last), old)
        if term.end_date < self.today:
            for p in block.pairings:
                if p.term is term and p.end_date is None:
                    p.end_date, p.end_reason = term.end_date, Pairing.EndReason.TERM_ENDED
        return {key: p.talent for key, p in opened.items()}

    def _village_pairings(self, block: _Block, term: Term, pool: list[Talent]) -> set[int]:
        paired: set[int] = set()
        for cadre in block.vcadres:
            candidates = [t for t in pool if t.village is cadre.village and id(t) not in paired]
            if candidates:
                talent = self.rng.choice(candidates)
                paired.add(id(talent))
                self._pair(block, term, cadre, talent, term.start_date)
        return paired

    def _contacts(self, block: _Block) -> None:
        """Contacts in every year of both terms; a fifth of the cadres has none yet this year."""
        rng = self.rng
        block.missing_this_year = rng.sample(block.cadres, max(1, len(block.cadres) // 5)) + block.vcadres[:1]
        missing = {id(c) for c in block.missing_this_year}
        for pairing in block.pairings:
            for year in range(pairing.start_date.year, self.today.year + 1):
                if year == self.today.year and id(pairing.cadre) in missing:
                    continue
                lo = max(pairing.start_date, datetime.date(year, 1, 1))
                hi = min(pairing.end_date or self.today, datetime.date(year, 12, 31), self.today)
                if lo > hi:
                    continue
                counts = (1, 1, 2, 2, 3) if pairing.level == Level.TOWNSHIP else (1, 1, 2)
                for _n in range(rng.choice(counts)):
                    block.contacts.append(self._contact(pairing, self._day(lo, hi)))
        latest: dict[int, Contact] = {}  # the latest contact this year of each pairing
        for contact in sorted(block.contacts, key=lambda c: c.date):
            if contact.date.year == self.today.year:
                latest[id(contact.pairing)] = contact
        # Two recent urgent calls from different talents: one handled, the newest still open (R7).
        recent = sorted(latest.values(), key=lambda c: c.date)[-2:]
        for contact, handled in zip(recent, (True, False)[2 - len(recent) :], strict=True):
            self._make_urgent(contact, handled=handled)
        self.rows[Contact] += block.contacts

    def _contact(self, pairing: Pairing, day: datetime.date) -> Contact:
        rng, talent = self.rng, pairing.talent
        method = rng.choices(METHODS, METHOD_WEIGHTS)[0]
        by_talent = (
            method in (Contact.Method.FACE_TO_FACE, Contact.Method.PHONE, Contact.Method.LETTER) and rng.random() < 0.15
        )
        words = {
            "name": talent.name,
            "speciality": talent.speciality or talent.position,
            "policy": rng.choice(POLICIES),
            "topic": rng.choice(TOPICS),
            "village": talent.village.name,
        }
        places = {
            Contact.Method.FACE_TO_FACE: (
                talent.unit.name,
                f"{talent.village.name}党群服务中心",
                "乡党委会议室",
                "生产基地现场",
            ),
            Contact.Method.INTERVIEW: ("乡党委会议室",),
            Contact.Method.VISIT: (f"{talent.name}家中",),
            Contact.Method.INSPECTION: (talent.village.name,),
        }
        guidance, consultation, service = (rng.random() < 0.7, rng.random() < 0.5, rng.random() < 0.6)
        return Contact(
            pairing=pairing,
            date=day,
            method=method,
            direction=Contact.Direction.TALENT if by_talent else Contact.Direction.CADRE,
            is_guidance=guidance or not (consultation or service),
            is_consultation=consultation,
            is_service=service,
            place=rng.choice(places.get(method, ("",))),
            situation_thought=rng.choice(SITUATIONS["thought"]),
            situation_work=rng.choice(SITUATIONS["work"]).format(**words),
            situation_study=rng.choice(SITUATIONS["study"]),
            situation_health=rng.choice(SITUATIONS["health"]),
            situation_life=rng.choice(SITUATIONS["life"]),
            summary=(TALENT_INITIATED if by_talent else SUMMARIES[method]).format(**words),
            created_by=pairing.cadre.user,
        )

    def _make_urgent(self, contact: Contact, *, handled: bool) -> None:
        matter = self.rng.choice(URGENT_MATTERS)
        contact.urgent, contact.method, contact.direction = True, Contact.Method.PHONE, Contact.Direction.TALENT
        contact.place = ""
        contact.summary = f"{contact.pairing.talent.name}来电反映：{matter}，请求协调处理。已报告乡党委并通知相关站所。"
        if handled:
            contact.handled_at, contact.handled_by = self._moment(contact.date, 16), self.office

    def _suggestions(self, block: _Block) -> None:
        rng = self.rng
        statuses = list(Suggestion.Status)
        words = {"township": block.township, "stem": block.stem}
        for i, contact in enumerate(rng.sample(block.contacts, min(len(SUGGESTIONS), len(block.contacts)))):
            content, category, to = SUGGESTIONS[i]
            status, to = statuses[i % len(statuses)], to.format(**words)
            contact.is_consultation = True
            answer = {
                Suggestion.Status.ADOPTED: ADOPTED_ANSWER.format(year=contact.date.year, to=to),
                Suggestion.Status.NOT_ADOPTED: NOT_ADOPTED_ANSWER.format(to=to),
            }.get(status, "")
            self.rows[Suggestion].append(
                Suggestion(
                    talent=contact.pairing.talent,
                    contact=contact,
                    content=content,
                    category=category,
                    forwarded_to="" if status == Suggestion.Status.COLLECTED else to,
                    status=status,
                    answer=answer,
                    created_by=self.office,
                )
            )

    def _demands(self, block: _Block) -> None:
        rng = self.rng
        paired = [p.talent for p in block.pairings if p.end_date is None and p.level == Level.TOWNSHIP]
        in_pool = [t for t in block.talents if t.status == Talent.Status.IN_POOL]
        contacts_of: dict[int, list[Contact]] = defaultdict(list)
        for contact in block.contacts:
            contacts_of[id(contact.pairing.talent)].append(contact)
        statuses = list(Demand.Status)
        for i, item in enumerate(DEMANDS):
            talent = rng.choice(paired if rng.random() < 0.7 else in_pool)
            self._demand(block, talent, item, statuses[i % len(statuses)], contacts_of[id(talent)])

    def _demand(self, block: _Block, talent: Talent, item, status: str, contacts: list[Contact]) -> None:
        rng, days = self.rng, datetime.timedelta
        kind, content, unit_key, measures, resolved = item
        back = {"open": (0, 45), "in_progress": (10, 120)}.get(status, (30, 420))
        raised = self.today - days(rng.randint(*back))
        source, contact = rng.choice((Demand.Source.UNIT, Demand.Source.TALENT)), None
        recent = [c for c in contacts if raised - days(30) <= c.date <= raised]
        if recent:
            source, contact = Demand.Source.CONTACT, rng.choice(recent)
            raised = contact.date
        urgency = rng.choices(list(Demand.Urgency), (7, 2, 1))[0]
        unit = talent.village if unit_key == "village" else block.units[unit_key]
        cadre = block.open_cadre_of(talent) or rng.choice(block.cadres)
        due = raised + days({"urgent": 1, "pressing": rng.randint(3, 5)}.get(urgency, rng.randint(10, 40)))
        demand = Demand(
            talent=talent,
            raised_on=raised,
            source=source,
            contact=contact,
            kind=kind,
            urgency=urgency,
            content=content.format(stem=block.stem),
            responsible_unit=unit,
            coordinating_cadre=cadre,
            measures=measures if status != "open" or rng.random() < 0.5 else "",
            due_date=due,
            status=status,
            created_by=self.office,
        )
        if status in Demand.CLOSED_STATUSES:
            self._close(demand, resolved, unit)
        if urgency == Demand.Urgency.URGENT and status != Demand.Status.OPEN:
            demand.handled_at, demand.handled_by = self._moment(raised, 17), self.office
        self.rows[Demand].append(demand)
        end = demand.closed_on or self.today
        for n in range(rng.randint(1, 3) if status != "open" else 0):
            note = PROGRESS_NOTES[n].format(unit=unit.name, cadre=cadre.name)
            self.rows[DemandProgress].append(
                DemandProgress(demand=demand, date=self._day(raised, end), note=note, created_by=self.office)
            )

    def _close(self, demand: Demand, resolved: str, unit: Unit) -> None:
        rng = self.rng
        demand.closed_on = min(demand.raised_on + datetime.timedelta(days=rng.randint(2, 40)), self.today)
        if demand.status == Demand.Status.RESOLVED:
            demand.result = resolved
        else:
            demand.result = EXPLAINED_RESULT.format(unit=unit.name)
        satisfaction = rng.choices(["satisfied", "fairly", "unsatisfied", ""], (5, 2, 1, 2))[0]
        if satisfaction:
            demand.satisfaction = satisfaction
            demand.follow_up_on = min(demand.closed_on + datetime.timedelta(days=3), self.today)
            label = Demand.Satisfaction(satisfaction).label
            demand.follow_up = f"电话回访本人，对办理结果表示“{label}”。"

    def _events(self, block: _Block) -> None:
        rng = self.rng
        in_pool = [t for t in block.talents if t.status == Talent.Status.IN_POOL]
        kinds = list(MajorEvent.Kind) + rng.sample(list(MajorEvent.Kind), 2)
        for kind in kinds:
            talent = rng.choice(in_pool)
            day = self.today - datetime.timedelta(days=rng.randint(0, 300))
            event = MajorEvent(
                talent=talent,
                kind=kind,
                date=day,
                description=rng.choice(EVENTS[kind]).format(county=self.org.county, unit=talent.unit.name),
                reporting_unit=talent.unit,
                reporter_name=talent.unit.liaison_name,
                cadre=block.open_cadre_of(talent),
                created_by=self.office,
            )
            if rng.random() < 0.6:
                event.acknowledged_at = self._moment(day + datetime.timedelta(days=1), 9)
                event.acknowledged_by = rng.choice((self.office, self.leader))
            self.rows[MajorEvent].append(event)

    def _recommendations(self, block: _Block) -> None:
        rng, year = self.rng, self.today.year
        Role, Lvl, Out = Recommendation.Role, Recommendation.Level, Recommendation.Outcome
        plan = (
            (Role.PEOPLES_CONGRESS, Lvl.TOWNSHIP, year - 1, (Out.ELECTED, Out.NOT_ELECTED)),
            (Role.PARTY_CONGRESS, Lvl.TOWNSHIP, year - 1, (Out.ELECTED,)),
            (Role.CPPCC, Lvl.COUNTY, year - 1, (Out.ELECTED, Out.NOT_ELECTED)),
            (Role.PEOPLES_CONGRESS, Lvl.COUNTY, year, (Out.PENDING, Out.ELECTED)),
            (Role.PARTY_CONGRESS, Lvl.COUNTY, year, (Out.PENDING,)),
            (Role.PEOPLES_CONGRESS, Lvl.TOWNSHIP, year, (Out.PENDING,)),
        )
        candidates = [t for t in block.talents if t.status == Talent.Status.IN_POOL]
        rng.shuffle(candidates)
        for role, level, when, outcomes in plan:
            talent = next(t for t in candidates if role != Role.PARTY_CONGRESS or t.political_status == "中共党员")
            candidates.remove(talent)
            self.rows[Recommendation].append(
                Recommendation(
                    talent=talent,
                    role=role,
                    level=level,
                    year=when,
                    organization=talent.village,
                    outcome=rng.choice(outcomes),
                    note=f"经{talent.village.party_organization}会议研究推荐",
                    created_by=self.office,
                )
            )

    def _feedback(self, block: _Block) -> None:
        for i, (content, status, handling) in enumerate(FEEDBACK):
            cadre = block.missing_this_year[0] if i == 0 else None
            talent = next((p.talent for p in block.pairings if p.cadre is cadre and p.end_date is None), None)
            unit = talent.unit if talent else list(block.units.values())[i]
            item = Feedback(
                unit=unit, talent=talent, cadre=cadre, content=content, status=status, created_by=self.office
            )
            if status == Feedback.Status.HANDLED:
                item.handling = handling
                item.handled_at = self._moment(self.today - datetime.timedelta(days=self.rng.randint(3, 40)), 15)
                item.handled_by = self.office
            self.rows[Feedback].append(item)

    def _reports(self, block: _Block) -> None:
        """Last year's reports all received; this year's: drafts, submitted, one returned, a few missing."""
        year = self.today.year
        for village in block.villages:
            secretary = village.secretary
            submitted = self._moment(self._day(datetime.date(year - 1, 12, 10), datetime.date(year - 1, 12, 28)), 11)
            self.rows[VillageReport].append(
                VillageReport(
                    village=village,
                    year=year - 1,
                    status=VillageReport.Status.RECEIVED,
                    submitted_at=submitted,
                    submitted_by=secretary,
                    received_at=submitted + datetime.timedelta(days=2),
                    **self._report_text(block, village, year - 1),
                )
            )
        for i, village in enumerate(block.villages):
            status = ("draft", "submitted", "submitted", "returned", "draft", None)[i % 6]
            if status is None:
                continue
            text = self._report_text(block, village, year)
            report = VillageReport(village=village, year=year, status=status)
            if status == VillageReport.Status.DRAFT:
                report.basic_situation = text["basic_situation"]
            else:
                for field, value in text.items():
                    setattr(report, field, value)
                start = max(datetime.date(year, 1, 1), self.today - datetime.timedelta(days=20))
                report.submitted_at, report.submitted_by = (
                    self._moment(self._day(start, self.today), 9),
                    village.secretary,
                )
            if status == VillageReport.Status.RETURNED:
                report.return_reason = "联系次数与台账不一致，请核实后重新提交。"
            self.rows[VillageReport].append(report)

    def _report_text(self, block: _Block, village: Unit, year: int) -> dict[str, str]:
        talents = [t for t in block.talents if t.village is village]
        ids = {id(t) for t in talents}
        contacts = [c for c in block.contacts if id(c.pairing.talent) in ids and c.date.year == year]
        categories = Counter(t.category for t in talents)
        figures = {
            "year": year,
            "next_year": year + 1,
            "village": village.name,
            "talents": len(talents),
            "pairings": sum(
                1
                for p in block.pairings
                if p.cadre.village is village and p.start_date.year <= year <= (p.end_date or self.today).year
            ),
            "contacts": len(contacts),
            "face": sum(c.method == Contact.Method.FACE_TO_FACE for c in contacts),
            "suggestions": sum(1 for s in self.rows[Suggestion] if id(s.talent) in ids and s.contact.date.year == year),
            "closed": sum(
                1 for d in self.rows[Demand] if id(d.talent) in ids and d.closed_on and d.closed_on.year == year
            ),
            "recommendations": sum(
                1 for r in self.rows[Recommendation] if r.organization is village and r.year == year
            ),
            **{str(c): categories[c] for c in Talent.Category.values},
        }
        return {field: template.format(**figures) for field, template in REPORT_TEXT.items()}

    # writing

    def _save(self, groups: dict[str, Group]) -> None:
        user_model = get_user_model()
        for user in self.users:
            user.password = self.password_hash
        user_model.objects.bulk_create(self.users)
        through = user_model.groups.through
        through.objects.bulk_create([through(user=u, group=groups[role]) for u, role in self.memberships])
        for model in (Unit, Cadre, Talent, Term):
            model.objects.bulk_create(self.rows[model])
        pairings = self.rows[Pairing]
        Pairing.objects.bulk_create([p for p in pairings if p.replaces is None])
        Pairing.objects.bulk_create([p for p in pairings if p.replaces is not None])
        for model in (Contact, Suggestion, Demand, DemandProgress, MajorEvent, Recommendation, Feedback, VillageReport):
            model.objects.bulk_create(self.rows[model], batch_size=500)

    def _counts(self) -> dict[str, int]:
        units = self.rows[Unit]
        return {
            "村(社区)": sum(u.is_village for u in units),
            "乡属单位": sum(not u.is_village for u in units),
            "乡班子成员": sum(c.level == Level.TOWNSHIP for c in self.rows[Cadre]),
            "村级联系人": sum(c.level == Level.VILLAGE for c in self.rows[Cadre]),
            "人才": len(self.rows[Talent]),
            "届期": len(self.rows[Term]),
            "结对": len(self.rows[Pairing]),
            "联系记录": len(self.rows[Contact]),
            "意见建议": len(self.rows[Suggestion]),
            "诉求": len(self.rows[Demand]),
            "重大事项": len(self.rows[MajorEvent]),
            "推荐": len(self.rows[Recommendation]),
            "工作反馈": len(self.rows[Feedback]),
            "村年度报告": len(self.rows[VillageReport]),
            "账号": len(self.users),
        }
