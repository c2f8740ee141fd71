#include "core/datadir.h"
#include "report/report.h"
#include <thread>
#include <atomic>
#include <sys/socket.h>
#include <pwd.h>
#include <netinet/in.h>
#include <grp.h>
#include <arpa/inet.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "alert/alert_store.h"
#include "compliance/grading.h"
#include "core/timeutil.h"
#include "report/book.h"
#include "report/common.h"

namespace wardsec::report {

using namespace detail;

Status checklist_xlsx(const SystemData& d, const std::string& path) {
  Book book(path);
  if (!book.wb) return Error{"cannot create " + path};
  lxw_workbook* wb = book.wb;
  lxw_format *head = book.head, *cell = book.cell;
  lxw_format* bad = workbook_add_format(wb);
  format_set_font_color(bad, 0xA8071A);
  format_set_bold(bad);
  format_set_border(bad, LXW_BORDER_THIN);
  format_set_align(bad, LXW_ALIGN_VERTICAL_TOP);

  lxw_worksheet* ws = workbook_add_worksheet(wb, "测评检查表");
  const char* cols[] = {"编号", "安全类",   "控制点", "要求摘要", "GB/T 28448 编号", "结果",
                        "风险", "测评记录", "测评人", "测评时间", "证据数"};
  const double widths[] = {10, 12, 14, 48, 16, 9, 6, 30, 10, 17, 7};
  for (int c = 0; c < 11; c++) {
    worksheet_write_string(ws, 0, static_cast<lxw_col_t>(c), cols[c], head);
    worksheet_set_column(ws, static_cast<lxw_col_t>(c), static_cast<lxw_col_t>(c), widths[c], nullptr);
  }
  worksheet_freeze_panes(ws, 1, 1);
  lxw_row_t r = 1;
  for (const auto& q : d.items) {
    auto it = d.results.find(q.id);
    bool has = it != d.results.end();
    auto str = [&](int c, const std::string& v, lxw_format* f) { worksheet_write_string(ws, r, static_cast<lxw_col_t>(c), v.c_str(), f); };
    str(0, q.id, cell);
    str(1, q.category_zh, cell);
    str(2, q.control_point_zh, cell);
    str(3, q.text(d.level, false), cell);
    str(4, q.code(d.level), cell);
    str(5, has ? compliance::conformity_zh(it->second.result) : "未测评",
        has && it->second.result == compliance::Conformity::kNonConform ? bad : cell);
    str(6, has ? compliance::risk_zh(it->second.risk) : "", cell);
    str(7, has ? it->second.note : "", cell);
    str(8, has ? it->second.by : "", cell);
    str(9, has ? local_time(it->second.at, d.tz_sec) : "", cell);
    worksheet_write_number(ws, r, 10, static_cast<double>(d.evidence.count(q.id) ? d.evidence.at(q.id) : 0), cell);
    r++;
  }
  worksheet_autofilter(ws, 0, 0, r - 1, 10);

  lxw_worksheet* sum = workbook_add_worksheet(wb, "得分汇总");
  const char* scols[] = {"安全类", "适用", "符合", "部分符合", "不符合", "不适用", "符合率"};
  for (int c = 0; c < 7; c++) {
    worksheet_write_string(sum, 0, static_cast<lxw_col_t>(c), scols[c], head);
    worksheet_set_column(sum, static_cast<lxw_col_t>(c), static_cast<lxw_col_t>(c), c == 0 ? 16 : 10, nullptr);
  }
  lxw_format* pct = workbook_add_format(wb);
  format_set_num_format(pct, "0.0%");
  r = 1;
  for (const auto& c : compliance::Catalog::categories()) {
    auto it = d.score.per_category.find(c.code);
    if (it == d.score.per_category.end()) continue;
    const auto& x = it->second;
    worksheet_write_string(sum, r, 0, c.zh, nullptr);
    worksheet_write_number(sum, r, 1, x.applicable, nullptr);
    worksheet_write_number(sum, r, 2, x.conform, nullptr);
    worksheet_write_number(sum, r, 3, x.partial, nullptr);
    worksheet_write_number(sum, r, 4, x.non_conform, nullptr);
    worksheet_write_number(sum, r, 5, x.not_applicable, nullptr);
    worksheet_write_number(sum, r, 6, x.compliance, pct);
    r++;
  }
  r++;
  worksheet_write_string(sum, r, 0, "测评进度", head);
  worksheet_write_string(sum, r, 1,
                         ("已测评 " + std::to_string(d.score.applicable) + " / " + std::to_string(d.score.total()) + " 项" +
                          (d.score.complete() ? "，全部完成" : "，未完成"))
                             .c_str(),
                         nullptr);
  worksheet_write_string(sum, ++r, 0, d.score.complete() ? "综合得分" : "暂算得分（仅已测评项，不作为结论）", head);
  worksheet_write_number(sum, r, 1, std::round(d.score.score * 100) / 100, nullptr);
  worksheet_write_string(sum, ++r, 0, "结论", head);
  worksheet_write_string(sum, r, 1, d.score.conclusion.c_str(), nullptr);
  worksheet_write_string(sum, ++r, 0, "计分方法", head);
  worksheet_write_string(sum, r, 1, d.scoring.label.c_str(), nullptr);
  worksheet_write_string(sum, ++r, 0, "扩展要求", head);
  worksheet_write_string(sum, r, 1, compliance::extensions_not_assessed(false).c_str(), nullptr);
  worksheet_write_string(sum, ++r, 0, "定级对象", head);
  worksheet_write_string(sum, r, 1, (d.system.name + "（第" + std::to_string(d.system.level) + "级）").c_str(), nullptr);
  return book.close(path);
}

Status filing_xlsx(const SystemData& d, const std::string& path) {
  Book book(path);
  if (!book.wb) return Error{"cannot create " + path};
  lxw_format *head = book.head, *cell = book.cell;
  lxw_worksheet* ws = workbook_add_worksheet(book.wb, "定级备案信息");
  worksheet_set_column(ws, 0, 0, 26, nullptr);
  worksheet_set_column(ws, 1, 1, 60, nullptr);
  const auto* g = d.grading ? &*d.grading : nullptr;
  Words L{false};
  std::vector<std::pair<std::string, std::string>> rows = {
      {"单位名称", d.organization},
      {"定级对象名称", d.system.name},
      {"定级对象英文名/简称", d.system.name_en},
      {"责任部门/人", d.system.owner},
      {"承载的业务", d.system.business},
      {"服务对象/范围", d.system.users},
      {"涉及的数据", d.system.data},
      {"业务信息安全受侵害客体", g ? object_name(g->business_object, L) : ""},
      {"业务信息安全侵害程度", g ? degree_name(g->business_degree, L) : ""},
      {"业务信息安全保护等级", g ? std::to_string(g->business_level) : ""},
      {"业务信息安全定级理由", g ? g->business_reason : ""},
      {"系统服务安全受侵害客体", g ? object_name(g->service_object, L) : ""},
      {"系统服务安全侵害程度", g ? degree_name(g->service_degree, L) : ""},
      {"系统服务安全保护等级", g ? std::to_string(g->service_level) : ""},
      {"系统服务安全定级理由", g ? g->service_reason : ""},
      {"安全保护等级", std::to_string(d.system.level)},
      {"定级确认人", g ? g->by : ""},
      {"定级时间", g ? local_time(g->at, d.tz_sec).substr(0, 10) : ""},
      {"数据分类分级", d.data_zh},
      {"统一社会信用代码", record_text(d.unit, "credit_code")},
      {"单位地址", record_text(d.unit, "address")},
      {"单位负责人", record_text(d.unit, "leader")},
      {"责任部门 / 联系人 / 电话", record_text(d.unit, "security_dept") + " / " + record_text(d.unit, "security_contact") + " / " +
                                       record_text(d.unit, "security_phone")},
      {"对象类型", record_text(d.filing, "object_type")},
      {"服务范围 / 服务对象", record_text(d.filing, "service_scope") + " / " + record_text(d.filing, "service_users")},
      {"覆盖范围 / 网络性质", record_text(d.filing, "deploy_scope") + " / " + record_text(d.filing, "network_type")},
      {"系统互联情况", record_text(d.filing, "interconnections")},
      {"投入运行时间", record_text(d.filing, "go_live")},
      {"专家评审情况", record_text(d.filing, "expert_review") + " " + record_text(d.filing, "experts")},
      {"主管部门审核情况", record_text(d.filing, "supervisor") + " " + record_text(d.filing, "supervisor_review")},
      {"备案材料", record_text(d.filing, "attachments_list")},
      {"提交备案日期 / 受理公安机关", record_text(d.filing, "filed") + " / " + record_text(d.filing, "police_office")},
      {"备案证明编号 / 日期", record_text(d.filing, "certificate_no") + " / " + record_text(d.filing, "certificate_date")},
  };
  worksheet_write_string(ws, 0, 0, "项目", head);
  worksheet_write_string(ws, 0, 1, "内容（可编辑后用于填写备案表）", head);
  lxw_row_t r = 1;
  for (const auto& [k, v] : rows) {
    worksheet_write_string(ws, r, 0, k.c_str(), head);
    worksheet_write_string(ws, r, 1, v.c_str(), cell);
    r++;
  }
  return book.close(path);
}

Status xlsx(Kind kind, const SystemData& d, const std::string& path) {
  return kind == Kind::kGrading ? filing_xlsx(d, path) : checklist_xlsx(d, path);
}

}  // namespace wardsec::report
