#include "ops/probe/snmp_pool.h"

// clang-format off
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
// clang-format on

#include <boost/asio/post.hpp>
#include <chrono>
#include <map>

#include "ops/probe/checks_impl.h"

namespace wardsec::ops::probe {

namespace {

std::once_flag g_init;
std::mutex g_v3;  // net-snmp keeps v3 users and engine ids in process-wide lists

void init_netsnmp() {
  std::call_once(g_init, [] {
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_QUICK_PRINT, 1);
    snmp_disable_log();
    init_snmp("wardsec-probe");
  });
}

struct Oid {
  oid v[MAX_OID_LEN];
  size_t n = 0;
};
Oid make(std::initializer_list<oid> base, long index = -1) {
  Oid o;
  for (oid x : base) o.v[o.n++] = x;
  if (index >= 0) o.v[o.n++] = static_cast<oid>(index);
  return o;
}

const std::initializer_list<oid> kSysUpTime = {1, 3, 6, 1, 2, 1, 1, 3, 0}, kSysName = {1, 3, 6, 1, 2, 1, 1, 5, 0},
                                 kIfOper = {1, 3, 6, 1, 2, 1, 2, 2, 1, 8}, kIfName = {1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 1},
                                 kIfIn = {1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 6}, kIfOut = {1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 10};

bool same(const netsnmp_variable_list* v, const Oid& o) { return netsnmp_oid_equals(v->name, v->name_length, o.v, o.n) == 0; }

std::string text(const netsnmp_variable_list* v) {
  if (v->type != ASN_OCTET_STR || !v->val.string) return {};
  return std::string(reinterpret_cast<const char*>(v->val.string), std::min<size_t>(v->val_len, 255));
}

// The subtree under `root` with GETBULK, appended to `out` (at most `max` variables in all,
// until `deadline`); an error names what failed. A device answering with an OID not after the
// one asked ends the walk as an error (it would loop).
std::string walk(void* sp, const std::vector<uint32_t>& root, size_t max, std::chrono::steady_clock::time_point deadline,
                 std::vector<VarBind>& out) {
  Oid cur;
  for (uint32_t x : root) cur.v[cur.n++] = x;
  const Oid base = cur;
  while (out.size() < max) {
    if (std::chrono::steady_clock::now() > deadline) return "took too long";
    netsnmp_pdu* pdu = snmp_pdu_create(SNMP_MSG_GETBULK);
    pdu->non_repeaters = 0;
    pdu->max_repetitions = 32;
    snmp_add_null_var(pdu, cur.v, cur.n);
    netsnmp_pdu* resp = nullptr;
    int st = snmp_sess_synch_response(sp, pdu, &resp);
    if (st != STAT_SUCCESS || !resp) {
      if (resp) snmp_free_pdu(resp);
      return st == STAT_TIMEOUT ? "timeout" : "request failed";
    }
    std::unique_ptr<netsnmp_pdu, decltype(&snmp_free_pdu)> hold(resp, &snmp_free_pdu);
    if (resp->errstat != SNMP_ERR_NOERROR) return snmp_errstring(static_cast<int>(resp->errstat));
    if (!resp->variables) return {};
    for (auto* v = resp->variables; v; v = v->next_variable) {
      if (v->type == SNMP_ENDOFMIBVIEW || v->type == SNMP_NOSUCHOBJECT || v->type == SNMP_NOSUCHINSTANCE ||
          netsnmp_oid_is_subtree(base.v, base.n, v->name, v->name_length) != 0)
        return {};
      if (snmp_oid_compare(v->name, v->name_length, cur.v, cur.n) <= 0) return "OID not increasing";
      VarBind b;
      b.oid.assign(v->name, v->name + v->name_length);
      if (v->type == ASN_INTEGER && v->val.integer) {
        b.type = VarBind::kInteger;
        b.num = *v->val.integer;
      } else if (v->type == ASN_OCTET_STR && v->val.string) {
        b.type = VarBind::kOctets;
        b.bytes.assign(reinterpret_cast<const char*>(v->val.string), std::min<size_t>(v->val_len, 255));
      }
      out.push_back(std::move(b));
      cur.n = std::min<size_t>(v->name_length, MAX_OID_LEN);
      std::copy(v->name, v->name + cur.n, cur.v);
      if (out.size() >= max) return "more than " + std::to_string(max) + " variables";
    }
  }
  return {};
}

// The device's LLDP and CDP neighbours into `o` (a table the device does not have is empty),
// within four of the probe's timeouts (at least 10 s): a pool thread is not held longer.
void read_neighbours(void* sp, const Spec& s, Outcome& o) {
  std::vector<VarBind> vars;
  std::string err;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max(10000, 4 * s.timeout_ms));
  for (const auto& root : neighbour_tables())
    if (auto e = walk(sp, root, 20000, deadline, vars); !e.empty()) {
      err = e;
      break;
    }
  o.neighbours = neighbours_from(vars);
  o.neighbours_read = err.empty();
  o.detail += (o.detail.empty() ? "" : "; ") + (err.empty() ? "LLDP/CDP 邻居 " + std::to_string(o.neighbours.size()) + " / " +
                                                                  std::to_string(o.neighbours.size()) + " neighbours"
                                                            : "LLDP/CDP 邻居表读取失败 / reading the neighbour tables failed: " + err);
}

