#include "server/rule_guide.h"

#include <fstream>

#include <spdlog/spdlog.h>

#include "core/strutil.h"

namespace wardsec::server {

namespace {

std::string upper(std::string s) {
  for (char& c : s)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
  return s;
}

nlohmann::json text_json(const detect::RuleText& t) {
  return {
      {"title", t.title}, {"description", t.description}, {"falsepositives", t.falsepositives}, {"check", t.check}, {"respond", t.respond}};
}

template <class R>
nlohmann::json texts(const RuleGuide& g, const R& r, const std::string& kind, bool standalone) {
  nlohmann::json tags = nlohmann::json::array();
  for (const auto& t : r.tags) tags.push_back(g.tag(t));
  return {{"id", r.id.empty() ? r.title : r.id},
          {"name", r.name},
          {"level", r.level},
          {"kind", kind},
          {"standalone", standalone},
          {"file", r.file},
          {"en", text_json(r.en)},
          {"zh", text_json(r.zh)},
          {"tags", tags}};
}

// The center's own alerts (no rule file raises them): what they mean and what to do, in both
// languages, as a rule's texts are.
struct CenterRule {
  const char* id;
  const char* level;
  detect::RuleText zh, en;
  std::vector<std::string> tags;
};

const std::vector<CenterRule>& center_rules() {
  static const std::vector<std::string> kAudit = {"mlps.l3-abs1-16", "mlps.l3-ces1-12", "mlps.l3-smc1-09", "mlps.l3-smc1-10"};
  static const std::vector<CenterRule> rules = {
      {"wardsec.ops.source_silent",
       "medium",
       {"日志源静默",
        "该日志源已超过其静默阈值（其近期最长间隔的两倍，至少 30 "
        "分钟）未发送日志。设备的审计日志未送达审计中心，等保要求的审计覆盖出现缺口。",
        {"设备计划内停机、下线或维护", "业务低谷期本就很少产生日志的设备"},
        {"设备是否在线、是否重启过", "设备的 syslog 配置是否仍指向本中心（地址、端口、协议）", "中间的防火墙、ACL 或日志中继是否阻断",
         "日志源页该来源的「近 24 小时」曲线从何时中断"},
        {"恢复设备的日志发送；日志恢复后本告警由中心自动关闭", "计划内下线的设备：关闭告警并在资产中注明",
         "无法解释的中断按可能的入侵（清除或关闭审计）处理"}},
       {"Log source silent",
        "The source has sent nothing for longer than its limit (twice its longest recent pause, 30 minutes at least): its audit logs no "
        "longer reach the center, a gap in the audit coverage MLPS asks for.",
        {"Planned downtime, decommissioning or maintenance", "A device that logs little at quiet hours"},
        {"Is the device up; did it restart", "Does its syslog configuration still point here (address, port, protocol)",
         "Does a firewall, ACL or log relay on the way block it", "When its 24-hour curve on the log sources page stopped"},
        {"Restore its logging; the center closes this alert when lines arrive again",
         "A device taken out of service: close the alert and note it on the asset",
         "An interruption nobody can explain: treat it as possible tampering (audit cleared or stopped)"}},
       kAudit},
      {"wardsec.ops.source_abnormal",
       "medium",
       {"日志源流量异常",
        "该日志源上一小时的日志量为前 24 小时中位数的 10 倍以上（突增）或不足十分之一（骤降）。",
        {"业务高峰、批处理、设备日志级别调整", "部分日志类型被关闭"},
        {"突增：是否有扫描、暴力破解或故障刷屏（看该来源的告警与检索）", "骤降：设备的日志级别或发送配置是否被修改，谁在何时修改"},
        {"确认原因并记录；由攻击引起的按对应告警处置", "配置被擅自修改的，恢复配置并追查变更人"}},
       {"Log source volume abnormal",
        "The source's last hour had over 10 times the median of the 24 before it (a flood) or under a tenth of it (a drop).",
        {"Business peaks, batch jobs, a changed log level", "Some log types switched off"},
        {"A flood: scanning, brute force or a failure repeating (its alerts and lines)",
         "A drop: was its log level or forwarding changed, by whom and when"},
        {"Find and record the cause; one an attack caused is handled under that alert",
         "A configuration changed without approval: restore it and find who changed it"}},
       kAudit},
      {"wardsec.ops.sources_many",
       "high",
       {"大量日志源同时静默或异常",
        "十个以上日志源在同一次判断中转为静默或异常。",
        {"日志中继、汇聚交换机或链路故障", "本中心的接收端口或证书变更"},
        {"这些来源共同经过的中继、链路或防火墙", "本中心「系统状态」的接收与丢弃计数",
         "是否有发送方伪造大量主机名（日志源页新出现的大量来源）"},
        {"修复共同的故障点；伪造来源的，在边界阻断该发送方并保全其日志"}},
       {"Many log sources silent or abnormal at once",
        "More than ten sources turned silent or abnormal in the same judgement.",
        {"A log relay, an aggregation switch or a link down", "The center's input port or certificate changed"},
        {"The relay, link or firewall these sources share", "Intake and drops on the center's system status page",
         "A sender inventing host names (many new sources on the log sources page)"},
        {"Fix the shared fault; a sender forging sources is blocked at the boundary and its lines kept"}},
       kAudit},
      {"wardsec.ops.asset_no_logs",
       "low",
       {"登记资产从未发送日志",
        "资产清单中登记的设备，自本中心开始监测以来未收到其任何日志，其审计不在中心覆盖范围内。",
        {"不产生日志的设备（配线架、终端）", "日志经其他主机名或地址转发"},
        {"该设备是否支持并已配置 syslog 或 Agent", "其日志是否以其他主机名出现在日志源页"},
        {"配置其日志发送到本中心", "确实不产生日志的设备：在资产中注明并关闭告警"}},
       {"Registered asset never sent a log",
        "An inventory asset from which no line has come since the center began watching: its audit is outside the center's coverage.",
        {"A device that makes no logs (patch panel, terminal)", "Its logs arrive under another host name or address"},
        {"Can it send syslog or run an agent, and is it configured to", "Do its lines show under another name on the log sources page"},
        {"Have it send its logs here", "A device that makes no logs: note it on the asset and close the alert"}},
       kAudit},
      {"wardsec.center.disk_low",
       "high",
       {"存储空间不足",
        "按近期写入速度，本中心存储所在磁盘的剩余空间将在告警所示天数内用尽；用尽后无法接收日志。",
        {"一次性的大批量导入使增速暂时偏高"},
        {"磁盘剩余空间与日增量（系统状态页）", "是否有来源日志量突增"},
        {"扩容磁盘或迁移数据目录", "在不低于 180 天的前提下调整保留期"}},
       {"Disk space running out",
        "At the recent rate of writing, the store's disk fills within the days shown; then no log can be kept.",
        {"A one-off bulk import made the growth look faster"},
        {"Free space and daily growth (system status page)", "A source whose volume jumped"},
        {"Add disk or move the data folder", "Adjust retention, keeping 180 days at least"}},
       {"mlps.l3-ces1-14", "mlps.l3-abs1-18"}},
      {"wardsec.center.store_damaged",
       "critical",
       {"事件存储数据损坏",
        "存储的摘要链或签名校验失败：数据被改动或损坏。数据原样保留，副本在 quarantine 目录。",
        {"无：仅在数据确实被改动或损坏时触发"},
        {"运行 wardsec verify，看它指出的段和块", "服务器日志中的 STORE DAMAGE 行", "磁盘错误（dmesg、SMART）"},
        {"保全 quarantine 目录和数据目录副本", "按事件处置流程上报；从见证副本或备份恢复"}},
       {"Event store data damaged",
        "A digest chain or signature check failed: data was changed or damaged. It is kept as it is; copies are in quarantine/.",
        {"None: it fires only when data really changed or was damaged"},
        {"Run wardsec verify and see the segments and blocks it names", "STORE DAMAGE lines in the server log",
         "Disk errors (dmesg, SMART)"},
        {"Keep quarantine/ and a copy of the data folder", "Report it as an incident; restore from a witness copy or a backup"}},
       {"mlps.l3-ces1-14", "mlps.l3-smc1-10"}},
      {"wardsec.ops.new_device",
       "low",
       {"新设备接入（未登记）",
        "一个此前从未出现、也不在资产清单中的设备开始向本中心发送日志。等保要求掌握接入网络的每台设备；未登记的设备可能是新上线未走流程的，"
        "也可能是私接或非法设备。",
        {"新上线的服务器或网络设备，尚未登记", "设备改了主机名（旧名称的资产仍在）"},
        {"该设备的地址所在区域与交换机端口", "它发送的日志内容（日志源页：打开其日志）", "变更记录或工单中是否有它"},
        {"授权设备：在日志源页点「登记为资产」", "不明设备：按可能的非法接入处置（定位端口、隔离、上报）"}},
       {"New device (not registered)",
        "A device never seen before, and not in the inventory, began to send logs here. MLPS asks that every device on the network "
        "is known; an unregistered one may be new and not yet recorded, or rogue.",
        {"A new server or network device not yet registered", "A device that changed its host name (the old asset remains)"},
        {"Its address's zone and switch port", "What it logs (log sources page: open its lines)", "Whether a change or ticket names it"},
        {"An authorised device: 登记为资产 on the log sources page",
         "An unknown one: handle it as possible rogue access (find the port, isolate, report)"}},
       {"mlps.l3-smc1-09", "mlps.l3-abs1-16"}},
      {"wardsec.ops.new_devices",
       "medium",
       {"大量新设备接入",
        "同一轮判断中超过十个此前未见、未登记的来源开始发送日志。",
        {"新部署一批终端或设备", "有发送方伪造大量主机名"},
        {"这些来源的地址是否集中在某个区域或网段", "是否有对应的部署计划"},
        {"授权的：批量导入资产清单", "不明的：按可能的非法接入或日志伪造处置"}},
       {"Many new devices",
        "More than ten unregistered sources never seen before began to send logs in one round.",
        {"A batch of new terminals or devices deployed", "A sender inventing host names"},
        {"Whether their addresses share a zone or subnet", "Whether a deployment plan names them"},
        {"Authorised: import them into the inventory", "Unknown: handle as possible rogue access or forged logs"}},
       {"mlps.l3-smc1-09"}},
      {"wardsec.ops.probe_down",
       "high",
       {"业务系统或设备不可用",
        "对该业务系统或设备的探测（ICMP、端口、网页、DNS、数据库握手或 "
        "SNMP）连续失败，已判定中断；中断时间自第一次失败算起，计入该系统的可用性。",
        {"计划内停机或维护窗口", "探测配置有误（地址、端口、证书、期望内容）", "本中心到目标之间的网络或防火墙策略变更"},
        {"运行状态页该探测的错误信息与响应时间曲线", "同一系统、同一区域的其他探测是否也中断（链路还是单机）",
         "目标主机的服务进程、系统日志与资源（CPU、内存、磁盘）", "最近的配置变更与堡垒机会话"},
        {"按应急预案恢复业务；恢复后本告警由中心自动关闭并记录中断时长", "计划内停机：在探测中暂时停用或关闭告警并注明",
         "影响较大的中断按事件处置流程定级上报"}},
       {"System or device unavailable",
        "The probes of this system or device (ICMP, port, web page, DNS, database handshake or SNMP) failed in a row: it is counted as "
        "down "
        "from the first failure, in its system's availability.",
        {"Planned downtime or a maintenance window", "A wrong probe (address, port, certificate, expected text)",
         "A network or firewall change between the center and the target"},
        {"The probe's error and response times on the operations page", "Whether other probes of the same system or zone are down too",
         "The target's service, system log and resources", "Recent configuration changes and bastion sessions"},
        {"Restore the service following the emergency plan; the center closes this alert on recovery and records the outage",
         "Planned downtime: disable the probe for it, or close the alert with a note",
         "A major outage: grade and report it as an incident"}},
       {"mlps.l3-smc1-09"}},
      {"wardsec.ops.probe_slow",
       "medium",
       {"业务系统响应缓慢",
        "该探测的响应时间连续超过设定的阈值：业务仍可用，但医生、护士与患者会感到明显变慢。",
        {"业务高峰（门诊开诊、交班）", "备份、统计报表等批量任务", "阈值设得过低"},
        {"运行状态页的响应时间曲线与同系统其他探测", "目标服务器的负载与数据库慢查询", "网络链路利用率（SNMP 接口流量）"},
        {"找出并处理资源瓶颈；恢复正常后本告警自动关闭", "长期如此的：调整阈值或扩容"}},
       {"System responding slowly",
        "The probe's response times stayed over the threshold: the system works, but clinicians and patients feel it.",
        {"Peak hours (clinics opening, shift changes)", "Backups, statistics and other batch jobs", "A threshold set too low"},
        {"The response-time curve and the system's other probes", "The server's load and the database's slow queries",
         "Link utilisation (SNMP interface traffic)"},
        {"Find and fix the bottleneck; the alert closes when times are back to normal",
         "If it is the new normal: raise the threshold or add capacity"}},
       {"mlps.l3-smc1-09"}},
      {"wardsec.ops.cert_expiring",
       "medium",
       {"网站证书即将过期",
        "HTTPS 探测读到的服务器证书将在设定天数内过期（或已过期）：过期后浏览器与接口调用方会拒绝连接。",
        {"证书已续期但尚未部署到该服务器"},
        {"证书的到期时间与签发机构", "同一证书是否还部署在其他服务器、负载均衡或 WAF 上"},
        {"续期并部署新证书；探测读到新证书后本告警自动关闭"}},
       {"Web certificate expiring",
        "The certificate the HTTPS probe read expires within the days set (or has expired): then browsers and API clients refuse the "
        "connection.",
        {"The certificate was renewed but not yet deployed on this server"},
        {"Its expiry and issuer", "Whether the same certificate is on other servers, load balancers or the WAF"},
        {"Renew and deploy it; the alert closes when the probe reads the new certificate"}},
       {"mlps.l3-smc1-09"}},
      {"wardsec.ops.export_failed",
       "high",
       {"每日日志导出失败",
        "本中心未能导出前一日关键设备的日志：导出目录无法写入，或存储无法读取。每日导出并留档是信息科的日常职责，导出缺失即留档缺失。",
        {"导出目录所在的备份共享未挂载或已满"},
        {"告警中的错误信息与导出目录", "磁盘空间与挂载（系统状态页）", "服务器日志中的 daily export 行"},
        {"修复目录或空间后，中心在下一分钟自动补导出；也可运行 wardsec ops export --day YYYY-MM-DD"}},
       {"Daily log export failed",
        "The center could not export the key devices' logs of the previous day: the export folder cannot be written, or the store "
        "cannot be read. The daily export is a duty of the information department; a missing export is a missing record.",
        {"The backup share holding the export folder is not mounted, or full"},
        {"The error in the alert and the export folder", "Disk space and mounts (system status page)",
         "The daily export lines in the server log"},
        {"Once the folder or space is fixed the center exports the day within a minute; or run wardsec ops export --day YYYY-MM-DD"}},
       {"mlps.l3-smc1-10", "mlps.l3-ces1-14"}},
      {"wardsec.ops.config_unplanned",
       "medium",
       {"网络设备配置变更未在变更单或变更窗口内",
        "本中心保存的该设备运行配置发生了变化，而变更发生时没有覆盖该设备的变更单，也不在安全管理员设定的变更窗口内。设备日志未记录变更人的"
        "（"
        "只在定时或手动获取时发现），告警为高级：可能有人绕开日志与堡垒机直接改动了设备。",
        {"计划内变更但未事先登记变更单", "厂商工程师现场维护", "设备自动保存或升级改写了配置"},
        {"配置变更页该版本的差异、变更人、来源地址与命令", "同一时间堡垒机上对该设备的会话与录像", "变更人是否有对应的工单或审批"},
        {"确认为授权变更的：补充说明后关闭告警，今后事先登记变更单", "未授权的：按差异回退配置，追查账号，按事件处置流程上报"}},
       {"Device configuration changed outside a ticket or window",
        "The running configuration the center keeps for this device changed while no change ticket covered the device and outside the "
        "change windows the security administrator set. When no log line of the device named who changed it (found by a scheduled or "
        "manual fetch), the alert is high: someone may have changed the device around its log and the bastion.",
        {"A planned change whose ticket was not filed beforehand", "A vendor engineer's maintenance on site",
         "An automatic save or an upgrade rewrote the configuration"},
        {"The version's diff, who, from where and which commands on the configuration page",
         "The bastion's sessions and recordings on the device at the time", "Whether a work order or approval names the change"},
        {"Authorised: note it and close the alert; file the ticket beforehand next time",
         "Unauthorised: roll the configuration back from the diff, trace the account, report it as an incident"}},
       {"mlps.l3-smc1-09"}},
      {"wardsec.ops.config_fetch_failed",
       "low",
       {"网络设备配置获取失败",
        "本中心未能通过 SSH 获取该设备的运行配置：连接不上、凭据被拒、命令被拒，或设备的主机密钥已改变（可能遭中间人攻击，已拒绝连接）。"
        "获取失败期间配置变更无法被记录。",
        {"设备不可达或 SSH 未开启", "堡垒机中的主机账号密码已改", "设备更换或重装后主机密钥改变"},
        {"告警与配置变更页中的错误信息", "设备的 SSH 配置与账号", "主机密钥改变的：与设备管理员核对新指纹"},
        {"修复后中心在一小时内重试，成功后自动关闭本告警", "确认新主机密钥无误后，从 known_hosts 中删除旧密钥"}},
       {"Device configuration cannot be fetched",
        "The center could not fetch this device's running configuration over SSH: no connection, the credential or the command "
        "refused, or the device's host key changed (a man in the middle? the connection was refused). Changes are not recorded while "
        "fetches fail.",
        {"The device is unreachable or SSH is off", "The host account's password changed on the device",
         "The device was replaced or reinstalled: a new host key"},
        {"The error in the alert and on the configuration page", "The device's SSH settings and account",
         "A changed host key: check the new fingerprint with the device's administrator"},
        {"Once fixed, the center retries within the hour and closes this alert",
         "Once the new host key is confirmed, remove the old one from known_hosts"}},
       {"mlps.l3-smc1-09"}},
      {"wardsec.ops.backup_failed",
       "high",
       {"数据备份失败或未按时完成",
        "每日数据自我检测发现：该备份在检测日有失败记录且其后没有成功，或在设定的时间内没有任何成功记录。备份缺失时，数据损坏或勒索加密将无"
        "法恢复。",
        {"备份目标空间不足或未挂载", "数据库连接中断、账号口令变更", "备份任务被停用或改了时间"},
        {"告警中的失败日志行与数据自检结果", "备份服务器的空间与挂载", "最近一次成功的备份是否可以恢复"},
        {"修复后手工补做一次备份并做恢复验证", "在系统设置的数据自检中核对该备份的成功与失败日志查询"}},
       {"A backup failed or did not run",
        "The daily data self-check found that this backup failed on the day with no success after it, or had no success within the "
        "hours set. Without backups, damaged or ransomware-encrypted data cannot be restored.",
        {"The backup target is full or not mounted", "The database connection broke or its password changed",
         "The backup job was disabled or rescheduled"},
        {"The failure line in the alert and the self-check's result", "Space and mounts on the backup server",
         "Whether the last good backup can actually be restored"},
        {"Once fixed, run a backup by hand and test a restore",
         "Check the backup's success and failure queries in the data self-check settings"}},
       {"mlps.l3-smc1-09"}},
      {"wardsec.center.crash_recovered",
       "low",
       {"异常停止后已恢复",
        "上次运行未正常停止（断电、kill -9 等），启动时已恢复：残缺写入已截除并存入 quarantine，已确认的事件已补入。",
        {"计划内的强制停止或断电演练"},
        {"服务器日志中的恢复记录", "停止的原因（系统日志、断电记录）"},
        {"确认原因；频繁发生的，检查硬件与电源"}},
       {"Recovered after an unclean stop",
        "The last run did not stop cleanly (power loss, kill -9); the start recovered: partial writes cut and kept, acknowledged events "
        "restored.",
        {"A planned forced stop or a power-loss drill"},
        {"The recovery lines in the server log", "Why it stopped (system log, power events)"},
        {"Find the cause; if it recurs, check the hardware and power"}},
       {"mlps.l3-ces1-14"}},
  };
  return rules;
}

}  // namespace

RuleGuide::RuleGuide(const detect::RuleSet* rules, const std::string& attack_file, const std::string& catalog_file) : rules_(rules) {
  std::ifstream in(attack_file);
  if (!in) spdlog::warn("ATT&CK names: cannot read {}; tags are shown by id", attack_file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || line.rfind("id\t", 0) == 0) continue;
    auto cols = split_view(line, '\t');
    if (cols.size() >= 3) attack_[to_lower(cols[0])] = {std::string(cols[1]), std::string(cols[2])};
  }
  if (catalog_file.empty()) return;
  auto cat = compliance::Catalog::load(catalog_file);
  if (cat)
    catalog_ = std::move(cat.value());
  else
    spdlog::warn("rule tags: {}; 等保 controls are shown by id", cat.error());
}

