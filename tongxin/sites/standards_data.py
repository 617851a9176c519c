"""The standards the seed reports state, shipped as data (migration 0003 loads them; `tongxin demo` relies on them).

Each criterion: (name, description, evidence, evidence_rule, stated_in_source). Only what the seeds state is
shipped: where a seed names a standard without giving all its items (五有四见 in seed 003), the missing items are
left out and the description says so; administrators add them once settled (editing creates a version).
"""

SHIYOU = {
    "code": "shiyou", "name": "十有",
    "source": "阜新市新的社会阶层人士统战工作创新示范点建设实施办法（试行），2021年（种子报告002）",
    "description": "创新示范点建设要具备“十有”标准。",
    "all_required": True,
    "criteria": [
        ("有工作机构", "明确牵头部门和工作机构", "机构设置文件、工作职责", "manual", True),
        ("有代表人士", "联系一批新的社会阶层代表人士", "入驻组织的会员名单", "representatives", True),
        ("有联谊组织", "建立新联会或分会等联谊组织", "入驻本阵地的联谊组织", "organization", True),
        ("有工作制度", "建立健全工作制度", "入驻组织施行中的制度", "rules", True),
        ("有活动场所", "有固定的活动场所", "阵地登记信息、照片", "site", True),
        ("有活动品牌", "形成特色活动品牌", "阵地品牌名称", "brand", True),
        ("有主题活动", "经常开展主题活动", "近12个月在本阵地开展的活动记录", "activities", True),
        ("有教育培训", "开展教育培训", "近12个月的学习培训类活动", "training", True),
        ("有社会实践", "组织开展社会实践", "社会服务、实践活动材料", "manual", True),
        ("有工作成效", "工作取得实际成效", "成效材料、媒体报道、表彰", "manual", True),
    ],
}

QIYOU = {
    "code": "qiyou", "name": "七有",
    "source": "阜新市新的社会阶层人士统战工作创新示范点建设要求（种子报告002）",
    "description": "按照“有组织，有制度，有队伍，有阵地，有经费，有活动，有品牌”的要求建设创新示范点。",
    "all_required": True,
    "criteria": [
        ("有组织", "", "入驻本阵地的联谊组织", "organization", True),
        ("有制度", "", "入驻组织施行中的制度", "rules", True),
        ("有队伍", "", "入驻本阵地的工作队伍", "teams", True),
        ("有阵地", "", "阵地登记信息、照片", "site", True),
        ("有经费", "", "入驻组织的经费拨付记录", "funds", True),
        ("有活动", "", "近12个月在本阵地开展的活动记录", "activities", True),
        ("有品牌", "", "阵地品牌名称", "brand", True),
    ],
}

WUYOU_SIJIAN_SC = {
    "code": "wuyou-sijian-sc", "name": "五有四见（实践创新基地）",
    "source": "四川省实践创新基地建设“五有四见”工作标准（种子报告003）",
    "description": ("种子报告003只写明四川探索了“五有四见”工作标准，并举成都“MFG创客联邦”形成的“4个有”（有组织形式、"
                    "有载体平台、有常态活动、有统战展示）；第五个“有”和“四见”的内容出处未列明，这里不作补充。"
                    "管理员核定后可在本标准中添加（已使用的版本修改后保存为新版本）。"),
    "all_required": False,
    "criteria": [
        ("有组织形式", "", "入驻本阵地的联谊组织", "organization", True),
        ("有载体平台", "", "阵地登记信息、照片", "site", True),
        ("有常态活动", "", "近12个月在本阵地开展的活动记录", "activities", True),
        ("有统战展示", "", "展示区照片、宣传材料", "manual", True),
    ],
}

# Criteria shipped by earlier versions of WUYOU_SIJIAN_SC that the seeds do not state (migration 0004 removes
# them from an unused copy, or publishes a corrected version of a used one).
WUYOU_SIJIAN_SC_UNSTATED = ("第五个“有”（待补充）", "见人", "见物", "见事", "见效")

WUYOU_SIJIAN_MY = {
    "code": "wuyou-sijian-my", "name": "五有+四见（基层统战工作）",
    "source": "绵阳市基层统战工作“有组织、有制度、有阵地、有载体、有活动”基本要求和“见人、见物、见事、见效”工作目标"
              "（种子报告004）",
    "description": "基层统战工作的基本要求（五有）和工作目标（四见）。",
    "all_required": False,
    "criteria": [
        ("有组织", "", "入驻本阵地的联谊组织", "organization", True),
        ("有制度", "", "入驻组织施行中的制度", "rules", True),
        ("有阵地", "", "阵地登记信息、照片", "site", True),
        ("有载体", "", "品牌活动、服务项目等载体", "brand", True),
        ("有活动", "", "近12个月在本阵地开展的活动记录", "activities", True),
        ("见人", "", "联系的代表人士", "representatives", True),
        ("见物", "", "阵地、设施、展示", "site", True),
        ("见事", "", "开展的活动和办成的事", "activities", True),
        ("见效", "", "成效材料、媒体报道、表彰", "manual", True),
    ],
}

STANDARDS = [SHIYOU, QIYOU, WUYOU_SIJIAN_SC, WUYOU_SIJIAN_MY]
