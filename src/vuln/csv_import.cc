#include <algorithm>
#include <map>

#include "core/csv.h"
#include "core/strutil.h"
#include "vuln/report.h"

namespace wardsec::vuln {

namespace {

// Each field with the headers that name it: ours first, then what scanners' exports call it.
const std::vector<std::pair<std::string, std::vector<std::string>>>& aliases() {
  static const std::vector<std::pair<std::string, std::vector<std::string>>> a = {
      {"ip", {"ip", "IP地址", "IP", "主机IP", "目标IP", "资产IP", "主机地址", "host", "address"}},
      {"hostname", {"hostname", "主机名", "主机名称", "域名", "资产名称"}},
      {"port", {"port", "端口", "端口号"}},
      {"proto", {"proto", "协议", "protocol"}},
      {"service", {"service", "服务", "服务名"}},
      {"plugin", {"plugin", "插件ID", "漏洞ID", "漏洞编号", "规则ID", "plugin id"}},
      {"title", {"title", "漏洞名称", "名称", "漏洞名", "name", "vulnerability"}},
      {"severity", {"severity", "风险等级", "危险级别", "风险级别", "危险等级", "级别", "risk"}},
      {"cve", {"cve", "CVE编号", "CVE", "CVE号"}},
      {"cnvd", {"cnvd", "CNVD编号", "CNVD"}},
      {"cnnvd", {"cnnvd", "CNNVD编号", "CNNVD"}},
      {"cvss", {"cvss", "CVSS评分", "CVSS分值", "风险值", "CVSS"}},
      {"cvss3", {"cvss3", "CVSS3", "CVSSv3", "CVSS3.1"}},
      {"cvss4", {"cvss4", "CVSS4", "CVSSv4", "CVSS4.0"}},
      {"description", {"description", "详细描述", "漏洞描述", "描述"}},
      {"solution", {"solution", "解决办法", "修复建议", "解决方案", "加固建议"}},
      {"evidence", {"evidence", "返回信息", "验证信息", "检测结果", "证据"}},
  };
  return a;
}

std::string fold(std::string_view s) {
  std::string o(trim(s));
  for (auto& c : o) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return o;
}

std::optional<int> severity_word(const std::string& v) {
  std::string l = fold(v);
  static const std::vector<std::pair<std::vector<std::string>, int>> words = {
      {{"紧急", "严重", "超危", "critical", "urgent"}, 4},
      {{"高", "高危", "high"}, 3},
      {{"中", "中危", "medium", "moderate"}, 2},
      {{"低", "低危", "low"}, 1},
      {{"信息", "提示", "info", "information", "informational", "none", "无"}, 0}};
  for (const auto& [ws, n] : words)
    if (std::find(ws.begin(), ws.end(), l) != ws.end()) return n;
  return std::nullopt;
}

}  // namespace

const std::vector<std::string>& csv_fields() {
  static const std::vector<std::string> f = [] {
    std::vector<std::string> o;
    for (const auto& [k, _] : aliases()) o.push_back(k);
    return o;
  }();
  return f;
}

Result<ScanReport> read_findings_csv(std::string_view text, const std::string& name, const std::string& scanner,
                                     const std::vector<std::pair<std::string, std::string>>& mapping) {
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  auto rows = parse_csv(text, name);
  if (!rows) return Error{rows.error()};
  if (rows->empty()) return Error{name + ": 文件为空 / the file is empty"};
  const auto& header = rows->front();
  std::map<std::string, size_t> col;
  for (const auto& m : mapping) {
    const std::string &field = m.first, &hdr = m.second;
    if (std::find(csv_fields().begin(), csv_fields().end(), field) == csv_fields().end())
      return Error{name + ": 映射中的字段不存在 / the mapping names no such field: " + field};
    auto it = std::find_if(header.begin(), header.end(), [&](const std::string& h) { return fold(h) == fold(hdr); });
    if (it == header.end()) return Error{name + ": 表头中没有映射的列 / the header has no column " + hdr + " (mapped to " + field + ")"};
    col[field] = static_cast<size_t>(it - header.begin());
  }
  for (const auto& [field, names] : aliases()) {
    if (col.count(field)) continue;
    for (size_t i = 0; i < header.size() && !col.count(field); ++i)
      for (const auto& n : names)
        if (fold(header[i]) == fold(n)) col[field] = i;
  }
  for (const char* need : {"ip", "title"})
    if (!col.count(need))
      return Error{name + ": 缺少必需的列 / a required column is missing: " + need + " (表头 / header: " + csv_line(header) + ")"};
  ScanReport rep;
  rep.scanner = scanner.empty() ? "csv" : scanner;
  std::map<std::string, size_t> host_at;
  for (size_t r = 1; r < rows->size(); ++r) {
    const auto& row = (*rows)[r];
    auto get = [&](const char* f) -> std::string {
      auto it = col.find(f);
      return it != col.end() && it->second < row.size() ? std::string(trim(row[it->second])) : std::string();
    };
    if (std::all_of(row.begin(), row.end(), [](const std::string& c) { return trim(c).empty(); })) continue;
    std::string where = name + ": 第 " + std::to_string(r + 1) + " 行 / line " + std::to_string(r + 1) + ": ";
    Finding f;
    f.ip = get("ip");
    f.title = get("title");
    if (f.ip.empty()) return Error{where + "缺少 IP / no ip"};
    if (f.title.empty()) return Error{where + "缺少漏洞名称 / no title"};
    f.hostname = get("hostname");
    if (std::string p = get("port"); !p.empty()) {
      split_port(p, f.port, f.proto);
      if (f.port == 0 && p != "0" && p.find("general") == std::string::npos) return Error{where + "端口无效 / not a port: " + p};
    }
    if (std::string p = get("proto"); !p.empty()) f.proto = fold(p);
    f.service = get("service");
    f.plugin = get("plugin");
    if (f.plugin.empty()) f.plugin = "title:" + f.title;
    f.cves = cve_ids(get("cve"));
    f.cnvd = cnvd_ids(get("cnvd"));
    f.cnnvd = cnnvd_ids(get("cnnvd"));
    for (const char* k : {"cvss", "cvss3", "cvss4"}) {
      std::string v = get(k);
      if (v.empty()) continue;
      auto s = cvss_score(v);
      if (!s) return Error{where + "CVSS 分值应在 0 到 10 之间 / a CVSS score is 0 to 10: " + std::string(k) + "=" + v};
      (std::string(k) == "cvss4" ? f.cvss4 : f.cvss3) = s;
    }
    if (std::string sv = get("severity"); !sv.empty()) {
      auto w = severity_word(sv);
      auto s = w ? std::nullopt : cvss_score(sv);
      if (!w && !s) return Error{where + "风险等级无法识别 / severity not understood: " + sv + " (紧急/高/中/低/信息 or 0-10)"};
      f.severity = w ? *w : severity_of(*s);
    } else {
      f.severity = f.cvss3 ? severity_of(*f.cvss3) : f.cvss4 ? severity_of(*f.cvss4) : 2;
    }
    f.description = get("description");
    f.solution = get("solution");
    f.evidence = get("evidence");
    if (host_at.emplace(f.ip, rep.hosts.size()).second) rep.hosts.push_back(ScanHost{f.ip, f.hostname, "", "", {}, false});
    if (f.severity == 0 && f.cves.empty()) {
      ++rep.skipped_info;
      continue;
    }
    rep.findings.push_back(std::move(f));
  }
  return rep;
}

}  // namespace wardsec::vuln
