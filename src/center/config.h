// wardsec's one configuration file (YAML). Every key is optional; config/wardsec.yaml in the
// repository lists them all with their defaults. Unknown keys are errors, so a typo is
// caught at start-up instead of being silently ignored.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "core/result.h"
#include "alert/detector.h"
#include "bastion/service.h"
#include "enrich/places.h"
#include "alert/outputs.h"
#include "ingest/net.h"
#include "ingest/pipeline.h"
#include "server/http.h"
#include "store/store.h"
#include "incident/service.h"
#include "ops/daily_export.h"
#include "ops/monitor.h"
#include "proxy/proxy.h"
#include "cluster/clickhouse.h"
#include "cluster/nats.h"
#include "fleet/channel.h"
#include "vuln/discovery.h"
#include "web/inspect.h"

namespace wardsec {

struct Config {
  std::string path;  // the file it came from ("" when none)
  std::string data_dir = "./data";
  std::string organization;         // the hospital's name, on reports
  std::string hospital_tier = "3";  // 三级 "3", 二级 "2", 一级 "1": the grading suggestion's basis
  std::string key_dir;              // as configured; empty: "<data_dir>.keys"
  int tz_sec = 8 * 3600;
  int retention_days = 180;
  store::StoreOptions store;
  ingest::InputOptions inputs;
  ingest::PipelineOptions pipeline;
  server::HttpOptions http;
  // Security zones ("core 核心业务区" with a CIDR); the inventory's zones add to them.
  std::vector<enrich::Zone> zones;
  // Detection and alerts
  bool detection_enabled = true;
  alert::DetectorOptions detection;
  size_t detection_queue_mib = 64;
  alert::OutputOptions outputs;
  // Web-attack detection on access logs, mirrored traffic and the proxy (docs/web.md).
  bool web_enabled = true;
  web::Policy web;
  // Database audit (docs/dbaudit.md): statements arriving as events are checked against the
  // 防统方 policy; the capture input reads a mirror port (interface) or a pcap file.
  bool dbaudit_enabled = true;
  std::string dbaudit_policy = "config/dbaudit/policy.yaml";
  // The device families (docs/parsers.md): every YAML file below it, after the built-in parsers.
  std::string parsers_dir = "parsers";
  // Multi-line events per source (docs/parsers.md): joined before the families' own rules.
  std::vector<MultilineSpec> multiline;
  std::string dbaudit_interface, dbaudit_pcap, dbaudit_filter;
  // `wardsec proxy` (docs/web.md); its policy is `web` above.
  proxy::Options proxy;
  // The bastion host (docs/bastion.md): on when bastion.listen is set.
  bastion::Options bastion;
  // Incident response (docs/incident.md): the reporting clock, channels, policy, auto-open.
  incident::Options incident;
  // Operations monitoring (docs/operations.md): the health of log sources.
  ops::MonitorOptions ops;
  ops::ExportOptions ops_export;  // ops.export: the daily log export
  // Asset discovery with Nmap (docs/vulnerabilities.md): off until networks are configured.
  vuln::DiscoveryConfig discovery;
  int discovery_unseen_days = 30;
  // The host agents (docs/agents.md): their channel (mutual TLS) when agents.listen is set.
  fleet::ChannelOptions agents;
  int agents_offline_seconds = 60;
  int agents_cert_days = 365;
  // Scale-out for a region (docs/cluster.md): a collector's site and NATS, a sink's ClickHouse.
  struct Cluster {
    std::string site, hospital;
    cluster::NatsOptions nats;
    cluster::ClickHouseOptions clickhouse;
    std::string keys_dir;  // the sites' public keys, <site>.pub (sink, regional console)
    int retention_days = 180;
    int batch_events = 2000;
    bool regional = false;                                   // the console reads the region's ClickHouse (cluster.clickhouse given)
    std::map<std::string, std::vector<std::string>> scopes;  // account -> the sites it may read
  } cluster;
  Config();
  // Fills derived values (paths under data_dir) after flags and file are applied.
  void finalize();
};

// The file at `path` (empty: defaults) with the console's settings over it: <data>/settings.json
// of the data folder `data_dir` (or the file's `data`), or `overlay` (JSON) in its place when
// given (the console checking a change before it keeps it).
Result<Config> load_config(const std::string& path, const std::string& data_dir = "", const std::string* overlay = nullptr);

// Shipped data (rules, mapping, catalog) named by a relative path: the working folder first,
// then beside the binary (an installed share/wardsec, or the source tree above build/<type>/).
std::string resolve_shipped(const std::string& p);

}  // namespace wardsec
