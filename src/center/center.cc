#include "core/datadir.h"
#include "center/center.h"

#include "cluster/region.h"
#include "center/settings.h"

#include <spdlog/spdlog.h>

#include <csignal>
#include <filesystem>
#include <fstream>

#include "alert/alert_store.h"
#include "alert/center_health.h"
#include "alert/detector.h"
#include "alert/outputs.h"
#include "bastion/service.h"
#include "bastion/ssh_server.h"
#include "compliance/inventory.h"
#include "core/perms.h"
#include "core/timeutil.h"
#include "enrich/db_statement.h"
#include "parse/family_parser.h"
#include "enrich/web_attack.h"
#include "ingest/net.h"
#include "ingest/pipeline.h"
#include "mgmt/checks.h"
#include "ops/config/sftp_put.h"
#include "ops/config/watcher.h"
#include "ops/asset_alerts.h"
#include "fleet/channel.h"
#include "vuln/discoverer.h"
#include "ops/duties.h"
#include "report/report.h"
#include "ops/monitor.h"
#include "ops/probe_monitor.h"
#include "ops/source_stage.h"
#include "server/auth.h"
#include "server/http.h"
#include "store/store.h"

namespace wardsec::center {

std::shared_ptr<const enrich::Places> load_places(const Config& cfg) {
  std::vector<compliance::Zone> zones;
  std::vector<compliance::Asset> assets;
  std::vector<compliance::System> systems;
  std::string db = DataDir(cfg.data_dir).compliance_db();
  if (std::filesystem::exists(db))
    if (auto inv = compliance::Inventory::open(db)) {
      if (auto z = (*inv)->zones()) zones = std::move(*z);
      if (auto a = (*inv)->assets()) assets = std::move(*a);
      if (auto s = (*inv)->systems()) systems = std::move(*s);
    }
  return std::make_shared<const enrich::Places>(cfg.zones, zones, assets, systems);
}

Result<dbaudit::Policy> load_dbaudit_policy(const Config& cfg, const std::string& override_path) {
  dbaudit::Policy p;
  std::string path = resolve_shipped(override_path.empty() ? cfg.dbaudit_policy : override_path);
  if (Status e = dbaudit::load_policy(path, p); !e) return Error{"dbaudit.policy: " + e.error()};
  // The tables of the data classified core or important, or holding sensitive personal
  // information (数据分类分级, docs/records.md), are sensitive objects too: read in bulk, they alert.
  // (No records file: nothing is classified yet, and nothing is created here.)
  std::string db = DataDir(cfg.data_dir).records_db();
  if (!std::filesystem::exists(db)) return p;
  auto rs = mgmt::Records::open(db);
  auto assets = rs ? (*rs)->list("data_asset") : Result<std::vector<mgmt::Record>>(Error{rs.error()});
  if (!assets)
    spdlog::warn("dbaudit: the data classification's sensitive tables are not used: {}", assets.error());
  else
    for (const auto& t : mgmt::sensitive_tables({{"data_asset", std::move(*assets)}})) p.patient_tables.insert(t);
  return p;
}

Result<std::unique_ptr<enrich::Chain>> build_stages(const Config& cfg, std::shared_ptr<const enrich::Places> places) {
  auto chain = std::make_unique<enrich::Chain>();
  if (places) chain->add(std::make_unique<enrich::AssetStage>(std::move(places)));
  if (cfg.web_enabled) chain->add(std::make_unique<enrich::WebAttackStage>(cfg.web));
  if (cfg.dbaudit_enabled) {
    auto policy = load_dbaudit_policy(cfg);
    if (!policy) return Error{policy.error()};
    chain->add(std::make_unique<enrich::DbStatementStage>(std::move(*policy)));
  }
  return chain;
}

struct Center::Backlog {
  uint64_t end = 0;  // live detection starts here; the backlog is what lies before
  alert::Detector::Progress progress;
  std::thread thread;
};

// The reports a schedule can send (ops/duties.h), each for the period just ended.
static std::vector<ops::ReportKind> report_kinds(const Config& conf) {
  report::Sources src{conf.data_dir, conf.http.catalog_file, conf.http.scoring_file, conf.organization, conf.tz_sec};
  using K = const std::string&;
  return {{"ops-week", "网络系统运行状况分析报告（周报）", "Weekly network operations report", "week",
           [src](K key, K lang, K) { return report::ops_week_html(src, key, lang); }},
          {"ops-month", "网络系统运行状况分析报告（月报）", "Monthly network operations report", "month",
           [src](K key, K lang, K) { return report::ops_month_html(src, key, lang); }},
          {"dbaudit-month", "防统方月度报告", "Monthly database audit (防统方) report", "month",
           [src](K key, K lang, K) -> Result<std::string> {
             return report::dbaudit_month_html(src, std::atoi(key.substr(0, 4).c_str()), std::atoi(key.substr(5, 2).c_str()), lang);
           }},
          {"vuln-month", "漏洞管理月报", "Monthly vulnerability report", "month",
           [src](K key, K lang, K) -> Result<std::string> {
             return report::vuln_month_html(src, std::atoi(key.substr(0, 4).c_str()), std::atoi(key.substr(5, 2).c_str()), lang);
           }},
          // A graded system's 等保 self-assessment as it stands when sent (the month only names the send).
          {"self-assessment", "等保自查报告（月度）", "MLPS self-assessment (monthly)", "month",
           [src](K, K lang, K system) -> Result<std::string> {
             auto d = report::gather(src, system, report::Kind::kSelfAssessment);
             if (!d) return Error{d.error()};
             return report::html(report::Kind::kSelfAssessment, *d, lang);
           },
           true}};
}

struct Center::Health {
  std::unique_ptr<alert::DiskWatch> disk;
  std::unique_ptr<alert::StoreScrub> scrub;
  std::unique_ptr<ops::SourceMonitor> sources;    // the health of log sources (运行监控)
  std::unique_ptr<ops::ProbeMonitor> probes;      // the probes of the clinical systems (运行监控)
  std::unique_ptr<ops::ExportJob> exports;        // the daily log export, looked at every minute
  std::shared_ptr<ops::config::Watcher> configs;  // device configurations and their changes
  std::unique_ptr<ops::Notifier> notifier;        // messages of the duties (console, mail, robots)
  std::unique_ptr<ops::Duties> duties;            // the data self-check and the report schedules
  std::unique_ptr<vuln::Discoverer> discovery;    // the Nmap discovery scans (资产发现)
  alert::Periodic export_timer;
};

namespace {

// The settings that apply while running (the time zones of sources): <data>/settings.json is
// looked at every few seconds, and when it changed, read with the configuration file again.
class SettingsWatch {
 public:
  SettingsWatch(boost::asio::io_context& io, ingest::Pipeline& pl, std::string file, std::string data)
      : timer_(io), pl_(pl), file_(std::move(file)), data_(std::move(data)), seen_(mtime()) {}
  void start() {
    timer_.expires_after(std::chrono::seconds(2));
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      if (auto m = mtime(); m != seen_) {
        seen_ = m;
        if (auto c = load_config(file_, data_)) {
          pl_.set_source_zones(c->pipeline.zones);
          spdlog::info("settings: {} source time-zone rule(s) in force", c->pipeline.zones ? c->pipeline.zones->specs().size() : 0);
        } else {
          spdlog::error("settings: not applied: {}", c.error());
        }
      }
      start();
    });
  }

