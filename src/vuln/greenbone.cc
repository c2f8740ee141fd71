// Greenbone/OpenVAS reports in GMP's XML (the report format "XML" of gvmd, as get_reports
// returns it or the web interface downloads it): <report><report> holds the scan's times, its
// <host> entries (every host scanned, with details such as the hostname and the best OS
// guess), <ports> and <results>. Each <result> is a finding: its NVT (OID, name, CVSS, the
// tags with summary and solution, refs with CVE and CERT ids), the host and port, the threat
// and severity, and the detection output as evidence. "Log" results without a CVE are
// information, not weaknesses.
#include <unordered_map>

#include "core/timeutil.h"
#include "vuln/report.h"

namespace wardsec::vuln {

namespace {

// "key=value|key=value" tags of an NVT.
std::string tag(const std::string& tags, std::string_view key) {
  size_t pos = 0;
  while (pos < tags.size()) {
    size_t bar = tags.find('|', pos);
    if (bar == std::string::npos) bar = tags.size();
    std::string_view kv(tags.data() + pos, bar - pos);
    if (kv.size() > key.size() && kv.substr(0, key.size()) == key && kv[key.size()] == '=') return trimmed(kv.substr(key.size() + 1));
    pos = bar + 1;
  }
  return {};
}

int threat_severity(const std::string& t) {
  if (t == "Critical") return 4;
  if (t == "High") return 3;
  if (t == "Medium") return 2;
  if (t == "Low") return 1;
  return 0;
}

int64_t iso_ns(const std::string& s) {
  int64_t ns = 0;
  return parse_rfc3339(s, ns) ? ns : 0;
}

Finding result(const XmlNode& r) {
  Finding f;
  if (const auto* h = r.child("host")) {
    f.ip = trimmed(h->text);
    f.hostname = h->child_text("hostname");
  }
  split_port(r.child_text("port"), f.port, f.proto);
  const XmlNode* nvt = r.child("nvt");
  f.title = r.child_text("name");
  if (nvt) {
    f.plugin = nvt->attr("oid");
    if (f.title.empty()) f.title = nvt->child_text("name");
    std::string tags = nvt->child_text("tags");
    f.description = tag(tags, "summary");
    if (std::string ins = tag(tags, "insight"); !ins.empty()) f.description += (f.description.empty() ? "" : "\n") + ins;
    f.solution = nvt->child_text("solution");
    if (f.solution.empty()) f.solution = tag(tags, "solution");
    if (auto v = tag(tags, "cvss_base_vector"); v.rfind("CVSS:3", 0) == 0) f.cvss3_vector = v;
    if (const auto* sevs = nvt->child("severities")) {
      for (const auto* s : sevs->all("severity")) {
        const std::string& type = s->attr("type");
        auto score = cvss_score(s->child_text("score"));
        if (type.find("v4") != std::string::npos) {
          f.cvss4 = score;
          f.cvss4_vector = s->child_text("value");
        } else if (type.find("v3") != std::string::npos) {
          f.cvss3 = score;
          f.cvss3_vector = s->child_text("value");
        } else if (type.find("v2") != std::string::npos) {
          f.cvss2 = score;
        }
      }
    }
    if (!f.cvss3 && !f.cvss2) {
      auto base = cvss_score(nvt->child_text("cvss_base"));
      if (base && f.cvss3_vector.empty())
        f.cvss2 = base;
      else if (base)
        f.cvss3 = base;
    }
    if (const auto* refs = nvt->child("refs")) {
      for (const auto* ref : refs->all("ref")) {
        const std::string& type = ref->attr("type");
        const std::string& id = ref->attr("id");
        if (type == "cve" || type == "cve_id")
          add_unique(f.cves, cve_ids(id));
        else if (type == "cnvd")
          add_unique(f.cnvd, cnvd_ids(id));
        else if (type == "cnnvd")
          add_unique(f.cnnvd, cnnvd_ids(id));
        else if (type == "cisa" || id.find("known-exploited") != std::string::npos)
          f.kev = true;
      }
    }
    add_unique(f.cves, cve_ids(nvt->child_text("cve")));  // older GMP: a comma-separated <cve>
  }
  f.evidence = r.child_text("description");
  auto sev = cvss_score(r.child_text("severity"));
  f.severity = sev ? severity_of(*sev) : threat_severity(r.child_text("threat"));
  if (sev && !f.cvss3 && !f.cvss2 && !f.cvss4) f.cvss3 = sev;
  return f;
}

}  // namespace

Result<ScanReport> read_greenbone(const XmlInput& in) {
  ScanReport rep;
  rep.scanner = "greenbone";
  std::string root;
  std::vector<std::pair<std::string, Service>> ports;
  XmlReader r;
  r.records = {"result", "host", "port", "scan_start", "scan_end", "task"};
  r.on_open = [&](const XmlNode& n, int depth) {
    if (depth == 0) root = n.name;
  };
  r.on_record = [&](const XmlNode& n) {
    if (n.name == "result") {
      Finding f = result(n);
      if (f.ip.empty()) return;
      if (f.severity == 0 && f.cves.empty()) {
        ++rep.skipped_info;
        return;
      }
      rep.findings.push_back(std::move(f));
    } else if (n.name == "host") {
      ScanHost h;
      h.ip = n.child_text("ip");
      if (h.ip.empty()) h.ip = trimmed(n.text);
      for (const auto* d : n.all("detail")) {
        std::string name = d->child_text("name"), value = d->child_text("value");
        if (name == "hostname" && h.hostname.empty())
          h.hostname = value;
        else if (name == "best_os_txt")
          h.os = value;
        else if (name == "MAC")
          h.mac = value;
      }
      if (!h.ip.empty()) rep.hosts.push_back(std::move(h));
    } else if (n.name == "port") {
      Service s;
      std::string text = trimmed(n.text);
      split_port(text, s.port, s.proto);
      std::string host = n.child_text("host");
      if (s.port > 0 && !host.empty()) ports.emplace_back(host, std::move(s));
    } else if (n.name == "scan_start") {
      rep.started = iso_ns(trimmed(n.text));
    } else if (n.name == "scan_end") {
      rep.finished = iso_ns(trimmed(n.text));
    } else if (n.name == "task" && rep.name.empty()) {
      rep.name = n.child_text("name");
    }
  };
  if (Status st = read_xml(in, r); !st) return Error{st.error()};
  if (root != "report" && root != "get_reports_response")
    return Error{in.label() +
                 ": 不是 Greenbone/OpenVAS XML 报告 (根元素应为 report) / not a Greenbone/OpenVAS XML report (the root must be report)"};
  // Hosts named only by their results (a report filtered down to results) still count as covered.
  std::unordered_map<std::string, size_t> at;
  for (size_t i = 0; i < rep.hosts.size(); ++i) at.emplace(rep.hosts[i].ip, i);
  for (const auto& f : rep.findings)
    if (at.emplace(f.ip, rep.hosts.size()).second) rep.hosts.push_back(ScanHost{f.ip, f.hostname, "", "", {}, false});
  for (auto& [ip, s] : ports)
    if (auto it = at.find(ip); it != at.end()) rep.hosts[it->second].services.push_back(s);
  return rep;
}

}  // namespace wardsec::vuln
