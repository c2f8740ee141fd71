#include "demo/config_seed.h"

#include <nlohmann/json.hpp>

#include "alert/alert_store.h"
#include "core/datadir.h"
#include "core/files.h"
#include "core/timeutil.h"
#include "ops/config/watcher.h"

namespace wardsec::demo {

namespace {

constexpr int64_t kDay = 86400 * kSec;

std::string core_switch(const std::string& name, const std::string& extra_vlans, const std::string& acl) {
  return "#\nsysname " + name + "\n#\nvlan batch 10 20 30 40 50" + extra_vlans +
         "\n#\nstp mode rstp\n#\nsnmp-agent\nsnmp-agent community read cipher %^%#Dem0C0mmunity%^%#\nsnmp-agent sys-info version v3\n#\n"
         "aaa\n local-user netadmin password irreversible-cipher $1a$Demo$Hash$\n local-user netadmin service-type ssh\n#\n" +
         acl +
         "interface Vlanif10\n ip address 10.10.0.1 255.255.255.0\n#\ninterface Vlanif20\n ip address 10.20.0.1 255.255.255.0\n#\n"
         "interface GigabitEthernet0/0/1\n description to-HIS-DB\n port link-type access\n port default vlan 20\n#\n"
         "info-center loghost 10.30.0.5\n#\nstelnet server enable\nssh user netadmin authentication-type password\n#\nreturn\n";
}

ops::config::Trigger line(int64_t ts, const std::string& user, const std::string& ip, const std::string& cmd) {
  ops::config::Trigger t;
  t.ts = ts;
  t.user = user;
  t.ip = ip;
  t.action = "CMDRECORD";
  t.command = cmd;
  return t;
}

}  // namespace

// The demo's data self-check: its HIS tables and its Bacula backup (the generator's lines).
Status seed_datacheck(const std::string& data_dir) {
  std::string path = DataDir(data_dir).ops() + "/datacheck.json";
  if (read_file(path)) return {};
  nlohmann::json j = {{"enabled", true},
                      {"at", "07:30"},
                      {"bulk_rows", 1000},
                      {"tables", {"pat_visit", "outp_orders", "outp_bill_items", "mz_cfmx"}},
                      {"backups",
                       {{{"name", "HIS 数据库全备（Bacula）"},
                         {"success", "host.name:backup-01 AND \"Backup OK\""},
                         {"failure", "host.name:backup-01 AND (\"Backup Error\" OR \"Fatal error\")"},
                         {"max_age_hours", 26}}}}};
  return write_file_atomic(path, j.dump(1));
}

Status seed_configs(const std::string& data_dir, const std::string& key_dir, int tz_sec, int64_t now) {
  // The unplanned change raises its alert as the center would have.
  auto alerts = alert::AlertStore::open(DataDir(data_dir).alerts_db());
  if (!alerts) return Error{alerts.error()};
  ops::config::WatcherOptions o;
  o.alerts = alerts->get();
  o.data_dir = data_dir;
  o.key_dir = key_dir;
  o.tz_sec = tz_sec;
  auto w = ops::config::Watcher::open(o);  // makes <data>/ops
  if (!w) return Error{w.error()};
  if (Status s = seed_datacheck(data_dir); !s) return s;
  auto& st = (*w)->store();
  auto devs = st.devices();
  if (!devs) return Error{devs.error()};
  if (!devs->empty()) return {};
  int64_t day0 = (now + tz_sec * kSec) / kDay * kDay - tz_sec * kSec;  // local midnight today
  for (const char* sw : {"sw-core-01", "sw-core-02"}) {
    ops::config::Device d;
    d.id = sw;
    d.name = std::string("核心交换机 ") + (sw[9] == '1' ? "01" : "02");
    d.asset = sw;
    d.vendor = "huawei";
    d.interval_hours = 24;
    d.created = now - 7 * kDay;
    if (Status s = st.add_device(d); !s) return s;
    if (auto v = (*w)->upload(sw, core_switch(sw, "", ""), "sysadmin", "上线基线 / baseline at go-live", now - 6 * kDay); !v)
      return Error{v.error()};
  }
  ops::config::Device fw;
  fw.id = "ngfw-dmz-01";
  fw.name = "DMZ 下一代防火墙";
  fw.asset = "ngfw-dmz-01";
  fw.vendor = "other";
  fw.interval_hours = 0;
  fw.created = now - 7 * kDay;
  if (Status s = st.add_device(fw); !s) return s;
  if (auto v = (*w)->upload("ngfw-dmz-01",
                            "hostname ngfw-dmz-01\nadmin user hsadmin password <hidden>\nzone trust\nzone untrust\nzone dmz\n"
                            "policy from untrust to dmz service https action permit\npolicy from any to any action deny log\n",
                            "sysadmin", "从设备导出 / exported from the device", now - 6 * kDay);
      !v)
    return Error{v.error()};
  // A change under a ticket (Tuesday-like, 3 days ago, 21:30-23:00 local).
  ops::config::Ticket t;
  t.id = "BG-2026-118";
  t.title = "门诊楼新增 VLAN 60 / a VLAN for the new outpatient building";
  t.devices = {"sw-core-01"};
  t.starts = day0 - 3 * kDay + (21 * 3600 + 1800) * kSec;
  t.ends = t.starts + 90 * 60 * kSec;
  t.by = "sysadmin";
  t.created = t.starts - kDay;
  if (Status s = st.add_ticket(t); !s) return s;
  if (Status s = st.approve_ticket(t.id, "secadmin", t.created + 3600 * kSec); !s) return s;
  int64_t at = t.starts + 10 * 60 * kSec;
  for (const char* c : {"vlan batch 60", "interface Vlanif60", "ip address 10.50.60.1 255.255.255.0"})
    if (Status s = st.add_trigger("sw-core-01", line(at, "netadmin", "10.30.0.10", c)); !s) return s;
  if (auto v = (*w)->upload("sw-core-01", core_switch("sw-core-01", " 60", ""), "wardsec", "", at + 90 * kSec); !v) return Error{v.error()};
  // An unplanned night change of an ACL by a vendor's account (yesterday 02:13).
  at = day0 - kDay + (2 * 3600 + 13 * 60) * kSec;
  for (const char* c : {"acl number 3001", "rule 5 permit ip source 10.99.0.0 0.0.255.255"})
    if (Status s = st.add_trigger("sw-core-01", line(at, "vendor01", "10.30.0.12", c)); !s) return s;
  if (auto v = (*w)->upload("sw-core-01",
                            core_switch("sw-core-01", " 60", "acl number 3001\n rule 5 permit ip source 10.99.0.0 0.0.255.255\n#\n"),
                            "wardsec", "", at + 70 * kSec);
      !v)
    return Error{v.error()};
  return {};
}

}  // namespace wardsec::demo