 private:
  std::filesystem::file_time_type mtime() const {
    std::error_code ec;
    auto t = std::filesystem::last_write_time(DataDir(data_).console_settings(), ec);
    return ec ? std::filesystem::file_time_type{} : t;
  }
  boost::asio::steady_timer timer_;
  ingest::Pipeline& pl_;
  std::string file_, data_;
  std::filesystem::file_time_type seen_;
};

}  // namespace

struct Center::Net {
  boost::asio::io_context io{1};
  std::unique_ptr<boost::asio::signal_set> signals;
  std::unique_ptr<SettingsWatch> settings;
};

Result<std::unique_ptr<Center>> Center::open(Config cfg, Parts parts) {
  std::unique_ptr<Center> c(new Center());
  c->cfg_ = std::move(cfg);
  c->parts_ = parts;
  Config& conf = c->cfg_;
  std::filesystem::create_directories(conf.data_dir);
  auto writer = store::StoreWriter::open(conf.store);
  if (!writer) return Error{writer.error()};
  c->writer_ = std::move(writer.value());
  c->places_ = load_places(conf);
  auto stages = build_stages(conf, c->places_);
  if (!stages) return Error{stages.error()};
  c->stages_ = std::move(stages.value());
  conf.pipeline.enrich = [chain = c->stages_](std::span<Event> batch) { chain->run(batch); };
  // The built-in parsers, then the device families (a family that does not load stops the
  // start with its file and line, as a rule that does not parse does).
  std::vector<MultilineSpec> multiline = conf.multiline;  // the config's rules, then the families'
  if (!conf.parsers_dir.empty() && std::filesystem::is_directory(conf.parsers_dir)) {
    auto fams = load_families(conf.parsers_dir);
    if (!fams) return Error{fams.error()};
    for (const auto& f : *fams) multiline.insert(multiline.end(), f.multiline.begin(), f.multiline.end());
    auto fp = make_family_parser(std::move(*fams));
    if (!fp) return Error{fp.error()};
    auto reg = std::make_shared<ParserRegistry>();
    register_builtin_parsers(*reg);
    reg->add_message("families", std::move(*fp));
    conf.pipeline.parsers = std::move(reg);
  }
  if (!multiline.empty()) {
    auto rules = ingest::MultilineRules::compile(multiline);
    if (!rules) return Error{rules.error()};
    conf.pipeline.multiline = std::move(*rules);
  }
  c->pipeline_ = std::make_unique<ingest::Pipeline>(*c->writer_, conf.pipeline);
  if (parts.detection || parts.network) {
    if (Status s = c->open_incident(); !s) return Error{s.error()};
  }
  if (parts.network) {  // an alert can trigger the agents' active responses (fleet.cc)
    Center* self = c.get();
    conf.detection.on_alert = [prev = conf.detection.on_alert, self](const alert::Alert& a) {
      if (prev) prev(a);
      if (self->fleet_) self->fleet_->consider(a);
    };
  }
  if (parts.detection) {
    if (Status s = c->open_detection(); !s) return Error{s.error()};
  }
  if (parts.health) {
    c->health_ = std::make_unique<Health>();
    store::StoreWriter* wr = c->writer_.get();
    Center* self = c.get();
    auto raise = [self](const alert::CenterAlert& a) {
      if (self->alerts_)
        alert::raise_center_alert(*self->alerts_, *self->outputs_, a);
      else
        spdlog::error("{}: {}", a.title, a.summary);
    };
    c->health_->disk = std::make_unique<alert::DiskWatch>(
        conf.data_dir, [wr] { return wr->stats().stored_bytes; }, raise);
    c->health_->scrub = std::make_unique<alert::StoreScrub>(conf.data_dir, raise);
    c->health_->sources = std::make_unique<ops::SourceMonitor>(conf.data_dir, conf.ops, c->alerts_.get(), c->outputs_.get());
    c->stages_->add(std::make_unique<ops::SourceHealthStage>(c->health_->sources->health()));
    c->stages_->add(std::make_unique<ops::NetDeviceStage>(c->health_->sources->netdevices()));
    auto probes = ops::ProbeMonitor::open(
        conf.data_dir, c->alerts_.get(), c->outputs_.get(),
        [pl = c->pipeline_.get()](std::vector<Event>&& evs) { pl->submit_events(std::move(evs), nullptr); }, conf.tz_sec,
        conf.store.key_dir);
    if (!probes) return Error{probes.error()};
    c->health_->probes = std::move(*probes);
    c->health_->probes->set_netdevices(c->health_->sources->netdevices());
    c->health_->exports = std::make_unique<ops::ExportJob>(
        conf.data_dir, conf.ops_export, conf.tz_sec, &c->writer_->key(), c->alerts_.get(), c->outputs_.get(),
        [pl = c->pipeline_.get()](std::vector<Event>&& evs) { pl->submit_events(std::move(evs), nullptr); });
    ops::config::WatcherOptions wo;
    wo.data_dir = conf.data_dir;
    wo.key_dir = conf.store.key_dir;
    wo.known_hosts = conf.bastion.target_known_hosts;
    wo.tz_sec = conf.tz_sec;
    wo.alerts = c->alerts_.get();
    wo.outputs = c->outputs_.get();
    wo.record = c->signed_emitter("wardsec.config");
    auto configs = ops::config::Watcher::open(std::move(wo));
    if (!configs) return Error{configs.error()};
    c->health_->configs = std::move(*configs);
    c->stages_->add(std::make_unique<ops::config::ConfigStage>(c->health_->configs));
    conf.http.configs = c->health_->configs.get();
    // The daily export sent on to the backup target, when one is set (<data>/ops/export_target.json).
    c->health_->exports->set_ship(
        [w = c->health_->configs, data = conf.data_dir](const std::string& dir, const std::string& day) -> Result<std::string> {
          auto target = ops::config::export_target(data);
          if (!target) return Error{target.error()};
          if (!target->account) return std::string();
          auto login = w->login_for(target->account);
          if (!login) return Error{login.error()};
          auto n = ops::config::sftp_put_dir(*login, dir, target->dir);
          if (!n) return Error{n.error()};
          return "sent " + std::to_string(*n) + " bytes to " + login->username + "@" + login->host + ":" + target->dir;
        });
    alert::MailServer mail{conf.outputs.smtp.server, conf.outputs.smtp.from, conf.outputs.smtp.user, conf.outputs.smtp.password,
                           conf.outputs.smtp.helo};
    c->health_->notifier = std::make_unique<ops::Notifier>(
        conf.data_dir, mail, alert::Transport{conf.outputs.ca_file, conf.outputs.timeout_ms}, conf.outputs.console_url);
    ops::DutyOptions duo;
    duo.data_dir = conf.data_dir;
    duo.tz_sec = conf.tz_sec;
    duo.notifier = c->health_->notifier.get();
    duo.alerts = c->alerts_.get();
    duo.outputs = c->outputs_.get();
    duo.record = c->signed_emitter("wardsec.duty");
    duo.kinds = report_kinds(conf);
    duo.pdf = [](const std::string& html, const std::string& path) { return report::html_to_pdf(html, path); };
    c->health_->duties = std::make_unique<ops::Duties>(std::move(duo));
    conf.http.duties = c->health_->duties.get();
    vuln::Options vo;
    vo.tz_sec = conf.tz_sec;
    vo.unseen_days = conf.discovery_unseen_days;
    c->health_->discovery = std::make_unique<vuln::Discoverer>(conf.discovery, conf.data_dir, vo,
                                                               [al = c->alerts_.get(), out = c->outputs_.get()](const vuln::Taken& t) {
                                                                 if (al) ops::raise_scan_alerts(*al, out, t, now_ns());
                                                               });
    conf.http.discovery = c->health_->discovery.get();
    conf.http.outputs = c->outputs_.get();
  }
  if (parts.network) {
    c->net_ = std::make_unique<Net>();
    conf.http.alerts = c->alerts_.get();
    conf.http.rules = [self = c.get()]() -> const detect::RuleSet* { return self->detector_ ? &self->detector_->rules() : nullptr; };
    conf.http.attack_names_file = (std::filesystem::path(conf.detection.mapping).parent_path() / "attack.tsv").string();
    conf.http.audit_key = &c->writer_->key();  // the audit trail is signed by the store's instance key
    conf.http.places = c->places_;
    Center* self = c.get();
    conf.http.extra_metrics = [self] { return self->metrics_json(); };
    conf.http.settings = [file = conf.path, data = conf.data_dir](const std::string* overlay) -> Result<std::string> {
      auto c = load_config(file, data, overlay);
      if (!c) return Error{c.error()};
      return console_settings_json(*c);
    };
    if (Status b = c->open_bastion(); !b) return Error{b.error()};
    if (Status f = c->open_fleet(); !f) return Error{f.error()};
    if (conf.cluster.regional) {  // the regional console: /api/v1/region/* over ClickHouse (docs/cluster.md)
      cluster::RegionOptions ro;
      ro.clickhouse = conf.cluster.clickhouse;
      ro.scopes = conf.cluster.scopes;
      ro.scopes_file = DataDir(conf.data_dir).region_scopes();
      auto region = std::make_shared<cluster::Region>(std::move(ro));
      if (Status s = region->load_scopes(); !s) return Error{s.error()};
      conf.http.region = std::move(region);
    }
    if (!conf.agents.listen.empty()) c->channel_ = std::make_unique<fleet::Channel>(c->net_->io, *c->fleet_, conf.agents);
    c->inputs_ = std::make_unique<ingest::Inputs>(c->net_->io, *c->pipeline_, conf.inputs);
    c->http_ = std::make_unique<server::HttpServer>(c->net_->io, *c->pipeline_, conf.http);
  }
  return c;
}