// The v3 protocol OIDs and keys of a session from the probe's names and passwords.
std::string set_v3(netsnmp_session& ss, const Spec& s) {
  ss.securityName = const_cast<char*>(s.snmp_user.c_str());
  ss.securityNameLen = s.snmp_user.size();
  ss.securityLevel = s.priv_pass.empty() ? SNMP_SEC_LEVEL_AUTHNOPRIV : SNMP_SEC_LEVEL_AUTHPRIV;
  static const std::map<std::string, std::pair<const oid*, size_t>> auths = {
      {"MD5", {usmHMACMD5AuthProtocol, USM_AUTH_PROTO_MD5_LEN}},
      {"SHA", {usmHMACSHA1AuthProtocol, USM_AUTH_PROTO_SHA_LEN}},
      {"SHA-224", {usmHMAC128SHA224AuthProtocol, OID_LENGTH(usmHMAC128SHA224AuthProtocol)}},
      {"SHA-256", {usmHMAC192SHA256AuthProtocol, OID_LENGTH(usmHMAC192SHA256AuthProtocol)}},
      {"SHA-384", {usmHMAC256SHA384AuthProtocol, OID_LENGTH(usmHMAC256SHA384AuthProtocol)}},
      {"SHA-512", {usmHMAC384SHA512AuthProtocol, OID_LENGTH(usmHMAC384SHA512AuthProtocol)}}};
  auto a = auths.find(s.auth_proto);
  if (a == auths.end()) return "unknown auth protocol " + s.auth_proto;
  ss.securityAuthProto = const_cast<oid*>(a->second.first);
  ss.securityAuthProtoLen = a->second.second;
  ss.securityAuthKeyLen = USM_AUTH_KU_LEN;
  if (generate_Ku(ss.securityAuthProto, static_cast<u_int>(ss.securityAuthProtoLen), reinterpret_cast<const u_char*>(s.auth_pass.data()),
                  s.auth_pass.size(), ss.securityAuthKey, &ss.securityAuthKeyLen) != SNMPERR_SUCCESS)
    return "cannot derive the auth key";
  if (s.priv_pass.empty()) return {};
  if (s.priv_proto == "DES") {
    ss.securityPrivProto = const_cast<oid*>(usmDESPrivProtocol);
    ss.securityPrivProtoLen = USM_PRIV_PROTO_DES_LEN;
  } else {
    ss.securityPrivProto = const_cast<oid*>(usmAESPrivProtocol);
    ss.securityPrivProtoLen = USM_PRIV_PROTO_AES_LEN;
  }
  ss.securityPrivKeyLen = USM_PRIV_KU_LEN;
  if (generate_Ku(ss.securityAuthProto, static_cast<u_int>(ss.securityAuthProtoLen), reinterpret_cast<const u_char*>(s.priv_pass.data()),
                  s.priv_pass.size(), ss.securityPrivKey, &ss.securityPrivKeyLen) != SNMPERR_SUCCESS)
    return "cannot derive the privacy key";
  return {};
}

}  // namespace