nlohmann::json RuleGuide::tag(const std::string& t) const {
  nlohmann::json j = {{"tag", t}, {"kind", "other"}, {"code", t}, {"zh", ""}, {"en", ""}};
  if (t.rfind("attack.", 0) == 0) {
    std::string id = to_lower(t.substr(7));
    j["kind"] = "attack";
    j["code"] = id.size() > 1 && id[0] == 't' && is_digit(id[1]) ? upper(id) : id;
    if (auto it = attack_.find(id); it != attack_.end()) {
      j["zh"] = it->second.first;
      j["en"] = it->second.second;
    }
  } else if (t.rfind("mlps.", 0) == 0) {
    // mlps.l3-ces1-02: a GB/T 28448 test unit; mlps.ce.ia.b: a catalog id (CE.IA.b)
    std::string c = t.substr(5);
    j["kind"] = "mlps";
    const compliance::Requirement* req = nullptr;
    if (catalog_) {
      std::string code = upper(c);
      for (const auto& r : catalog_->all())
        if ((!r.code_28448.empty() && r.code_28448 == code) || to_lower(r.id) == to_lower(c)) {
          req = &r;
          break;
        }
    }
    j["code"] = req ? (c.find('-') != std::string::npos ? req->code_28448 : req->id) : upper(c);
    if (req) {
      j["zh"] = req->category_zh + " · " + req->control_point_zh;
      j["en"] = req->control_point_en;
      j["item"] = req->id;
      j["summary"] = req->summary;
    }
  }
  return j;
}