std::function<void(Event&&)> Center::signed_emitter(const std::string& ns) {
  store::StoreWriter* wr = writer_.get();
  ingest::Pipeline* pl = pipeline_.get();
  FieldId sig = FieldRegistry::intern(ns + ".signature"), key = FieldRegistry::intern(ns + ".key");
  return [wr, pl, sig, key, fp = wr->key().fingerprint()](Event&& ev) {
    if (auto s = wr->key().sign(ev.raw)) {
      ev.set(sig, server::to_hex(*s));
      ev.set(key, fp);
    }
    std::vector<Event> v;
    v.push_back(std::move(ev));
    pl->submit_events(std::move(v), nullptr);
  };
}

// The bastion, when bastion.listen is set: its record and rules, and the SSH server bound now
// (so the console can show the port); it starts serving with the console, whose accounts it uses.
Status Center::open_bastion() {
  if (cfg_.bastion.listen.empty()) return {};
  // Bastion facts are the center's own records, signed (as the audit trail).
  auto svc = bastion::Service::open(cfg_.bastion, cfg_.data_dir, cfg_.store.key_dir, nullptr, signed_emitter("wardsec.bastion"));
  if (!svc) return Error{svc.error()};
  bastion_ = std::move(*svc);
  auto ssh = bastion::SshServer::open(*bastion_);
  if (!ssh) return Error{ssh.error()};
  ssh_ = std::move(*ssh);
  cfg_.http.bastion = bastion_.get();
  cfg_.http.bastion_port = ssh_->port();
  cfg_.http.bastion_ssh = ssh_.get();
  return {};
}

