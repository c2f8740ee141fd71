// Nmap's XML output (-oX; nmap.dtd): the hosts that were up, their open ports with the service
// and version -sV named, the OS guess (-O), and weaknesses from NSE: the vulners script (known
// CVEs for each CPE -sV found: one finding per port and CPE, so one upgrade fixes one finding)
// and the vulns library's scripts (ssl-heartbleed, smb-vuln-*, http-vuln-*: one finding for
// each VULNERABLE or LIKELY VULNERABLE entry).
#include <charconv>

#include "vuln/report.h"

namespace wardsec::vuln {

namespace {

// An <elem key=k> of a script table.
std::string elem(const XmlNode& t, std::string_view key) {
  for (const auto* e : t.all("elem"))
    if (e->attr("key") == key) return trimmed(e->text);
  return {};
}
const XmlNode* table(const XmlNode& t, std::string_view key) {
  for (const auto* e : t.all("table"))
    if (e->attr("key") == key) return e;
  return nullptr;
}

// vulners: <table key="cpe:/a:vendor:product:version"><table><elem key="id">CVE-...</elem>
// <elem key="cvss">9.8</elem><elem key="type">cve</elem><elem key="is_exploit">true</elem>...
void vulners(const XmlNode& script, const Finding& base, const Service& svc, std::vector<Finding>& out) {
  for (const auto* cpe : script.all("table")) {
    Finding f = base;
    f.plugin = "vulners:" + cpe->attr("key");
    std::string lines;
    double top = -1;
    for (const auto* row : cpe->all("table")) {
      std::string id = elem(*row, "id"), type = elem(*row, "type"), cvss = elem(*row, "cvss");
      if (elem(*row, "is_exploit") == "true") f.exploit = true;
      if (type != "cve") continue;
      auto c = cve_ids(id);
      if (c.empty()) continue;
      add_unique(f.cves, c);
      auto s = cvss_score(cvss);
      if (s && *s > top) top = *s;
      lines += id + "  " + cvss + "\n";
    }
    if (f.cves.empty()) continue;
    if (top >= 0) f.cvss3 = top;  // vulners gives the score it has: v3 where there is one
    f.severity = severity_of(top);
    std::string what = svc.product.empty() ? cpe->attr("key") : svc.product + (svc.version.empty() ? "" : " " + svc.version);
    f.title = what + " 存在 " + std::to_string(f.cves.size()) + " 个已知漏洞 / " + what + ": " + std::to_string(f.cves.size()) +
              " known vulnerabilities";
    f.solution = "升级到厂商修复版本 / upgrade to a version the vendor has fixed";
    f.evidence = lines;
    out.push_back(std::move(f));
  }
}

// The vulns library's output: <table key="CVE-2014-0160"><elem key="title">...</elem>
// <elem key="state">VULNERABLE</elem><table key="ids"><elem>CVE:CVE-2014-0160</elem></table>
// <table key="scores"><elem key="CVSSv2">5.0</elem></table><table key="description">...
void vulns_lib(const XmlNode& script, const Finding& base, std::vector<Finding>& out) {
  for (const auto* t : script.all("table")) {
    std::string state = elem(*t, "state");
    if (state != "VULNERABLE" && state != "LIKELY VULNERABLE" && state != "VULNERABLE (DoS)" && state != "VULNERABLE (Exploitable)")
      continue;
    Finding f = base;
    f.plugin = "nse:" + script.attr("id") + ":" + t->attr("key");
    f.title = elem(*t, "title");
    if (f.title.empty()) f.title = script.attr("id");
    if (const auto* ids = table(*t, "ids"))
      for (const auto* e : ids->all("elem")) add_unique(f.cves, cve_ids(e->text));
    add_unique(f.cves, cve_ids(t->attr("key")));
    if (const auto* sc = table(*t, "scores")) {
      for (const auto* e : sc->all("elem")) {
        auto s = cvss_score(e->text);
        if (!s) continue;
        const std::string& k = e->attr("key");
        if (k.find("CVSSv3") != std::string::npos)
          f.cvss3 = s;
        else if (k.find("CVSSv4") != std::string::npos)
          f.cvss4 = s;
        else
          f.cvss2 = s;
      }
    }
    if (const auto* d = table(*t, "description"))
      for (const auto* e : d->all("elem")) f.description += trimmed(e->text) + "\n";
    f.evidence = trimmed(script.attr("output"));
    double s = f.cvss3 ? *f.cvss3 : f.cvss2 ? *f.cvss2 : 7.0;  // a confirmed weakness without a score: high
    f.severity = severity_of(s);
    out.push_back(std::move(f));
  }
}

void scripts(const XmlNode& parent, const Finding& base, const Service& svc, std::vector<Finding>& out) {
  for (const auto* s : parent.all("script")) {
    if (s->attr("id") == "vulners")
      vulners(*s, base, svc, out);
    else
      vulns_lib(*s, base, out);
  }
}

}  // namespace

Result<ScanReport> read_nmap(const XmlInput& in) {
  ScanReport rep;
  rep.scanner = "nmap";
  std::string root;
  XmlReader r;
  r.records = {"host"};
  r.on_open = [&](const XmlNode& n, int depth) {
    if (depth == 0) {
      root = n.name;
      rep.started = epoch_seconds_ns(n.attr("start"));
      rep.name = n.attr("args");
    } else if (n.name == "scaninfo") {
      // services="1,3-4,6-7,...": the ports probed
      const std::string& sv = n.attr("services");
      size_t p = 0;
      while (p < sv.size()) {
        size_t e = sv.find(',', p);
        if (e == std::string::npos) e = sv.size();
        std::string part = sv.substr(p, e - p);
        size_t dash = part.find('-');
        int a = 0, b = 0;
        std::from_chars(part.data(), part.data() + (dash == std::string::npos ? part.size() : dash), a);
        b = a;
        if (dash != std::string::npos) std::from_chars(part.data() + dash + 1, part.data() + part.size(), b);
        if (a > 0 && b >= a) rep.ports_scanned.emplace_back(a, b);
        p = e + 1;
      }
    } else if (n.name == "finished") {
      rep.finished = epoch_seconds_ns(n.attr("time"));
    }
  };
  r.on_record = [&](const XmlNode& h) {
    const XmlNode* st = h.child("status");
    if (st && st->attr("state") != "up") return;
    ScanHost host;
    for (const auto* a : h.all("address")) {
      const std::string& type = a->attr("addrtype");
      if (type == "ipv4" || type == "ipv6") {
        if (host.ip.empty()) host.ip = a->attr("addr");
      } else if (type == "mac") {
        host.mac = a->attr("addr");
      }
    }
    if (host.ip.empty()) return;
    if (const auto* hn = h.child("hostnames"))
      for (const auto* n : hn->all("hostname"))
        if (host.hostname.empty() || n->attr("type") == "user") host.hostname = n->attr("name");
    if (const auto* os = h.child("os"))
      if (const auto* m = os->child("osmatch")) host.os = m->attr("name");
    Finding base;
    base.ip = host.ip;
    base.hostname = host.hostname;
    if (const auto* ports = h.child("ports")) {
      host.services_known = true;
      for (const auto* p : ports->all("port")) {
        const XmlNode* ps = p->child("state");
        if (!ps || ps->attr("state") != "open") continue;
        Service svc;
        split_port(p->attr("portid"), svc.port, svc.proto);
        svc.proto = p->attr("protocol");
        if (const auto* s = p->child("service")) {
          svc.name = s->attr("name");
          svc.product = s->attr("product");
          svc.version = s->attr("version");
          svc.cpe = s->child_text("cpe");
          if (host.os.empty() && !s->attr("ostype").empty()) host.os = s->attr("ostype");
        }
        if (svc.port == 0) continue;
        Finding pb = base;
        pb.port = svc.port;
        pb.proto = svc.proto;
        pb.service = svc.name;
        scripts(*p, pb, svc, rep.findings);
        host.services.push_back(std::move(svc));
      }
    }
    if (const auto* hs = h.child("hostscript")) scripts(*hs, base, Service{}, rep.findings);
    rep.hosts.push_back(std::move(host));
  };
  if (Status st = read_xml(in, r); !st) return Error{st.error()};
  // Weaknesses come only from scripts: --script, -sC or -A.
  const std::string& args = rep.name;
  rep.judges = args.find("--script") != std::string::npos || args.find("-sC") != std::string::npos || args.find(" -A") != std::string::npos;
  if (root != "nmaprun")
    return Error{in.label() + ": 不是 Nmap XML 报告 (根元素应为 nmaprun) / not an Nmap XML report (the root must be nmaprun)"};
  return rep;
}

}  // namespace wardsec::vuln