Outcome snmp_get(const Spec& s) {
  init_netsnmp();
  Outcome o;
  auto t0 = std::chrono::steady_clock::now();
  bool v3 = s.snmp_version == "3";
  std::unique_lock<std::mutex> v3lock(g_v3, std::defer_lock);
  if (v3) v3lock.lock();
  netsnmp_session ss;
  snmp_sess_init(&ss);
  bool v6 = s.host.find(':') != std::string::npos;
  std::string peer = (v6 ? "udp6:[" + s.host + "]" : "udp:" + s.host) + ":" + std::to_string(s.effective_port());
  ss.peername = const_cast<char*>(peer.c_str());
  ss.timeout = static_cast<long>(s.timeout_ms) * 1000;
  ss.retries = 0;
  std::string community = s.community;
  if (v3) {
    ss.version = SNMP_VERSION_3;
    if (auto e = set_v3(ss, s); !e.empty()) {
      o.error = "SNMPv3: " + e;
      return o;
    }
  } else {
    ss.version = SNMP_VERSION_2c;
    ss.community = reinterpret_cast<u_char*>(community.data());
    ss.community_len = community.size();
  }
  void* sp = snmp_sess_open(&ss);
  if (!sp) {
    o.error = "SNMP 会话无法建立 / cannot open the SNMP session to " + peer;
    return o;
  }
  std::vector<Oid> oids = {make(kSysUpTime), make(kSysName)};
  for (int i : s.interfaces)
    for (auto base : {kIfName, kIfOper, kIfIn, kIfOut}) oids.push_back(make(base, i));
  netsnmp_pdu* pdu = snmp_pdu_create(SNMP_MSG_GET);
  for (const auto& x : oids) snmp_add_null_var(pdu, x.v, x.n);
  netsnmp_pdu* resp = nullptr;
  int st = snmp_sess_synch_response(sp, pdu, &resp);
  bool answered = false;
  if (st != STAT_SUCCESS || !resp) {
    int liberr = 0, syserr = 0;
    char* msg = nullptr;
    snmp_sess_error(sp, &liberr, &syserr, &msg);
    o.error = st == STAT_TIMEOUT
                  ? "无应答（超时 " + std::to_string(s.timeout_ms) + " ms） / no SNMP answer within " + std::to_string(s.timeout_ms) + " ms"
                  : "SNMP 请求失败 / SNMP request failed: " + std::string(msg ? msg : "?");
    free(msg);  // NOLINT: net-snmp allocates it with malloc
  } else if (resp->errstat != SNMP_ERR_NOERROR) {
    o.error = std::string("SNMP 错误 / SNMP error: ") + snmp_errstring(static_cast<int>(resp->errstat));
  } else {
    answered = true;
    std::map<int, Interface> ifs;
    for (int i : s.interfaces) ifs[i].index = i;
    std::string sysname;
    uint64_t uptime = 0;
    for (auto* v = resp->variables; v; v = v->next_variable) {
      if (v->type == SNMP_NOSUCHOBJECT || v->type == SNMP_NOSUCHINSTANCE || v->type == SNMP_ENDOFMIBVIEW) continue;
      if (same(v, make(kSysName))) sysname = text(v);
      if (same(v, make(kSysUpTime)) && v->type == ASN_TIMETICKS) uptime = *v->val.integer;
      for (auto& [i, f] : ifs) {
        if (same(v, make(kIfName, i))) f.name = text(v);
        if (same(v, make(kIfOper, i)) && v->type == ASN_INTEGER) f.oper = static_cast<int>(*v->val.integer);
        bool in = same(v, make(kIfIn, i)), out = same(v, make(kIfOut, i));
        if ((in || out) && v->type == ASN_COUNTER64) {
          uint64_t c = (static_cast<uint64_t>(v->val.counter64->high) << 32) | v->val.counter64->low;
          (in ? f.in_octets : f.out_octets) = c;
          f.counters = true;
        }
      }
    }
    o.ok = true;
    o.detail = (sysname.empty() ? "" : sysname + " ") + "uptime " + std::to_string(uptime / 100 / 86400) + "d";
    for (auto& [i, f] : ifs) {
      if (f.oper != 1) {
        std::string nm = f.name.empty() ? "ifIndex " + std::to_string(i) : f.name;
        o.ok = false;
        o.error += std::string(o.error.empty() ? "" : "; ") + "接口 " + nm + (f.oper ? " 状态 " + std::to_string(f.oper) : " 不存在") +
                   " / interface " + nm + (f.oper == 0 ? " not found" : " is not up (ifOperStatus " + std::to_string(f.oper) + ")");
      }
      o.interfaces.push_back(std::move(f));
    }
  }
  if (resp) snmp_free_pdu(resp);
  o.rtt_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  if (s.walk_neighbours && answered) read_neighbours(sp, s, o);
  snmp_sess_close(sp);
  return o;
}

SnmpPool::SnmpPool(boost::asio::io_context& io, int threads) : io_(io) {
  init_netsnmp();
  for (int i = 0; i < threads; i++) threads_.emplace_back([this] { work(); });
}

SnmpPool::~SnmpPool() { stop(); }

void SnmpPool::stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stop_) return;
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void SnmpPool::submit(const Spec& s, Done done) {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (!stop_ && q_.size() < kQueue) {
      q_.emplace_back(s, std::move(done));
      cv_.notify_one();
      return;
    }
  }
  dropped_++;
  Outcome o;
  o.error = "探测器过载：SNMP 队列已满 / prober overloaded: the SNMP queue is full";
  boost::asio::post(io_, [d = std::move(done), o = std::move(o)]() mutable { d(std::move(o)); });
}

void SnmpPool::work() {
  for (;;) {
    std::pair<Spec, Done> job;
    {
      std::unique_lock<std::mutex> l(mu_);
      cv_.wait(l, [this] { return stop_ || !q_.empty(); });
      if (stop_) return;
      job = std::move(q_.front());
      q_.pop_front();
    }
    Outcome o = snmp_get(job.first);
    boost::asio::post(io_, [d = std::move(job.second), o = std::move(o)]() mutable { d(std::move(o)); });
  }
}

void run_snmp(Checks::Impl& c, const Spec& s, Done done) {
  if (!c.snmp) {
    Outcome o;
    o.error = "SNMP 未启用 / SNMP is not enabled";
    return done(std::move(o));
  }
  c.snmp->submit(s, std::move(done));
}

}  // namespace wardsec::ops::probe