Status Center::open_detection() {
  if (!cfg_.detection_enabled) return {};
  auto alerts = alert::AlertStore::open(DataDir(cfg_.data_dir).alerts_db());
  if (!alerts) return Error{alerts.error()};
  alerts_ = std::move(alerts.value());
  outputs_ = std::make_unique<alert::Outputs>(cfg_.outputs);
  cfg_.detection.places = places_;
  cfg_.detection.cache_dir = DataDir(cfg_.data_dir).detect_cache();
  // Detection's records (alerts) are written through the store's own path and never come
  // back to detection (docs/architecture.md).
  auto emit = [p = pipeline_.get()](std::vector<Event>&& evs) { return p->try_store_records(std::move(evs)); };
  auto d = alert::Detector::create(cfg_.detection, *alerts_, *outputs_, emit);
  if (!d) return Error{d.error()};
  detector_ = std::move(d.value());
  // Events stored but never examined (a kill, an import while the center was down): a second
  // detector examines them in the background while live detection starts at once; progress
  // is in /api/v1/metrics (detect_backlog_total / _done).
  uint64_t end = writer_->next_ref();
  auto cur = alerts_->cursor();
  if (cur && cur->has_value() && **cur < end) {
    detector_->start_live_at(end);
    backlog_detector_ = detector_->sibling(emit);
    backlog_ = std::make_unique<Backlog>();
    backlog_->end = end;
    backlog_->progress.running = true;
  } else {
    auto caught = detector_->catch_up(cfg_.data_dir, end);  // first start: the cursor is set to the store's end
    if (!caught) spdlog::error("{}", caught.error());
  }
  alert::Detector* det = detector_.get();
  pipeline_->set_observer([det](const std::vector<Event>& evs, size_t n, const std::vector<uint64_t>& refs) { det->process(evs, n, refs); },
                          cfg_.detection_queue_mib << 20);
  return {};
}

