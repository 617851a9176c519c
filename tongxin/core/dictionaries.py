"""Administrator-editable choice lists (数据字典), seeded with the official values. Codes are stable."""

ETHNICITIES = (
    "汉族 蒙古族 回族 藏族 维吾尔族 苗族 彝族 壮族 布依族 朝鲜族 满族 侗族 瑶族 白族 土家族 哈尼族 哈萨克族 傣族 黎族 "
    "傈僳族 佤族 畲族 高山族 拉祜族 水族 东乡族 纳西族 景颇族 柯尔克孜族 土族 达斡尔族 仫佬族 羌族 布朗族 撒拉族 毛南族 "
    "仡佬族 锡伯族 阿昌族 普米族 塔吉克族 怒族 乌孜别克族 俄罗斯族 鄂温克族 德昂族 保安族 裕固族 京族 塔塔尔族 独龙族 "
    "鄂伦春族 赫哲族 门巴族 珞巴族 基诺族"
).split()

DICTIONARIES = {
    "political_affiliation": {
        "name": "政治面貌", "standard": "GB/T 4762-1984",
        "items": [
            ("01", "中共党员", "CPC member"), ("02", "中共预备党员", "CPC probationary member"),
            ("03", "共青团员", "CYL member"), ("04", "民革党员", "RCCK member"), ("05", "民盟盟员", "CDL member"),
            ("06", "民建会员", "CNDCA member"), ("07", "民进会员", "CAPD member"),
            ("08", "农工党党员", "CPWDP member"), ("09", "致公党党员", "CZGP member"),
            ("10", "九三学社社员", "Jiusan Society member"), ("11", "台盟盟员", "TDSGL member"),
            ("12", "无党派人士", "Non-party personage"), ("13", "群众", "Ordinary citizen"),
        ],
    },
    "ethnicity": {
        "name": "民族", "standard": "GB/T 3304-1991",
        "items": [(f"{i:02d}", name, "") for i, name in enumerate(ETHNICITIES, start=1)]
        + [("97", "其他", "Other"), ("98", "外国血统中国籍人士", "Naturalised citizen of foreign origin")],
    },
    "education": {
        "name": "学历", "standard": "GB/T 4658-2006",
        "items": [
            ("10", "研究生", "Postgraduate"), ("11", "博士研究生", "Doctorate"), ("14", "硕士研究生", "Master"),
            ("20", "大学本科", "Bachelor"), ("30", "大学专科", "Associate"), ("40", "中等职业教育", "Vocational"),
            ("60", "普通高级中学", "Senior high school"), ("70", "初级中学", "Junior high school"),
            ("80", "小学", "Primary school"), ("90", "其他", "Other"),
        ],
    },
    "person_category": {
        "name": "人士类别", "standard": "新的社会阶层人士四类人员", "hierarchical": True,
        "items": [
            ("1", "民营企业和外资企业管理技术人员", "Private/foreign enterprise managers and technical staff"),
            ("2", "中介组织和社会组织从业人员", "Intermediary and social organisation staff"),
            ("3", "自由职业人员", "Freelancers"),
            ("4", "新媒体从业人员", "New media workers"),
            ("11", "民营企业管理人员", "Private enterprise manager", "1"),
            ("12", "民营企业技术人员", "Private enterprise technical staff", "1"),
            ("13", "外资企业管理人员", "Foreign-invested enterprise manager", "1"),
            ("14", "外资企业技术人员", "Foreign-invested enterprise technical staff", "1"),
            ("21", "律师", "Lawyer", "2"), ("22", "注册会计师", "Certified public accountant", "2"),
            ("23", "注册税务师", "Certified tax agent", "2"), ("24", "资产评估师", "Asset appraiser", "2"),
            ("25", "专利代理师", "Patent attorney", "2"), ("26", "社会组织从业人员", "Social organisation staff", "2"),
            ("29", "其他中介组织从业人员", "Other intermediary staff", "2"),
            ("31", "文艺工作者", "Artist", "3"), ("32", "自由撰稿人", "Freelance writer", "3"),
            ("33", "独立投资人", "Independent investor", "3"), ("34", "培训教师", "Tutor / trainer", "3"),
            ("39", "其他自由职业人员", "Other freelancer", "3"),
            ("41", "新媒体企业出资人和经营管理人员", "New media owner or manager", "4"),
            ("42", "新媒体采编人员", "New media editor", "4"),
            ("43", "网络作家、主播等内容创作者", "Online content creator", "4"),
            ("49", "其他新媒体从业人员", "Other new media worker", "4"),
        ],
    },
    "organization_type": {
        "name": "单位类型", "standard": "",
        "items": [
            ("private", "民营企业", "Private enterprise"), ("foreign", "外资企业", "Foreign-invested enterprise"),
            ("law_firm", "律师事务所", "Law firm"), ("accounting_firm", "会计师事务所", "Accounting firm"),
            ("appraisal_firm", "资产评估机构", "Appraisal firm"), ("tax_firm", "税务师事务所", "Tax agency"),
            ("social_org", "社会组织", "Social organisation"), ("new_media", "新媒体企业", "New media company"),
            ("other", "其他", "Other"),
        ],
    },
    "activity_type": {
        "name": "活动类型", "standard": "",
        "items": [
            (f"{i:02d}", label, "") for i, label in enumerate(
                ["主题活动", "学习宣讲", "培训班", "文化活动", "社会服务", "志愿服务", "调研", "协商议事", "座谈会",
                 "论坛", "招聘会", "捐赠帮扶", "联谊活动"], start=1)
        ],
    },
    "site_kind": {
        "name": "阵地类型", "standard": "",
        "items": [
            ("01", "实践创新基地", "Practice innovation base"), ("02", "创新示范点", "Demonstration point"),
            ("03", "实践锻炼基地", "Practice and training base"), ("04", "活动阵地", "Activity venue"),
            ("05", "统战工作室", "Liaison office"), ("06", "同心驿站", "Community station"),
        ],
    },
    "association_level": {
        "name": "组织层级", "standard": "",
        "items": [
            ("city", "市级", "City"), ("county", "县级", "County"), ("township", "乡镇/街道", "Township/street"),
            ("park", "园区", "Park"), ("district", "商圈", "Business district"), ("industry", "行业", "Industry"),
            ("building", "楼宇", "Building"),
        ],
    },
    "association_kind": {
        "name": "组织类型", "standard": "",
        "items": [
            ("01", "新联会", "New strata association"), ("02", "网络人士联谊会", "Network figures association"),
            ("03", "法律人士联谊会", "Legal professionals association"),
            ("04", "文艺人士联谊会", "Artists association"), ("05", "服务团", "Service corps"),
            ("06", "商会", "Chamber of commerce"), ("99", "其他", "Other"),
        ],
    },
}
