#include "webeval/payloads.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>

#include "web/decode.h"

namespace fs = std::filesystem;

namespace wardsec::webeval {

namespace {

uint64_t fnv(const std::string& s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
  return h;
}

// The class of a list, from its folder and name.
std::string class_of(const fs::path& rel) {
  std::string p = rel.string();
  auto has = [&](const char* x) { return p.find(x) != std::string::npos; };
  if (has("NoSQL") || has("no-sql")) return "nosql";
  if (has("sqli") || has("SQL Injection")) return "sqli";
  if (has("xss") || has("XSS")) return "xss";
  if (has("cmdi") || has("Command Injection")) return "cmdi";
  if (has("Traversal") || has("File Inclusion")) return "traversal";
  if (has("LDAP")) return "ldap";
  if (has("Template")) return "ssti";
  if (has("XXE")) return "xxe";
  return "";
}

std::string unentity(std::string s) {
  for (auto [a, b] : {std::pair<const char*, const char*>{"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}, {"&amp;", "&"}})
    for (size_t i = 0; (i = s.find(a, i)) != std::string::npos; i += std::strlen(b)) s.replace(i, std::strlen(a), b);
  return s;
}

// The lines of a list; a README holds its payloads in ``` blocks (HTML-escaped).
std::vector<std::string> lines_of(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::vector<std::string> out;
  std::string line;
  bool md = p.extension() == ".md", in_code = false;
  while (std::getline(f, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (md) {
      if (line.rfind("```", 0) == 0) {
        in_code = !in_code;
        continue;
      }
      if (!in_code) continue;
      line = unentity(line);
    }
    if (line.empty() || line.rfind("# ", 0) == 0) continue;  // a comment ("#{...}" is a template payload)
    out.push_back(line);
  }
  return out;
}

// One payload in one of the places a request carries user input.
std::string placed(const std::string& cls, const std::string& payload, uint64_t h, std::string& where) {
  const std::string host = "www.demo-hospital.cn";
  static const char* kPlaces[] = {"query", "form", "json", "header", "cookie", "path"};
  where = cls == "xxe" ? "xml" : kPlaces[(h >> 20) % 6];
  bool line_safe = payload.find_first_of("\r\n") == std::string::npos;
  if ((where == "header" || where == "cookie") && !line_safe) where = "query";
  if (where == "cookie" && payload.find_first_of(";,") != std::string::npos) where = "header";
  if (where == "xml") return request("POST", "/api/his/soap", host, {{"Content-Type", "application/xml"}}, payload);
  if (where == "query") return request("GET", "/api/patient/search?name=" + pct(payload, true) + "&page=1", host, {}, "");
  if (where == "form")
    return request("POST", "/his/outpatient/register.do", host, {{"Content-Type", "application/x-www-form-urlencoded"}},
                   "name=" + pct(payload, true) + "&dept=%E5%86%85%E7%A7%91");
  if (where == "json")
    return request("POST", "/api/appointment", host, {{"Content-Type", "application/json"}},
                   "{\"dept\":\"内科\",\"remark\":\"" + json_escape(payload) + "\"}");
  if (where == "header") return request("GET", "/api/news", host, {{"X-Client-Note", payload}}, "");
  if (where == "cookie") return request("GET", "/portal/index", host, {{"Cookie", "JSESSIONID=8E1F2A; pref=" + payload}}, "");
  // path: a segment of a REST path, '/' kept so traversal stays a traversal
  std::string seg;
  for (unsigned char c : payload) seg += c == '/' ? std::string("/") : pct(std::string(1, static_cast<char>(c)), true);
  return request("GET", "/api/files/" + seg, host, {}, "");
}

// An XSS list's line of plain markup with nothing active in it ("<br>", "<div id=\"x\">x</div>",
// "</form>//[\"'`-->]]>]</div>": the setup or the tail of a multi-line vector): no script, event
// handler, URL-taking or style attribute, entity or escape, or script call. Nurses' rich text
// is made of the same markup, so such a line is counted apart with the fragments.
bool inert_markup(const std::string& line) {
  std::string lo;
  for (char c : line) lo += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* active :
       {"script", "src", "href", "action", "data", "style",   "url(",       "import",   "alert",   "prompt",   "confirm",
        "eval",   "&#",  "\\",   "+adw-",  "<?",   "xml",     "background", "behavior", "binding", "document", "window",
        "{{",     "(",   "`",    "base64", "to=",  "values=", "from=",      "by=",      "xlink",   "content"})
    if (lo.find(active) != std::string::npos) return false;
  for (size_t i = lo.find("on"); i != std::string::npos; i = lo.find("on", i + 2)) {
    size_t e = i + 2;
    while (e < lo.size() && std::isalpha(static_cast<unsigned char>(lo[e]))) e++;
    while (e < lo.size() && (lo[e] == ' ' || lo[e] == '/')) e++;
    if (e > i + 2 && e < lo.size() && lo[e] == '=') return false;  // an event handler
  }
  return true;
}

// A line that is no attack by itself: three characters or fewer, one bare word ("'", ";",
// "ORDER", "<div", "password"), one character as a character reference ("&#x3C;"), or a
// cheat-sheet entry (a token, a tab, words explaining it). Counted apart, as "<class>-fragment", not
// dropped.
bool fragment(const std::string& line) {
  size_t a = line.find_first_not_of(" \t"), b = line.find_last_not_of(" \t");
  if (a == std::string::npos || b - a + 1 <= 3) return true;
  // One character as an HTML character reference ("&#x3C;", "&#00060"): a probe of decoding.
  if (line[a] == '&' && line.size() > a + 2 && line[a + 1] == '#' &&
      std::all_of(line.begin() + static_cast<long>(a) + 2, line.begin() + static_cast<long>(b) + 1,
                  [](char ch) { return std::isxdigit(static_cast<unsigned char>(ch)) || ch == 'x' || ch == 'X' || ch == ';'; }))
    return true;
  // A cheat-sheet line: a token, a tab, and its explanation in words ("@variable<TAB>local variable").
  if (size_t tab = line.find('\t', a); tab != std::string::npos && tab < b) {
    std::string_view d(line.data() + tab, b - tab + 1);
    d.remove_prefix(d.find_first_not_of('\t'));
    if (std::all_of(d.begin(), d.end(), [](char ch) { return std::isalpha(static_cast<unsigned char>(ch)) || std::strchr(" (),-", ch); }))
      return true;
  }
  std::string_view t(line.data() + a, b - a + 1);
  if (t[0] == '<') t.remove_prefix(1);
  return std::all_of(t.begin(), t.end(), [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_'; });
}

void load_attacks(const fs::path& dir, Split split, size_t cap, Corpus& c) {
  if (!fs::exists(dir)) {
    c.notes.push_back("payload lists not found under " + dir.string());
    return;
  }
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    auto name = e.path().filename().string();
    if (e.is_regular_file() && name != "LICENSE" && name != "SOURCE-COMMIT" && name[0] != '.' && e.path() != dir / "README.md")
      files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  std::map<std::string, std::vector<std::pair<uint64_t, std::pair<std::string, std::string>>>> by_class;  // hash, payload, file
  std::set<std::string> seen;
  size_t dup = 0;
  for (const auto& p : files) {
    std::string cls = class_of(fs::relative(p, dir));
    // LDAP_attributes.txt lists attribute names for blind enumeration, not inputs to send.
    if (cls.empty() || p.filename() == "LDAP_attributes.txt") continue;
    for (auto& line : lines_of(p)) {
      if (!seen.insert(line).second) {
        dup++;
        continue;
      }
      if (split_of(line) != split) continue;
      by_class[fragment(line) || (cls == "xss" && inert_markup(line)) ? cls + "-fragment" : cls].push_back(
          {fnv(line), {line, fs::relative(p, dir).string()}});
    }
  }
  c.notes.push_back(std::to_string(dup) + " duplicate payload lines counted once");
  for (auto& [cls, v] : by_class) {
    std::sort(v.begin(), v.end());  // by hash: a cap keeps a sample spread over every list
    if (v.size() > cap) c.notes.push_back(cls + ": " + std::to_string(cap) + " of " + std::to_string(v.size()) + " payloads (cap)");
    for (size_t i = 0; i < v.size() && i < cap; i++) {
      Sample s;
      std::string where;
      s.raw = placed(cls.substr(0, cls.find('-')), v[i].second.first, v[i].first, where);
      s.attack = true;
      s.cls = cls;
      s.source = "payloads";
      s.id = v[i].second.second + " [" + where + "] " + v[i].second.first.substr(0, 120);
      c.samples.push_back(std::move(s));
    }
  }
}

// Benign hospital inputs that look like attacks to a careless detector.
void load_hard_hospital(size_t n, uint32_t seed, Corpus& c) {
  std::mt19937 rng(seed);
  auto pick = [&](const auto& v) { return v[rng() % v.size()]; };
  const std::vector<std::string> names = {"张伟", "王芳", "李娜", "刘洋", "陈静",     "杨秀英",
                                          "赵敏", "黄磊", "周婷", "吴强", "欧阳娜娜", "司马懿"};
  const std::vector<std::string> drugs = {"阿莫西林胶囊(0.25g*24粒)",    "头孢克肟片[100mg*6片]",           "0.9%氯化钠注射液(100ml*1袋)",
                                          "布洛芬缓释胶囊 0.3g*20粒/盒", "胰岛素注射液(诺和灵R) 3ml:300IU", "复方甘草片*100片",
                                          "维生素C片 100mg*100片 <OTC>", "硝苯地平控释片(拜新同) 30mg*7片"};
  const std::vector<std::string> notes = {"患者诉\"头痛3天\"，自行服用布洛芬后未缓解；查体：BP 150/95mmHg，HR 88次/分。",
                                          "主诉：胸闷、气短；select 检查项目：血常规、肝功能、心电图；拟 union 心内科会诊。",
                                          "既往史：高血压10年（最高 180/110），否认糖尿病; 'Penicillin' allergy -- 皮疹",
                                          "护理记录：患者夜间睡眠差 (<4h)，予心理疏导；遵医嘱 q8h 监测血糖 & 记录出入量。",
                                          "Patient states: \"I can't sleep\"; plan: order by priority -> CT head, then MRI if needed.",
                                          "医嘱：0.9%NS 100ml + 头孢曲松 2g ivgtt qd；若体温 > 38.5℃ 予物理降温/药物降温。",
                                          "诊断：1. 2型糖尿病 2. 高血压病3级(极高危) 3. 冠心病; 处理：继续当前方案 or 调整胰岛素剂量。",
                                          "检验结果：WBC 12.3*10^9/L ↑，CRP 45mg/L；drop 抗生素前先留取血培养。",
                                          "家属要求：请在 18:00 前 update 病情告知书并签字（father's signature required）。",
                                          "影像学：左肺下叶见片状影，考虑炎症 -- 建议抗感染治疗 1-2 周后复查。"};
  const std::vector<std::string> searches = {"select 胰岛素", "union 医院 挂号", "阿莫西林 or 头孢", "糖尿病 and 高血压",
                                             "1=1 复诊",      "delete 预约",     "drop 体检套餐",    "script 病历模板",
                                             "\"急诊\" 夜班", "where is 门诊3楼"};
  const std::vector<std::string> addresses = {"北京市海淀区中关村大街27号院3号楼2单元501室", "上海市浦东新区张江路#88弄-12号",
                                              "广州市天河区体育西路191号 (中石化大厦) B座", "成都市武侯区人民南路四段1号 & 2号"};
  // The information department's own tickets and templates: paths, commands named in prose,
  // template placeholders, money, parenthesised lists.
  const std::vector<std::string> tickets = {
      "工单：护士站电脑无法打印，文件 C:\\Users\\nurse\\Documents\\护理记录.docx 打不开，已重启 spooler 服务",
      "ping 10.20.1.1 丢包 30%，请网络组排查（交换机 GE1/0/12）",
      "PACS 调阅慢：/var/data/pacs/2024 磁盘占用 92%，请扩容",
      "短信模板：{{patientName}} 您好，您预约的 {{dept}} 门诊将于 {{time}} 就诊，请提前 15 分钟到达",
      "费用 $120 (自费)；医保报销 80.5 元；合计(a)+(b)=200.5",
      "请将 D:\\HIS\\log\\error.log 和 /home/his/logs/app.log 发给厂商 (sys 用户无权限)",
      "注意：(1)禁食 (2)禁水)(3)监测生命体征 *每2小时*",
      "Patient stable;return visit in 2 weeks; type 2 diabetes (T2DM) -- follow up",
      "系统提示 \"exec failed\" 后 HIS 客户端退出，版本 v5.2.1 (build 0412)",
      "net 收入统计表 for 第三季度 / 各科室 (单位：万元)"};
  auto b64 = [&](size_t len) {
    static const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string s;
    for (size_t i = 0; i < len; i++) s += a[rng() % 64];
    return s;
  };
  auto jwt = [&] { return "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9." + b64(120) + "." + b64(342); };
  const std::string host = "www.demo-hospital.cn";
  for (size_t i = 0; i < n; i++) {
    std::string raw, name = pick(names), note = pick(notes);
    std::string id = std::to_string(rng()) + std::to_string(rng()) + std::to_string(rng());
    switch (i % 9) {
      case 0:
        raw = request("POST", "/emr/progress/save", "emr.demo-hospital.local",
                      {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + jwt()}},
                      "{\"patientId\":\"" + id + "\",\"doctor\":\"" + name + "\",\"text\":\"" + json_escape(note) + "\"}");
        break;
      case 1: raw = request("GET", "/api/drug/search?keyword=" + pct(pick(drugs), true) + "&sort=createTime,desc", host, {}, ""); break;
      case 2:
        raw = request("POST", "/nis/record/save", "nis.demo-hospital.local", {{"Content-Type", "application/x-www-form-urlencoded"}},
                      "content=" +
                          pct("<p><strong>" + name + "</strong> 护理记录</p><ul><li>" + note + "</li><li>T 36.8℃ &nbsp;P 78</li></ul>" +
                                  "<p style=\"color:#c00\"><em>注意防跌倒</em></p><img src=\"/upload/nis/" + id + ".png\" alt=\"wound\">",
                              true) +
                          "&wardId=12");
        break;
      case 3:
        raw = request("POST", "/api/report/image", host, {{"Content-Type", "application/json"}},
                      "{\"mrn\":\"MR" + id.substr(0, 10) + "\",\"image\":\"data:image/jpeg;base64," + b64(2000) + "==\"}");
        break;
      case 4:
        raw = request("GET", "/portal/search?q=" + pct(pick(searches), true), host, {{"Cookie", "token=" + jwt() + "; lang=zh-CN"}}, "");
        break;
      case 5:
        raw = request("POST", "/api/patient/update", host, {{"Content-Type", "application/json"}},
                      "{\"name\":\"" + name + "\",\"address\":\"" + json_escape(pick(addresses)) + "\",\"email\":\"" +
                          "zhang.wei+clinic@hospital.example\",\"referral\":\"https://his.demo-hospital.local/referral?id=" + id +
                          "&from=community\",\"remark\":\"" + json_escape(note) + "\"}");
        break;
      case 6:
        raw = request("GET", "/his/prescription/list?patientId=" + id + "&drug=" + pct(pick(drugs), true) + "&status=1,2,3&_=" + id,
                      "his.demo-hospital.local", {}, "");
        break;
      case 7:
        raw = request("POST", "/itsm/ticket/save", "itsm.demo-hospital.local", {{"Content-Type", "application/x-www-form-urlencoded"}},
                      "title=" + pct(name + " 报修", true) + "&content=" + pct(pick(tickets), true) + "&level=2");
        break;
      default:
        raw = request("POST", "/api/feedback", host, {{"Content-Type", "application/x-www-form-urlencoded"}},
                      "name=" + pct(name, true) + "&content=" + pct(note + " 谢谢医生！:) <3", true) + "&phone=138" +
                          std::to_string(10000000 + rng() % 89999999));
    }
    Sample s;
    s.raw = std::move(raw);
    s.source = "hospital-hard";
    s.id = "hospital-hard#" + std::to_string(i);
    c.samples.push_back(std::move(s));
  }
}

}  // namespace

Corpus load_lines(const std::string& file, const std::string& cls, bool urlencoded) {
  Corpus c;
  std::ifstream f(file, std::ios::binary);
  if (!f) throw std::runtime_error(file + ": cannot open");
  std::string line;
  std::set<std::string> seen;
  while (std::getline(f, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (urlencoded) line = web::url_decode(line);  // %XX and '+', as libinjection's files keep lines
    if (line.empty() || !seen.insert(line).second) continue;
    Sample s;
    std::string where;
    s.raw = placed(cls, line, fnv(line), where);
    s.attack = true;
    s.cls = fragment(line) ? cls + "-fragment" : cls;
    s.source = "lines";
    s.id = file + " [" + where + "] " + line.substr(0, 120);
    c.samples.push_back(std::move(s));
  }
  return c;
}

Split split_of(const std::string& text) { return fnv(text) % 10 < 3 ? Split::kHoldout : Split::kDev; }

Corpus load_generalization(const std::string& shared, Split split, size_t cap) {
  Corpus c;
  load_attacks(fs::path(shared) / "reference" / "web-eval" / "payloads", split, cap, c);
  // The benign requests of the classic corpus, split by their id.
  Corpus classic = load(shared, 5000);
  for (auto& s : classic.samples)
    if (!s.attack && split_of(s.id) == split) c.samples.push_back(std::move(s));
  load_hard_hospital(3000, split == Split::kDev ? 20261206 : 20261207, c);
  for (auto& n : classic.notes) c.notes.push_back(std::move(n));
  return c;
}

}  // namespace wardsec::webeval