void Center::raise_recovery_alerts() {
  // What the store's start found: damage is an error and an alert, never only a log line.
  const auto& rec = writer_->recovery();
  for (const auto& c : rec.cut) spdlog::warn("store recovery: {}", c);
  for (const auto& d : rec.damage) spdlog::error("STORE DAMAGE: {}", d);
  if (!alerts_) return;
  if (!rec.damage.empty()) {
    std::string list;
    for (size_t i = 0; i < rec.damage.size() && i < 10; i++) list += "\n" + rec.damage[i];
    alert::raise_center_alert(
        *alerts_, *outputs_,
        {"wardsec.center.store_damaged", "事件存储数据损坏 / Event store data damaged", "critical",
         "启动时发现 " + std::to_string(rec.damage.size()) +
             " 处存储数据损坏或被改动；数据原样保留，副本在 quarantine 目录，请运行 wardsec verify。 / "
             "The start found damaged or altered store data; it is kept as it is, copies are in quarantine/; run wardsec verify." +
             list});
  }
  if (!rec.cut.empty())
    alert::raise_center_alert(
        *alerts_, *outputs_,
        {"wardsec.center.crash_recovered", "异常停止后已恢复 / Recovered after an unclean stop", "low",
         "上次运行未正常停止；启动时已恢复（残缺写入已截除并存入 quarantine 目录，已确认的事件已从提交日志补入），"
         "详见服务器日志与 wardsec verify。 / The last run did not stop cleanly; the start recovered (partial writes cut and "
         "kept in quarantine/, acknowledged events restored from the commit log): see the server log and wardsec verify.\n" +
             rec.cut.front()});
}