std::optional<nlohmann::json> RuleGuide::rule(const std::string& id) const {
  for (const auto& c : center_rules()) {
    if (id != c.id) continue;
    nlohmann::json tags = nlohmann::json::array();
    for (const auto& t : c.tags) tags.push_back(tag(t));
    return nlohmann::json{{"id", c.id}, {"name", c.id},          {"level", c.level},      {"kind", "center"}, {"standalone", true},
                          {"file", ""}, {"en", text_json(c.en)}, {"zh", text_json(c.zh)}, {"tags", tags}};
  }
  if (!rules_) return std::nullopt;
  for (const auto& lr : rules_->rules()) {
    const auto& r = lr.rule;
    if (r.id == id || (r.id.empty() && r.title == id)) return texts(*this, r, "rule", lr.standalone);
  }
  for (const auto& lc : rules_->correlations()) {
    const auto& c = lc.corr;
    if (c.id == id || (c.id.empty() && c.title == id)) return texts(*this, c, detect::Correlation::type_name(c.type), lc.standalone);
  }
  return std::nullopt;
}

nlohmann::json RuleGuide::list() const {
  nlohmann::json out = nlohmann::json::array();
  if (!rules_) return out;
  auto add = [&](const auto& r, const std::string& kind) {
    out.push_back(
        {{"id", r.id.empty() ? r.title : r.id}, {"level", r.level}, {"kind", kind}, {"title", r.title}, {"title_zh", r.zh.title}});
  };
  for (const auto& lr : rules_->rules())
    if (lr.standalone) add(lr.rule, "rule");
  for (const auto& lc : rules_->correlations())
    if (lc.standalone) add(lc.corr, detect::Correlation::type_name(lc.corr.type));
  return out;
}

}  // namespace wardsec::server
