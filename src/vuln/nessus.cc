// Nessus's own export (.nessus, NessusClientData_v2): a <Report> of <ReportHost> entries, each
// with <HostProperties> tags (host-ip, host-fqdn, operating-system, mac-address, the start and
// end times) and <ReportItem> findings (port, protocol, service, severity 0-4, plugin id and
// name; inside: cve, cvss3_base_score, cvss4_base_score, description, solution,
// plugin_output, xref, exploit_available, cisa-known-exploited). Severity 0 items without a
// CVE are information (the port scanners' open ports become the host's services).
#include <algorithm>
#include <charconv>

#include "vuln/report.h"

namespace wardsec::vuln {

Result<ScanReport> read_nessus(const XmlInput& in) {
  ScanReport rep;
  rep.scanner = "nessus";
  std::string root;
  XmlReader r;
  r.records = {"ReportHost"};
  r.on_open = [&](const XmlNode& n, int depth) {
    if (depth == 0) root = n.name;
    if (n.name == "Report" && rep.name.empty()) rep.name = n.attr("name");
  };
  r.on_record = [&](const XmlNode& h) {
    ScanHost host;
    const std::string& name = h.attr("name");
    if (const auto* props = h.child("HostProperties")) {
      for (const auto* t : props->all("tag")) {
        const std::string& k = t->attr("name");
        std::string v = trimmed(t->text);
        if (k == "host-ip")
          host.ip = v;
        else if (k == "host-fqdn" || (k == "hostname" && host.hostname.empty()) || (k == "netbios-name" && host.hostname.empty()))
          host.hostname = v;
        else if (k == "operating-system")
          host.os = v;
        else if (k == "mac-address")
          host.mac = v.substr(0, v.find('\n'));
        else if (k == "HOST_START_TIMESTAMP") {
          int64_t t0 = epoch_seconds_ns(v);
          if (t0 && (!rep.started || t0 < rep.started)) rep.started = t0;
        } else if (k == "HOST_END_TIMESTAMP") {
          rep.finished = std::max(rep.finished, epoch_seconds_ns(v));
        }
      }
    }
    if (host.ip.empty()) host.ip = name;
    if (host.ip.empty()) return;
    for (const auto* it : h.all("ReportItem")) {
      int port = 0;
      std::string proto;
      split_port(it->attr("port"), port, proto);
      proto = it->attr("protocol");
      int sev = 0;
      const std::string& sv = it->attr("severity");
      std::from_chars(sv.data(), sv.data() + sv.size(), sev);
      if (it->attr("pluginFamily") == "Port scanners") host.services_known = true;
      if (port > 0) {
        bool have = false;
        for (const auto& s : host.services) have = have || (s.port == port && s.proto == proto);
        if (!have) host.services.push_back(Service{port, proto, it->attr("svc_name"), "", "", ""});
      }
      Finding f;
      f.ip = host.ip;
      f.hostname = host.hostname;
      f.port = port;
      f.proto = proto;
      f.service = it->attr("svc_name");
      f.plugin = it->attr("pluginID");
      f.title = it->attr("pluginName");
      for (const auto* c : it->all("cve")) add_unique(f.cves, cve_ids(c->text));
      for (const auto* x : it->all("xref")) {
        add_unique(f.cnvd, cnvd_ids(x->text));
        add_unique(f.cnnvd, cnnvd_ids(x->text));
        if (x->text.find("CISA-KNOWN-EXPLOITED") != std::string::npos) f.kev = true;
      }
      if (f.cves.empty() && sev == 0) {
        ++rep.skipped_info;
        continue;
      }
      f.cvss3 = cvss_score(it->child_text("cvss3_base_score"));
      f.cvss4 = cvss_score(it->child_text("cvss4_base_score"));
      f.cvss2 = cvss_score(it->child_text("cvss_base_score"));
      f.cvss3_vector = it->child_text("cvss3_vector");
      f.cvss4_vector = it->child_text("cvss4_vector");
      f.description = it->child_text("synopsis");
      if (std::string d = it->child_text("description"); !d.empty()) f.description += (f.description.empty() ? "" : "\n\n") + d;
      f.solution = it->child_text("solution");
      f.evidence = it->child_text("plugin_output");
      f.exploit = it->child_text("exploit_available") == "true";
      if (!it->child_text("cisa-known-exploited").empty()) f.kev = true;
      f.severity = std::clamp(sev, 0, 4);
      rep.findings.push_back(std::move(f));
    }
    rep.hosts.push_back(std::move(host));
  };
  if (Status st = read_xml(in, r); !st) return Error{st.error()};
  if (root != "NessusClientData_v2")
    return Error{in.label() +
                 ": 不是 Nessus 报告 (根元素应为 NessusClientData_v2) / not a .nessus report (the root must be NessusClientData_v2)"};
  return rep;
}

}  // namespace wardsec::vuln