std::string Center::metrics_json() const {
  std::string m;
  if (incident_)
    m += "\"incident_notifications_sent\":" + std::to_string(incident_->sent.load()) +
         ",\"incident_notifications_failed\":" + std::to_string(incident_->failed.load()) +
         ",\"incidents_auto_opened\":" + std::to_string(incident_->auto_opened.load()) +
         ",\"incident_auto_open_dropped\":" + std::to_string(incident_->auto_dropped.load()) + ",";
  if (detector_) {
    const auto& d = detector_->stats();
    const auto& c = detector_->correlator().stats();
    const alert::Detector::Progress* bp = backlog_ ? &backlog_->progress : nullptr;
    m += "\"detect_events\":" + std::to_string(d.events.load()) + ",\"rule_matches\":" + std::to_string(d.rule_matches.load()) +
         ",\"correlation_hits\":" + std::to_string(d.correlation_hits.load()) +
         ",\"alerts_created\":" + std::to_string(d.alerts_created.load()) + ",\"alerts_merged\":" + std::to_string(d.alerts_merged.load()) +
         ",\"alerts_suppressed\":" + std::to_string(d.alerts_suppressed.load()) +
         ",\"alert_errors\":" + std::to_string(d.alert_errors.load()) + ",\"correlation_groups\":" + std::to_string(c.groups) +
         ",\"correlation_groups_evicted\":" + std::to_string(c.groups_evicted) +
         ",\"detect_backlog_total\":" + std::to_string(bp ? bp->total.load() : 0) +
         ",\"detect_backlog_done\":" + std::to_string(bp ? bp->done.load() : 0) +
         ",\"detect_backlog_running\":" + (bp && bp->running ? "true" : "false") + ",";
  }
  if (health_) m += health_->disk->metrics_json() + "," + health_->scrub->metrics_json() + ",";
  if (outputs_) {
    const auto& o = outputs_->stats();
    m += "\"outputs_sent_syslog\":" + std::to_string(o.sent_syslog.load()) +
         ",\"outputs_sent_webhook\":" + std::to_string(o.sent_webhook.load()) +
         ",\"outputs_sent_mail\":" + std::to_string(o.sent_mail.load()) + ",\"outputs_failed\":" + std::to_string(o.failed.load()) +
         ",\"outputs_dropped\":" + std::to_string(o.dropped.load()) + ",";
  }
  if (inputs_) m += inputs_->metrics_json() + ",";
  if (!m.empty()) m.pop_back();
  return m;
}

