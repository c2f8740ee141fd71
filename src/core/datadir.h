// The data folder: every file and folder the center keeps in it, named in one place.
// docs/store-format.md describes the store's part (segments, wal, quarantine, checkpoints).
#pragma once
#include <string>

namespace wardsec {

class DataDir {
 public:
  explicit DataDir(std::string root) : root_(std::move(root)) {}
  const std::string& root() const { return root_; }
  // SQLite files: the inventory, assessments, evidence and rectification (compliance); the
  // alerts and the detection cursor; the console's accounts, sessions' policy and approvals.
  std::string compliance_db() const { return root_ + "/compliance.db"; }
  std::string alerts_db() const { return root_ + "/alerts.db"; }
  std::string accounts_db() const { return root_ + "/accounts.db"; }
  // The bastion: host accounts (credentials sealed), authorizations, command rules, sessions,
  // commands and approvals; the session recordings (asciicast v2) beside it.
  std::string bastion_db() const { return root_ + "/bastion.db"; }
  std::string recordings() const { return root_ + "/recordings"; }
  // Incident response: incidents, timelines, reporting obligations, the roster, deliveries;
  // the sealed evidence bundles beside it.
  std::string incident_db() const { return root_ + "/incident.db"; }
  // The regional console's account scopes set from the console (docs/cluster.md).
  std::string region_scopes() const { return root_ + "/region-scopes.json"; }
  std::string evidence() const { return root_ + "/evidence"; }
  // Emergency plans (versions, reviews) and drill records.
  std::string emergency_db() const { return root_ + "/emergency.db"; }
  // The management records (policies, staff, training, inspections, suppliers, changes) with
  // every version; their attachments are under evidence().
  std::string records_db() const { return root_ + "/records.db"; }
  // Assets and vulnerabilities: scans, findings with their history, the hosts and services
  // scans saw (vuln/store.h).
  std::string vulns_db() const { return root_ + "/vulns.db"; }
  std::string fleet_db() const { return root_ + "/fleet.db"; }  // the host agents (主机代理)
  // The console's saved searches; the settings changed in the console (系统设置), over the
  // configuration file's.
  std::string console_db() const { return root_ + "/console.db"; }
  std::string console_settings() const { return root_ + "/settings.json"; }
  // Operations monitoring: the health of log sources (ops/monitor.h), which the console reads.
  std::string ops() const { return root_ + "/ops"; }
  std::string ops_sources() const { return ops() + "/sources.json"; }
  // The probes (ops/probe/spec.h; written by the console), their live state (the prober's, for
  // the console) and their availability (ops/probe/availability.h).
  std::string ops_probes() const { return ops() + "/probes.json"; }
  std::string ops_probe_state() const { return ops() + "/probe_state.json"; }
  std::string ops_availability() const { return ops() + "/availability.db"; }
  // The event store.
  std::string segments() const { return root_ + "/segments"; }
  std::string wal() const { return root_ + "/wal"; }
  std::string quarantine() const { return root_ + "/quarantine"; }
  std::string checkpoints_log() const { return root_ + "/checkpoints.log"; }
  // Detection's compiled rule databases, keyed by what they are made of (detect/engine_cache.h);
  // safe to delete.
  std::string detect_cache() const { return root_ + "/cache/detect"; }

 private:
  std::string root_;
};

}  // namespace wardsec
