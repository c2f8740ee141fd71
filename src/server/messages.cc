#include "server/messages.h"

#include <regex>
#include <vector>

#include <nlohmann/json.hpp>

namespace wardsec::server {

namespace {

struct Message {
  const char* en;  // an ECMAScript pattern over the whole English message
  const char* zh;  // the Chinese, with $1.. for the pattern's groups
};

// Each message a user can meet, by its English text. A new message the API answers gets a row
// here (tests/unit/server/messages_test.cc finds literal messages without one).
const Message kMessages[] = {
    {"^CSRF token missing or wrong \\(send X-CSRF-Token\\)$", "CSRF 令牌缺失或错误（请求须带 X-CSRF-Token），请刷新页面后重试"},
    {"^POST \\{(.*)\\} to (.*)$", "请求格式：向 $2 提交 {$1}"},
    {"^POST \\{(.*)\\}$", "请求格式：提交 {$1}"},
    {"^use POST with (.*)$", "请用 POST 提交 $1"},
    {"^use GET or POST$", "请使用 GET 或 POST"},
    {"^use GET$", "请使用 GET"},
    {"^use DELETE$", "请使用 DELETE"},
    {"^use POST$", "请使用 POST"},
    {"^method (\\S+) is not allowed on (.*)$", "$2 不支持 $1 方法"},
    {"^no such endpoint: (.*)$", "没有这个接口：$1"},
    {"^cross-origin request refused \\(Origin: (.*)\\)$", "拒绝跨站请求（来源：$1）"},
    {"^cross-origin WebSocket refused$", "拒绝跨站 WebSocket 连接"},
    {"^this route is for interactive sessions$", "此接口只供登录会话使用（不接受 API 令牌）"},
    {"^not logged in$", "未登录"},
    {"^request body larger than the limit for this request$", "请求内容超过此接口的大小限制"},
    {"^request headers larger than 16 KiB$", "请求头超过 16 KiB"},
    {"^malformed HTTP request: (.*)$", "HTTP 请求格式错误：$1"},
    {"^(the )?body must be a JSON object$", "请求内容须为 JSON 对象"},
    {"^detection is off: there are no alerts to link$", "检测未启用：没有可关联的告警"},
    {"^detection is off$", "检测未启用"},
    {"^event store error; retry$", "事件存储出错，请重试"},
    {"^ingest queue full; retry later$", "接入队列已满，请稍后重试"},
    {"^empty batch: send one JSON object per line$", "内容为空：每行发送一个 JSON 对象"},
    {"^the center's instance key is not available$", "中心实例密钥不可用"},
    {"^your role lacks (\\S+)$", "您的角色没有 $1 权限"},
    {"^unknown role$", "未知角色"},
    {"^no such account(: (.*))?$", "没有这个账号$1"},
    {"^no such token(: (.*))?$", "没有这个令牌$1"},
    {"^no such alert(: (.*))?$", "没有这个告警$1"},
    {"^no such incident(: (.*))?$", "没有这个事件$1"},
    {"^no such plan(: (.*))?$", "没有这个预案$1"},
    {"^no such drill(: (.*))?$", "没有这个演练$1"},
    {"^no such task(: (.*))?$", "没有这个整改任务$1"},
    {"^no such grant(: (.*))?$", "没有这个授权$1"},
    {"^no such rule(: (.*))?$", "没有这个规则$1"},
    {"^no such suppression(: (.*))?$", "没有这个抑制窗口$1"},
    {"^no such request(: (.*))?$", "没有这个申请$1"},
    {"^no such bundle(: (.*))?$", "没有这个证据包$1"},
    {"^no such document(: (.*))?$", "没有这个文档$1"},
    {"^no such roster entry(: (.*))?$", "没有这个值班记录$1"},
    {"^no such catalog item(: (.*))?$", "没有这个测评项$1"},
    {"^no such graded system(: (.*))?$", "没有这个定级对象$1"},
    {"^no such WebSocket(: (.*))?$", "没有这个WebSocket 连接$1"},
    {"^open a WebSocket here$", "请在此建立 WebSocket 连接"},
    {"^change the role and the disabled state in separate requests$", "角色和停用状态请分两次修改"},
    {"^disabled must be true or false$", "disabled 须为 true 或 false"},
    {"^scopes must be a list of permission names$", "权限范围须为权限名称列表"},
    {"^a collector has tokens, not a password$", "数据接入账号只使用令牌，没有密码"},
    {"^state must be open, new, acknowledged, closed_tp, closed_fp or suppressed$",
     "状态须为 open、new、acknowledged、closed_tp、closed_fp 或 suppressed"},
    {"^state must be new, acknowledged, closed_tp or closed_fp$", "状态须为 new、acknowledged、closed_tp 或 closed_fp"},
    {"^level must be informational, low, medium, high or critical$", "级别须为 informational、low、medium、high 或 critical"},
    {"^sort must be (.*)$", "排序字段须为 $1"},
    {"^dir must be asc or desc$", "排序方向须为 asc 或 desc"},
    {"^action must be (.*)$", "操作须为 $1"},
    {"^ids: 1 to 500 alert ids$", "ids：1 到 500 个告警编号"},
    {"^ids: alert ids are integers$", "ids：告警编号须为整数"},
    {"^(from|to|at|discovered): not a time(.*)$", "$1：不是有效的时间$2"},
    {"^closing an alert needs a comment \\(what was found\\)$", "关闭告警须填写处置说明（发现了什么）"},
    {"^alert (\\d+) is already closed; reopen it first$", "告警 $1 已关闭，请先重新打开"},
    {"^alert (\\d+) is already (\\S+)$", "告警 $1 已是该状态（$2）"},
    {"^alert (\\d+) does not exist$", "告警 $1 不存在"},
    {"^alert (\\d+) is not open$", "告警 $1 不是未处置状态"},
    {"^only a new alert can be acknowledged \\(alert (\\d+) is (\\S+)\\)$", "只有新告警可以确认（告警 $1 为 $2）"},
    {"^only a closed alert can be reopened$", "只有已关闭的告警可以重新打开"},
    {"^alerts are suppressed by suppression windows, not by hand$", "告警由抑制窗口抑制，不能手工设为已抑制"},
    {"^a state change needs who made it$", "状态变更须记录操作人"},
    {"^an assignment needs who made it$", "指派须记录操作人"},
    {"^a suppression needs who set it and why$", "抑制须记录设置人和原因"},
    {"^a suppression must name a rule or a field value \\(it would silence everything\\)$", "抑制须指定规则或字段值（否则会屏蔽全部告警）"},
    {"^suppression field must be asset, source_ip, user or zone, not '(.*)'$", "抑制字段须为 asset、source_ip、user 或 zone，不能是“$1”"},
    {"^suppression on '(.*)' needs a value$", "按“$1”抑制须填写值"},
    {"^alerts: a list of alert ids$", "alerts：告警编号列表"},
    {"^query error at column (\\d+): (.*)$", "查询语句第 $1 列有错：$2"},
    {"^query error: (.*)$", "查询语句有错：$1"},
    {"^query: (.*)$", "查询语句：$1"},
    {"^unexpected '(.*)'$", "意外的“$1”"},
    {"^unbalanced '\\(': no '\\)' closes it$", "括号不配对：缺少“)”"},
    {"^unbalanced '\\)': no '\\(' opens it$", "括号不配对：多了“)”"},
    {"^empty parentheses$", "括号内为空"},
    {"^query ends where a term was expected$", "查询语句不完整：末尾缺少检索词"},
    {"^unterminated quoted phrase \\(missing closing \"\\)$", "引号未闭合（缺少结尾的 \"）"},
    {"^unterminated range \\(missing (.*)\\)$", "范围未闭合（缺少 $1）"},
    {"^range must be written \\[low TO high\\]$", "范围须写成 [下限 TO 上限]"},
    {"^a range needs a field: write field:\\[a TO b\\]$", "范围须指定字段：field:[a TO b]"},
    {"^comparison '(.*)' needs a value$", "比较“$1”缺少值"},
    {"^format must be (.*)$", "格式须为 $1"},
    {"^limit must be a number from 0 to 10000$", "limit 须为 0 到 10000 的数字"},
    {"^limit: 1 to 1000$", "limit：1 到 1000"},
    {"^offset: 0 to 100000$", "offset：0 到 100000"},
    {"^order: desc \\(newest first\\) or asc, not '(.*)'$", "order：desc（最新在前）或 asc，不能是“$1”"},
    {"^days must be a whole number$", "天数须为整数"},
    {"^days must be at least 1$", "天数至少为 1"},
    {"^month must be 1 to 12$", "月份须为 1 到 12"},
    {"^quarter must be 1 to 4$", "季度须为 1 到 4"},
    {"^year must be between 2000 and 2100$", "年份须在 2000 到 2100 之间"},
    {"^level must be 2 or 3$", "等级须为 2 或 3"},
    {"^level must be 1-5$", "等级须为 1 到 5"},
    {"^grade the system first$", "请先为该系统定级"},
    {"^kind must be (.*)$", "类型须为 $1"},
    {"^status must be (.*)$", "状态须为 $1"},
    {"^status is open, in_progress or done$", "状态须为 open、in_progress 或 done"},
    {"^result must be 符合, 部分符合, 不符合 or 不适用$", "结果须为 符合、部分符合、不符合 或 不适用"},
    {"^risk must be 高, 中, 低 or empty$", "风险须为 高、中、低 或空"},
    {"^a risk is only for 部分符合 or 不符合$", "只有部分符合或不符合的测评项才有风险等级"},
    {"^x is only for 部分符合$", "x 只用于部分符合"},
    {"^conformity x is between 0 and 1$", "符合程度 x 须在 0 到 1 之间"},
    {"^items are item ids \\(strings\\)$", "items 须为测评项编号（字符串）"},
    {"^item (\\S+) is not in the catalog at level (\\d)$", "测评项 $1 不在第 $2 级的要求目录中"},
    {"^body: \\{(.*)\\}$", "请求内容：{$1}"},
    {"^business_degree and service_degree: general, serious or very-serious$",
     "业务信息与系统服务的损害程度须为 general、serious 或 very-serious"},
    {"^business_object and service_object: citizens, society or nation$", "受侵害客体须为 citizens、society 或 nation"},
    {"^a grading needs the reasons for both dimensions \\(定级理由\\)$", "定级须写明两个方面的定级理由"},
    {"^a grading needs who confirmed it$", "定级须记录确认人"},
    {"^an assessment needs who made it$", "测评结果须记录测评人"},
    {"^a rectification task needs an owner, a plan and who opened it$", "整改任务须有负责人、整改计划和创建人"},
    {"^due date '(.*)'(.*)$", "完成日期“$1”$2"},
    {"^grade must be (.*)$", "级别须为 $1"},
    {"^a grade is one of general, larger, major, special$", "事件级别须为 general、larger、major 或 special"},
    {"^stage must be (.*)$", "阶段须为 $1"},
    {"^an incident needs a title$", "事件须有标题"},
    {"^closing needs the 总结 \\(summary: cause, measures, lessons\\)$", "结案须填写总结（原因、措施、教训）"},
    {"^the discovery time is in the future$", "发现时间晚于当前时间"},
    {"^the note is empty$", "记录内容为空"},
    {"^the note is not valid UTF-8 or longer than 4000 bytes$", "记录不是有效的 UTF-8 或超过 4000 字节"},
    {"^the reason is longer than 4000 bytes$", "原因超过 4000 字节"},
    {"^link kind must be alert, event, asset, recording, finding or statement$",
     "关联类型须为 alert、event、asset、recording、finding 或 statement"},
    {"^link ref: 1-500 bytes of UTF-8$", "关联对象：1 到 500 字节的 UTF-8"},
    {"^channel: how it was reported \\(1-200 bytes\\)$", "报告渠道：1 到 200 字节"},
    {"^reference: up to 500 bytes of UTF-8$", "报告编号：最多 500 字节的 UTF-8"},
    {"^opening a checked step again needs a note saying why$", "重新打开已完成的步骤须说明原因"},
    {"^研判 must give the incident a GB/T 20986-2023 category \\(subcategory\\) first$", "研判前须先按 GB/T 20986-2023 为事件分类（子类）"},
    {"^研判 must grade the incident first$", "研判前须先为事件定级"},
    {"^report: an object of the form's fields$", "报告：表单字段组成的对象"},
    {"^report: no field \"(.*)\"$", "报告：没有字段“$1”"},
    {"^plan must be a plan id$", "plan 须为预案编号"},
    {"^starts and ends: times \\(RFC 3339 or 2026-12-04 08:00\\)$", "开始和结束时间：RFC 3339 或 2026-12-04 08:00 格式"},
    {"^the window must end after it starts$", "结束时间须晚于开始时间"},
    {"^account: a host account id is required$", "account：须提供主机账号编号"},
    {"^filename \\(1-200 characters, no path\\) is required$", "须提供文件名（1 到 200 个字符，不含路径）"},
    {"^the document is empty$", "文档为空"},
    {"^roster: the duty must end after it starts$", "值班表：值班结束时间须晚于开始时间"},
    {"^roster: the phone is digits \\(with \\+ and -\\)$", "值班表：电话须为数字（可含 + 和 -）"},
    {"^roster: a name \\(1-100 bytes of UTF-8\\)$", "值班表：姓名为 1 到 100 字节的 UTF-8"},
    {"^cannot write (.*)$", "无法写入 $1"},
    {"^cannot read (.*)$", "无法读取 $1"},
    {"^no such saved search$", "没有这个保存的搜索"},
    {"^name: 1 to 60 characters$", "名称：1 到 60 个字"},
    {"^query: at most 4000 characters$", "查询语句：最多 4000 个字符"},
    {"^range: one of 15m, 1h, 24h, 7d$", "时间范围：须为 15m、1h、24h 或 7d"},
    {"^columns: a list of at most 12 field names$", "显示列：最多 12 个字段名"},
    {"^saved searches: at most 100 per account; delete one first$", "每个账号最多保存 100 个搜索，请先删除一个"},
    {"^only the account that saved a search deletes it$", "只有保存该搜索的账号可以删除它"},
    {"^settings cannot be changed here$", "此处不能修改设置"},
    {"^no setting to change$", "没有要修改的设置"},
    {"^(.*): '(.*)' cannot be set in the console \\(edit the configuration file\\)$", "$1：'$2' 不能在控制台修改（请编辑配置文件）"}};

struct Compiled {
  std::regex re;
  const char* zh;
};

const std::vector<Compiled>& table() {
  static const std::vector<Compiled> t = [] {
    std::vector<Compiled> v;
    for (const auto& m : kMessages) v.push_back({std::regex(m.en), m.zh});
    return v;
  }();
  return t;
}

}  // namespace

std::string bilingual(std::string_view en) {
  if (en.empty() || en.find(" / ") != std::string_view::npos) return std::string(en);
  std::string s(en);
  for (const auto& m : table()) {
    std::smatch g;
    if (!std::regex_match(s, g, m.re)) continue;
    std::string zh = g.format(m.zh);
    // a translation that kept English parts (names, values) still reads well after " / "
    return zh + " / " + s;
  }
  return s;
}

void translate_error_body(std::string& body) {
  if (body.find("\"error\"") == std::string::npos) return;
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("error") || !j["error"].is_string()) return;
  std::string before = j["error"].get<std::string>();
  std::string after = bilingual(before);
  if (after == before) return;
  j["error"] = after;
  body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace wardsec::server
