// The record kinds: one function per kind, registered by one line in kinds(). Which catalog
// items a kind evidences follows the catalog's wording (catalog/gbt22239-2019.tsv); the
// freshness windows are the cycles the hospital documents name (yearly review, yearly training)
// or, where they name none, a year.
#include <algorithm>

#include "mgmt/kinds_detail.h"

namespace wardsec::mgmt {

namespace {

using namespace kinds_detail;

// 安全管理制度: the policy library; its templates are policies/templates/*.md.
Kind policy() {
  Kind k = named("policy", "安全管理制度", "Security policies");
  k.fields = {text("title", "制度名称", "Title", true),
              choice("category", "类别", "Category",
                     {"总体方针", "网络安全", "主机安全", "数据备份", "事件报告", "应急响应", "安全培训", "供应商管理", "机房管理",
                      "变更管理", "口令管理", "人员管理", "其他"},
                     true),
              text("doc_no", "文号", "Document no."),
              text("version", "版本", "Version", true),
              text("owner", "制定部门/负责人", "Owner", true),
              text("approved_by", "批准人", "Approved by"),
              of("approved", "批准日期", "Approved", T::kDate),
              of("published", "发布日期", "Published", T::kDate, true),
              of("reviewed", "最近评审日期", "Last reviewed", T::kDate),
              choice("status", "状态", "Status", {"草稿", "生效", "废止"}, true),
              of("evidences", "证明的测评项", "Catalog items evidenced", T::kItems),
              of("note", "说明", "Note", T::kLongText)};
  k.title_field = "title";
  k.date_fields = {"reviewed", "published"};
  k.fresh_days = 365;  // 定期论证和审定 (PO.REV.a): the hospital reviews yearly
  k.items = {"PO.RUL.a", "PO.PUB.b", "PO.REV.a"};
  k.more_items = [](const json& d) -> std::vector<std::string> {
    std::string c = s(d, "category");
    if (c == "总体方针") return {"PO.POL.a"};
    if (c == "网络安全" || c == "主机安全") return {"OM.NSM.c"};
    if (c == "数据备份") return {"OM.BAK.b", "OM.BAK.c"};
    if (c == "事件报告") return {"OM.INC.b"};
    if (c == "应急响应") return {"OM.EMG.a"};
    if (c == "安全培训") return {"HR.TRN.b"};
    if (c == "供应商管理") return {"CM.SUP.b"};
    if (c == "机房管理") return {"OM.ENV.b"};
    if (c == "变更管理") return {"OM.CHG.b"};
    return {};
  };
  k.active = [](const json& d, const std::string&) { return s(d, "status") == "生效"; };
  k.check = [](const json& d) -> Status {
    if (Status st = order(d, "approved", "published", "发布日期早于批准日期", "published before it was approved"); !st) return st;
    return order(d, "published", "reviewed", "评审日期早于发布日期", "reviewed before it was published");
  };
  return k;
}

// 安全管理机构和人员: the leadership group, the posts and who holds them, joining and leaving.
Kind person() {
  Kind k = named("person", "安全管理人员", "Security staff");
  k.fields = {text("name", "姓名", "Name", true),
              text("department", "部门", "Department", true),
              text("post", "岗位", "Post", true),
              choice("role", "安全职责", "Security role",
                     {"网络安全领导小组组长", "网络安全领导小组成员", "安全主管", "系统管理员", "审计管理员", "安全管理员", "网络管理员",
                      "数据库管理员", "运维人员", "其他"}),
              of("key_post", "关键岗位", "Key post", T::kBool),
              of("full_time", "专职", "Full-time", T::kBool),
              text("phone", "联系电话", "Phone"),
              of("joined", "入职/上岗日期", "Joined", T::kDate),
              of("left", "离岗日期", "Left", T::kDate),
              of("accounts", "系统账号（中心、堡垒机）", "Accounts (center, bastion)", T::kList),
              of("background_check", "背景审查日期", "Background check", T::kDate),
              of("nda", "保密协议签署日期", "Confidentiality agreement", T::kDate),
              of("duty_agreement", "岗位责任协议日期", "Post responsibility agreement", T::kDate),
              of("exit_done", "调离手续办结日期", "Leaving procedure done", T::kDate),
              of("note", "说明", "Note", T::kLongText)};
  k.title_field = "name";
  k.items = {"OR.POS.b", "OR.POS.c", "OR.STF.a"};
  k.more_items = [](const json& d) -> std::vector<std::string> {
    std::vector<std::string> out;
    if (s(d, "role").find("领导小组") != std::string::npos) out.push_back("OR.POS.a");
    if (d.value("full_time", false) && s(d, "role") == "安全管理员") out.push_back("OR.STF.b");
    if (has(d, "background_check")) out.push_back("HR.HIR.b");
    if (has(d, "nda")) out.push_back("HR.HIR.c");
    if (has(d, "exit_done")) out.push_back("HR.LEV.b");
    return out;
  };
  k.active = [](const json& d, const std::string& today) { return s(d, "left").empty() || s(d, "left") > today; };
  k.check = [](const json& d) -> Status {
    if (has(d, "exit_done") && !has(d, "left")) return Error{"办结调离手续须先填写离岗日期 / a leaving procedure needs the date left"};
    return order(d, "joined", "left", "离岗日期早于入职日期", "left before joining");
  };
  return k;
}

// 安全意识教育和培训.
Kind training() {
  Kind k = named("training", "安全培训", "Training");
  k.fields = {of("date", "日期", "Date", T::kDate, true),
              text("topic", "主题", "Topic", true),
              choice("type", "类型", "Type", {"安全意识", "岗位技能", "技能考核", "应急预案"}, true),
              text("trainer", "讲师", "Trainer", true),
              of("attendees", "参训人员", "Attendees", T::kList, true),
              number("hours", "学时", "Hours", 0, 100),
              text("materials", "培训材料", "Materials"),
              number("pass_rate", "考核通过率（%）", "Quiz pass rate (%)", 0, 100),
              of("results", "考核成绩（姓名:分数）", "Quiz results (name:score)", T::kList),
              of("note", "说明", "Note", T::kLongText)};
  k.title_field = "topic";
  k.date_fields = {"date"};
  k.fresh_days = 365;  // 每年至少开展一次信息网络安全培训学习
  k.items = {"HR.TRN.a"};
  k.more_items = [](const json& d) -> std::vector<std::string> {
    std::string t = s(d, "type");
    if (t == "岗位技能") return {"HR.TRN.b"};
    if (t == "技能考核") return {"HR.TRN.c"};
    if (t == "应急预案") return {"OM.EMG.c"};
    return {};
  };
  return k;
}

// 安全检查: routine and full inspections, their checklist and findings.
Kind inspection() {
  Kind k = named("inspection", "安全检查", "Inspections");
  k.fields = {of("date", "检查日期", "Date", T::kDate, true),
              choice("type", "类型", "Type", {"常规检查", "全面检查"}, true),
              of("scope", "检查范围", "Scope", T::kList, true),
              text("inspector", "检查人", "Inspector", true),
              of("checklist", "检查表（每行一项：项目：结果）", "Checklist (a line per check: check: result)", T::kLongText),
              choice("result", "结论", "Result", {"未发现问题", "发现问题"}, true),
              of("findings", "发现的问题", "Findings", T::kLongText),
              text("report", "检查报告", "Report"),
              of("note", "说明", "Note", T::kLongText)};
  k.title_field = "date";
  k.date_fields = {"date"};
  k.fresh_days = 365;
  k.items = {"OR.CHK.a"};
  k.more_items = [](const json& d) -> std::vector<std::string> {
    if (s(d, "type") == "全面检查")
      return has(d, "checklist") && has(d, "report") ? std::vector<std::string>{"OR.CHK.b", "OR.CHK.c"}
                                                     : std::vector<std::string>{"OR.CHK.b"};
    return {};
  };
  k.check = [](const json& d) -> Status {
    if (s(d, "result") == "发现问题" && !has(d, "findings"))
      return Error{"结论为发现问题时须写明问题 / a result of 发现问题 needs its findings"};
    return {};
  };
  return k;
}

// 供应商和外包运维: contracts, agreements, remote-maintenance accounts, assessments.
Kind supplier() {
  Kind k = named("supplier", "供应商与外包", "Suppliers and outsourcing");
  k.fields = {text("name", "单位名称", "Name", true),
              choice("service", "服务内容", "Service",
                     {"HIS", "EMR", "PACS", "LIS", "网络设备", "安全设备", "运维外包", "机房设施", "云服务", "其他"}, true),
              text("qualification", "资质", "Qualification"),
              text("contact", "联系人", "Contact", true),
              text("phone", "联系电话", "Phone"),
              text("contract_no", "合同编号", "Contract no."),
              of("contract_start", "合同开始", "Contract start", T::kDate),
              of("contract_end", "合同结束", "Contract end", T::kDate),
              of("nda", "保密协议日期", "Confidentiality agreement", T::kDate),
              of("security_commitment", "安全责任承诺日期", "Security commitment", T::kDate),
              of("remote_accounts", "远程运维账号（堡垒机）", "Remote-maintenance accounts (bastion)", T::kList),
              of("last_assessment", "最近评估日期", "Last assessment", T::kDate),
              choice("assessment_result", "评估结论", "Assessment result", {"合格", "基本合格", "不合格"}),
              of("note", "说明", "Note", T::kLongText)};
  k.title_field = "name";
  k.date_fields = {"last_assessment", "contract_start"};
  k.fresh_days = 365;  // 定期监督、评审和审核 (CM.SUP.c)
  k.items = {"CM.SUP.a", "OR.COM.c"};
  k.more_items = [](const json& d) -> std::vector<std::string> {
    std::vector<std::string> out;
    bool outsourced = s(d, "service") == "运维外包";
    if (has(d, "contract_no")) {
      out.push_back("CM.SUP.b");
      if (outsourced) out.insert(out.end(), {"OM.OSO.a", "OM.OSO.b"});
    }
    if (has(d, "nda")) out.push_back("HR.EXT.d");
    if (has(d, "security_commitment") && outsourced) out.insert(out.end(), {"OM.OSO.c", "OM.OSO.d"});
    if (has(d, "last_assessment")) out.push_back("CM.SUP.c");
    return out;
  };
  k.active = [](const json& d, const std::string& today) { return not_ended(d, "contract_end", today); };
  k.check = [](const json& d) -> Status {
    if (has(d, "last_assessment") != has(d, "assessment_result"))
      return Error{"评估日期与评估结论须同时填写 / an assessment needs both its date and its result"};
    return order(d, "contract_start", "contract_end", "合同结束早于开始", "the contract ends before it starts");
  };
  return k;
}

// 变更管理: requests with their plan, rollback, approval and window.
Kind change() {
  Kind k = named("change", "变更管理", "Changes");
  k.fields = {text("title", "变更名称", "Title", true),
              choice("type", "变更类型", "Type", {"配置变更", "系统升级", "补丁", "网络调整", "数据库变更", "应用发布", "其他"}, true),
              of("targets", "变更对象（设备、主机、系统）", "Targets (devices, hosts, systems)", T::kList, true),
              text("requested_by", "申请人", "Requested by", true),
              of("requested", "申请日期", "Requested", T::kDate, true),
              of("plan", "变更方案", "Plan", T::kLongText, true),
              of("rollback", "回退方案", "Rollback plan", T::kLongText, true),
              text("approved_by", "批准人", "Approved by"),
              of("approved", "批准日期", "Approved", T::kDate),
              of("window_start", "变更窗口开始", "Window start", T::kDateTime),
              of("window_end", "变更窗口结束", "Window end", T::kDateTime),
              choice("status", "状态", "Status", {"申请", "已批准", "已实施", "已回退", "已驳回"}, true),
              of("result", "实施记录", "Implementation record", T::kLongText)};
  k.title_field = "title";
  k.date_fields = {"requested"};
  k.fresh_days = 365;
  k.more_items = [](const json& d) -> std::vector<std::string> {
    std::string st = s(d, "status");
    if (st == "已批准" || st == "已实施" || st == "已回退")
      return has(d, "result") ? std::vector<std::string>{"OM.CHG.a", "OM.CHG.b", "OM.NSM.g"}
                              : std::vector<std::string>{"OM.CHG.a", "OM.NSM.g"};
    return {};
  };
  k.check = [](const json& d) -> Status {
    std::string st = s(d, "status");
    bool approved = st == "已批准" || st == "已实施" || st == "已回退";
    if (approved && (!has(d, "approved_by") || !has(d, "approved") || !has(d, "window_start") || !has(d, "window_end")))
      return Error{"已批准的变更须有批准人、批准日期和变更窗口 / an approved change names its approver, the date and its window"};
    if (approved && s(d, "approved_by") == s(d, "requested_by"))
      return Error{"申请人不能批准自己的变更 / the requester cannot approve their own change"};
    if (Status o = order(d, "requested", "approved", "批准日期早于申请日期", "approved before it was requested"); !o) return o;
    return order(d, "window_start", "window_end", "变更窗口结束早于开始", "the window ends before it starts");
  };
  return k;
}

}  // namespace

const std::vector<Kind>& kinds() {
  static const std::vector<Kind> all = {
      policy(),
      person(),
      training(),
      inspection(),
      supplier(),
      change(),
      kinds_detail::unit(),
      kinds_detail::filing(),
      kinds_detail::data_asset(),
  };
  return all;
}

}  // namespace wardsec::mgmt
