// The kinds of the filing cycle: the filing unit (备案表 表一), each system's filing (表二 to 表四:
// the object, its grading with expert review and supervisor approval, the attachments, the
// public security organ's 备案证明), and the data classification (数据分类分级) of each system's
// data per the 医疗卫生机构网络安全管理办法 (2022) and GB/T 39725-2020's categories of health data.
// The 备案表's fields follow the public form's layout (docs/records.md names the source).
#include "mgmt/kinds_detail.h"

namespace wardsec::mgmt::kinds_detail {

namespace {

// 统一社会信用代码 (GB 32100-2015): 18 characters of 0-9 and the 21 letters it uses, the last a
// check character over the first 17 (weights 3^i mod 31).
bool credit_code_ok(const std::string& c) {
  static const std::string kChars = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  if (c.size() != 18) return false;
  int sum = 0, w = 1;
  for (size_t i = 0; i < 17; i++) {
    size_t v = kChars.find(c[i]);
    if (v == std::string::npos) return false;
    sum += static_cast<int>(v) * w;
    w = w * 3 % 31;
  }
  return kChars[(31 - sum % 31) % 31] == c[17];
}

bool approved_level(const json& d) { return has(d, "level") && s(d, "level") != "第一级"; }

}  // namespace

// 备案单位 (表一): one per hospital.
Kind unit() {
  Kind k = named("unit", "备案单位", "Filing unit");
  k.fields = {text("name", "单位名称", "Name", true),
              text("credit_code", "统一社会信用代码", "Unified social credit code", true),
              text("region_code", "行政区划代码", "Administrative region code"),
              text("address", "单位地址", "Address", true),
              text("postcode", "邮政编码", "Postcode"),
              text("leader", "单位负责人", "Head of the unit", true),
              text("leader_post", "负责人职务", "Head's post"),
              text("leader_phone", "负责人电话", "Head's phone"),
              text("security_dept", "责任部门", "Responsible department", true),
              text("security_contact", "责任部门联系人", "Responsible contact", true),
              text("security_phone", "联系人电话", "Contact's phone", true),
              text("security_email", "联系人邮箱", "Contact's e-mail"),
              text("data_contact", "数据安全负责人", "Data security lead"),
              choice("affiliation", "隶属关系", "Affiliation",
                     {"中央", "省（自治区、直辖市）", "地（区、市、州、盟）", "县（区、市、旗）", "其他"}, true),
              choice("unit_type", "单位类型", "Unit type", {"党委机关", "政府机关", "事业单位", "企业", "其他"}, true),
              text("industry", "行业类别", "Industry", true),
              of("note", "说明", "Note", T::kLongText)};
  k.title_field = "name";
  k.single = true;
  k.check = [](const json& d) -> Status {
    if (!credit_code_ok(s(d, "credit_code")))
      return Error{
          "统一社会信用代码须为 18 位且校验位正确（GB 32100-2015） / the unified social credit code has 18 characters and a valid check "
          "character (GB 32100-2015)"};
    return {};
  };
  return k;
}

// 定级备案 (表二 to 表四) of one system; the 30-day deadline is in checks.cc (filing_reminders).
Kind filing() {
  Kind k = named("filing", "定级备案", "Grading and filing");
  k.fields = {of("system", "定级对象（系统）", "System", T::kSystem, true),
              choice("object_type", "对象类型", "Object type",
                     {"信息系统", "通信网络设施", "数据资源", "云计算平台/系统", "物联网", "工业控制系统", "移动互联", "其他"}, true),
              text("business_type", "业务类型", "Business type"),
              of("business_desc", "业务描述", "Business description", T::kLongText),
              choice("service_scope", "服务范围", "Service scope",
                     {"全国", "跨省（区、市）", "全省（区、市）", "跨地（市、区）", "地（市、区）内", "其他"}),
              choice("service_users", "服务对象", "Service users", {"单位内部人员", "社会公众人员", "两者均包括", "其他"}),
              choice("deploy_scope", "覆盖范围", "Deployment", {"局域网", "城域网", "广域网", "其他"}),
              choice("network_type", "网络性质", "Network", {"业务专网", "互联网", "其他"}),
              of("interconnections", "系统互联情况（与哪些系统/单位互联）", "Interconnections", T::kList),
              of("go_live", "投入运行时间", "In service since", T::kDate),
              of("extensions", "采用的扩展技术", "Extensions used", T::kList),
              choice("level", "安全保护等级", "Protection level", {"第一级", "第二级", "第三级", "第四级"}, true),
              of("graded", "定级时间", "Graded on", T::kDate),
              of("expert_review", "专家评审日期", "Expert review", T::kDate),
              of("experts", "评审专家", "Reviewing experts", T::kList),
              text("supervisor", "行业主管部门", "Supervising department"),
              of("supervisor_review", "主管部门审核日期", "Supervisor's approval", T::kDate),
              of("attachments_list", "备案材料（附件清单）", "Filing attachments", T::kList),
              of("filed", "提交备案日期", "Filed on", T::kDate),
              text("police_office", "受理公安机关", "Public security office"),
              text("certificate_no", "备案证明编号", "Filing certificate no."),
              of("certificate_date", "备案证明日期", "Certificate date", T::kDate),
              of("note", "说明", "Note", T::kLongText)};
  k.title_field = "system";
  k.more_items = [](const json& d) -> std::vector<std::string> {
    std::vector<std::string> out;
    if (has(d, "graded")) out.push_back("CM.GRD.a");
    if (has(d, "expert_review") && has(d, "experts")) out.push_back("CM.GRD.b");
    if (has(d, "supervisor_review")) out.push_back("CM.GRD.c");
    if (has(d, "certificate_no")) out.push_back("CM.GRD.d");
    return out;
  };
  k.check = [](const json& d) -> Status {
    if (has(d, "certificate_no") != has(d, "certificate_date"))
      return Error{"备案证明编号与日期须同时填写 / the filing certificate needs both its number and its date"};
    if (has(d, "certificate_no") && !has(d, "filed")) return Error{"有备案证明须先填写提交备案日期 / a certificate needs the date filed"};
    if (approved_level(d) && has(d, "filed") && !has(d, "expert_review"))
      return Error{"第二级以上须经专家评审后备案 / level 2 and above are filed after an expert review"};
    for (const char* before : {"graded", "expert_review", "supervisor_review"})
      if (Status st =
              order(d, before, "filed", std::string(before) + " 晚于提交备案日期", std::string(before) + " is after the date filed");
          !st)
        return st;
    return order(d, "filed", "certificate_date", "备案证明日期早于提交日期", "the certificate is dated before the filing");
  };
  return k;
}

// 数据分类分级: a system's data assets with category, grade and personal information.
Kind data_asset() {
  Kind k = named("data_asset", "数据分类分级", "Data classification");
  k.fields = {of("system", "所属系统", "System", T::kSystem, true),
              text("name", "数据名称", "Data", true),
              choice("category", "数据类别", "Category",
                     {"个人属性数据", "健康状况数据", "医疗应用数据", "医疗支付数据", "卫生资源数据", "公共卫生数据", "其他"}, true),
              choice("grade", "数据级别", "Grade", {"核心数据", "重要数据", "一般数据"}, true),
              choice("personal", "个人信息", "Personal information", {"否", "个人信息", "敏感个人信息"}, true),
              text("volume", "数据量", "Volume"),
              text("growth", "月增长量", "Monthly growth"),
              text("location", "存储位置（主机/数据库）", "Where it is kept (host / database)"),
              of("db_objects", "数据库对象（表，如 his.patient_info）", "Database objects (tables, e.g. his.patient_info)", T::kList),
              text("owner", "数据责任人", "Owner", true),
              of("classified", "定级日期", "Classified on", T::kDate),
              of("note", "说明", "Note", T::kLongText)};
  k.title_field = "name";
  k.items = {"OM.AST.c"};
  return k;
}

}  // namespace wardsec::mgmt::kinds_detail
