"""The default work-report template, written in the manner of the seed reports (shared/seeds/).

Seeded into the database once (`ensure_default_template`); administrators then edit their copy without code.
Sentences of areas not built yet name catalogued metrics and are left out until those metrics exist.
"""

NAME = "新阶统战工作总结（默认）"

DEFAULT = {
    "title": "{region}{period}新的社会阶层人士统战工作总结",
    "opening": (
        "{period}，{region}以《中国共产党统一战线工作条例》为遵循，以政治引领为主线，以发挥作用为根本，"
        "聚焦完善机制、培育队伍、搭建平台、发挥作用四方面，扎实推动新的社会阶层人士统战工作提质增效。"
        "现将主要工作情况总结如下。"
    ),
    "sections": [
        {"title": "完善组织体系，让新阶组织“建”起来", "sentences": [
            "秉承“成熟一个、建设一个”工作原则，新成立基层新联会等联谊组织{orgs.associations_new}个，",
            "现有各级新阶联谊组织{orgs.associations}个，",
            "吸纳会员{orgs.members}名；",
            "配齐配强联谊组织班子，新增会长、副会长、秘书长等班子成员{orgs.officers_new}名；",
            "拨付联谊组织工作经费{orgs.funding|prose}元，保障联谊组织和活动正常开展；",
            "指导联谊组织建立健全联席会议、联谊活动、走访会员单位等制度{orgs.rules}项。",
        ]},
        {"title": "育好人士队伍，让新阶力量“聚”起来", "sentences": [
            "精准识别新的社会阶层人士“四类人员”{people.total}名，",
            "其中代表人士{people.representatives}名，",
            "网络人士{people.network_figures}名；",
            "新录入人士{people.new_in_period}名，",
            "发现储备新的社会阶层人士和网络人士{people.reserve|prose}名，实行动态管理。",
        ]},
        {"title": "织密联系网络，让联系服务“实”起来", "sentences": [
            "配齐统战委员、统战联络员{network.liaison_staff}名，",
            "成立社区统战工作先锋队伍等工作队伍{network.teams}支；",
            "{pairing.leaders}名领导干部结对联系{pairing.representatives}名新阶代表人士，",
            "开展“面对面+键对键”联系{contacts.count|prose}次，",
            "收集新阶人士反映的诉求{cases.raised|prose}件，",
            "帮助解决无活动阵地、办会办证难等问题{cases.resolved|prose}件，确保每一名新阶代表人士日常都有人联系、"
            "困难都有人解决。",
        ]},
        {"title": "搭建活动平台，让新阶人士“动”起来", "sentences": [
            "开展专题宣讲、联谊交流等各类活动{activities.count|prose}次，",
            "参与{activities.attendance|prose}人次，",
            "其中开展学习宣讲活动{activities.count[学习宣讲]|prose}次，",
            "举办主题活动{activities.count[主题活动]|prose}场，",
            "开展文化活动{activities.count[文化活动]|prose}场，",
            "开展志愿服务活动{activities.count[志愿服务]|prose}次，",
            "举办座谈会、论坛{activities.count[座谈会]|prose}场，",
            "开展联谊活动{activities.count[联谊活动]|prose}次；",
            "举办新阶人士能力提升培训班{training.classes}期，",
            "轮训新阶人士{training.trainees|prose}人次，有力激发新阶人士爱党爱国热忱和干事创业激情。",
        ]},
        {"title": "畅通建言渠道，让新阶智慧“汇”起来", "sentences": [
            "组织新阶代表人士参加协商议事活动{consultation.meetings|prose}次，",
            "开展专题调研{research.activities|prose}次，",
            "形成调研报告{research.reports}篇，",
            "收集新阶人士意见建议{proposals.submitted|prose}条，",
            "其中被采纳{proposals.adopted|prose}条，为党委政府决策提供参考。",
        ]},
        {"title": "加大政治安排，让新阶人才“显”起来", "sentences": [
            "推荐安排新阶人士担任人大代表、政协委员、工商联执委、特约监督员等{arrangements.by_body}人次，",
            "其中人大代表{arrangements.by_body[人大代表]}名，",
            "政协委员{arrangements.by_body[政协委员]}名，",
            "工商联执委{arrangements.by_body[工商联执委]}名，",
            "新阶人士和联谊组织获得各级表彰{honors.count}项，建设高素质的新阶人才队伍。",
        ]},
        {"title": "建强活动阵地，让新阶组织“活”起来", "sentences": [
            "打造实践创新基地、新阶人士活动阵地等{sites.count}个，",
            "开展阵地达标评估{sites.assessed}个，",
            "推进创新示范点建设等重点任务{tasks.total}项，让新阶组织不仅建起来，更是转起来、活起来。",
        ]},
        {"title": "彰显新阶担当，让新阶作用“实”起来", "sentences": [
            "清单式制定社会服务项目{services.programs}项，",
            "为{services.enterprises}家企业提供援企稳岗等服务，",
            "服务群众{activities.beneficiaries|prose}人次，",
            "捐款捐物及以购代扶{donations.value|prose}元，",
            "捐赠物资{donations.items|prose}件，有力彰显新阶人士责任担当。",
        ]},
        {"title": "推行积分管理，让新阶人士“比”起来", "sentences": [
            "推行新阶人士参与活动、志愿服务、建言献策积分管理，发放积分{points.issued|prose}分，",
            "兑换积分{points.redeemed|prose}分，激励新阶人士比学赶超、争先创优。",
        ]},
    ],
    "closing": "",
    "charts": [
        {"metric": "people.total", "kind": "region", "title": "各地人士库人数"},
        {"metric": "people.by_category", "kind": "parts", "title": "人士分类构成"},
        {"metric": "people.new_in_period", "kind": "month", "title": "每月新增人士"},
        {"metric": "orgs.associations", "kind": "region", "title": "各地联谊组织数"},
        {"metric": "activities.count", "kind": "month", "title": "每月活动场次"},
        {"metric": "activities.count", "kind": "parts", "title": "活动类型构成"},
        {"metric": "proposals.submitted", "kind": "region", "title": "各地收集建议数"},
    ],
}