Status Center::start() {
  started_ = true;
  if (backlog_) {
    backlog_->thread = std::thread([this] {
      pthread_setname_np(pthread_self(), "ws-backlog");
      auto n = backlog_detector_->catch_up(cfg_.data_dir, backlog_->end, UINT64_MAX, &backlog_->progress, &stop_);
      if (!n)
        spdlog::error("{}", n.error());
      else if (!stop_) {
        spdlog::info("detection: the backlog is examined ({} events)", *n);
        detector_->release_cursor();
      }
      backlog_->progress.running = false;
    });
  }
  if (outputs_) outputs_->start();
  if (incident_) incident_->start();
  raise_recovery_alerts();
  if (health_) {
    health_->disk->start();
    health_->scrub->start();
    health_->sources->start();
    health_->probes->start();
    health_->configs->start();
    health_->export_timer.start(30 * kSec, 60 * kSec, [h = health_.get()] {
      (void)h->exports->tick(now_ns());
      (void)h->duties->tick(now_ns());
      h->discovery->tick(now_ns());
    });
  }
  pipeline_->start();
  if (parts_.capture && cfg_.dbaudit_enabled) {
    auto policy = load_dbaudit_policy(cfg_);
    if (!policy) return Error{policy.error()};
    feeders_.push_back(start_dbaudit_capture(cfg_, *policy, *pipeline_, stop_));
  }
  if (!net_) return {};
  Status s = inputs_->start();
  if (s) s = http_->start();
  if (s && channel_) s = channel_->start();
  if (s && ssh_) {
    bastion_->set_auth(http_->auth());
    // An account disabled, changed or reset in the console loses its bastion sessions at once.
    http_->auth()->on_access_removed([b = bastion_.get()](const std::string& user) {
      b->live().end_user(user, "system", "账号已停用或变更 / the account was disabled or changed");
    });
    s = ssh_->start();
  }
  return s;
}

void Center::add_feeder(std::function<void(ingest::Pipeline&, const std::atomic<bool>& stop)> feed) {
  feeders_.emplace_back([this, feed = std::move(feed)] { feed(*pipeline_, stop_); });
}

void Center::run() {
  if (!net_) return;
  net_->signals = std::make_unique<boost::asio::signal_set>(net_->io, SIGINT, SIGTERM);
  net_->signals->async_wait([this](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    spdlog::info("signal {}: stopping (draining queued events)", sig);
    stop_ = true;
    inputs_->stop();
    http_->stop();
    if (channel_) channel_->stop();
    net_->io.stop();
  });
  net_->settings = std::make_unique<SettingsWatch>(net_->io, *pipeline_, cfg_.path, cfg_.data_dir);
  net_->settings->start();
  net_->io.run();
  stop();
}

void Center::stop() {
  if (stopped_) return;
  stopped_ = true;
  stop_ = true;
  if (ssh_) ssh_->stop();  // sessions end (recordings closed, end events stored) while the pipeline runs
  if (net_ && !net_->io.stopped()) {
    if (inputs_) inputs_->stop();
    if (http_) http_->stop();
    if (channel_) channel_->stop();
    net_->io.stop();
  }
  for (auto& t : feeders_)
    if (t.joinable()) t.join();
  if (backlog_ && backlog_->thread.joinable()) backlog_->thread.join();  // its cursor keeps its place
  if (!started_) return;
  if (incident_) incident_->stop();  // before the pipeline: it records into the store
  if (health_) {                     // before the pipeline: their results go into the store
    health_->probes->stop();
    health_->configs->stop();
    health_->export_timer.stop();
  }
  pipeline_->stop();
  if (health_) {
    health_->disk->stop();
    health_->scrub->stop();
    health_->sources->stop();
  }
  if (detector_) detector_->save_cursor();
  if (outputs_) outputs_->stop();
}

Center::~Center() { stop(); }

std::shared_ptr<ops::SourceHealth> Center::source_health() const {
  return health_ && health_->sources ? health_->sources->health() : nullptr;
}

}  // namespace wardsec::center
