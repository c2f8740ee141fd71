#include "cluster/nats.h"

#include <nats/nats.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <thread>

#include "core/strutil.h"
#include "core/timeutil.h"

namespace wardsec::cluster {

namespace {

std::string nats_error(std::string_view step, natsStatus s, jsErrCode jerr = static_cast<jsErrCode>(0)) {
  std::string m = std::string(step) + ": " + natsStatus_GetText(s);
  if (jerr) m += " (JetStream error " + std::to_string(static_cast<int>(jerr)) + ")";
  if (const char* last = nats_GetLastError(nullptr); last && *last) m += ": " + std::string(last);
  return m;
}

struct OptionsGuard {
  natsOptions* o = nullptr;
  ~OptionsGuard() {
    if (o) natsOptions_Destroy(o);
  }
};

}  // namespace

Result<std::unique_ptr<Nats>> Nats::connect(const NatsOptions& o) {
  OptionsGuard g;
  natsStatus s = natsOptions_Create(&g.o);
  if (s != NATS_OK) return Error{nats_error("NATS options", s)};
  std::vector<std::string> urls;
  for (auto u : split_view(o.url, ',')) {
    u = trim(u);
    if (!u.empty()) urls.emplace_back(u);
  }
  if (urls.empty()) return Error{"cluster.nats: no server address"};
  std::vector<const char*> ptrs;
  for (const auto& u : urls) ptrs.push_back(u.c_str());
  s = natsOptions_SetServers(g.o, ptrs.data(), static_cast<int>(ptrs.size()));
  if (s == NATS_OK) s = natsOptions_SetName(g.o, o.name.c_str());
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(g.o, -1);  // forever: an outage only grows the lag
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(g.o, 1000);
  if (s == NATS_OK) s = natsOptions_SetTimeout(g.o, 5000);
  if (s == NATS_OK) s = natsOptions_SetPingInterval(g.o, 5000);
  if (s == NATS_OK) s = natsOptions_SetRetryOnFailedConnect(g.o, true, nullptr, nullptr);
  if (s == NATS_OK && !o.ca_file.empty()) {
    s = natsOptions_SetSecure(g.o, true);
    if (s == NATS_OK) s = natsOptions_LoadCATrustedCertificates(g.o, o.ca_file.c_str());
  }
  if (s == NATS_OK && !o.cert_file.empty()) s = natsOptions_LoadCertificatesChain(g.o, o.cert_file.c_str(), o.key_file.c_str());
  if (s == NATS_OK && !o.creds_file.empty()) s = natsOptions_SetUserCredentialsFromFiles(g.o, o.creds_file.c_str(), nullptr);
  if (s != NATS_OK) return Error{nats_error("NATS options for " + o.url, s)};
  std::unique_ptr<Nats> n(new Nats());
  n->url_ = o.url;
  s = natsConnection_Connect(&n->nc_, g.o);
  // NATS_NOT_YET_CONNECTED: the server is not there yet; the library keeps trying.
  if (s != NATS_OK && s != NATS_NOT_YET_CONNECTED) return Error{nats_error("connecting to NATS " + o.url, s)};
  s = natsConnection_JetStream(&n->js_, n->nc_, nullptr);
  if (s != NATS_OK) return Error{nats_error("JetStream context", s)};
  return n;
}

Nats::~Nats() {
  if (js_) jsCtx_Destroy(js_);
  if (nc_) natsConnection_Destroy(nc_);
}

bool Nats::connected() const { return nc_ && natsConnection_Status(nc_) == NATS_CONN_STATUS_CONNECTED; }

int64_t Nats::max_payload() const { return nc_ ? natsConnection_GetMaxPayload(nc_) : 0; }

Status Nats::ensure_stream(int64_t duplicate_window_ns, int64_t max_bytes) {
  jsStreamInfo* si = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  std::string name(kStream);
  natsStatus s = js_GetStreamInfo(&si, js_, name.c_str(), nullptr, &jerr);
  if (s == NATS_OK) {
    jsStreamInfo_Destroy(si);
  } else if (s != NATS_NOT_FOUND) {
    return Error{nats_error("reading the stream " + name, s, jerr)};
  } else {
    jsStreamConfig cfg;
    jsStreamConfig_Init(&cfg);
    const char* subjects[] = {"wardsec.>"};
    cfg.Name = name.c_str();
    cfg.Subjects = subjects;
    cfg.SubjectsLen = 1;
    cfg.Storage = js_FileStorage;
    cfg.Duplicates = duplicate_window_ns;
    // interest: a batch leaves the stream once every consumer (the sinks' `sink`, each
    // correlator's correlate-<i>) has acknowledged it; the stream holds the backlog only, up to
    // max_bytes, after which publishers are refused (their lag grows, nothing is lost)
    cfg.Retention = js_InterestPolicy;
    cfg.MaxBytes = max_bytes;
    cfg.Discard = js_DiscardNew;
    s = js_AddStream(&si, js_, &cfg, nullptr, &jerr);
    if (s != NATS_OK) return Error{nats_error("creating the stream " + name, s, jerr)};
    jsStreamInfo_Destroy(si);
  }
  // The sinks' consumer is made with the stream, by whoever comes first: under interest
  // retention a message nobody is interested in yet would be dropped, so a region whose sinks
  // start after its collectors must not lose what was published before.
  return ensure_consumer(std::string(kSinkConsumer), "wardsec.>");
}

namespace {

void consumer_config(jsConsumerConfig& cc, const std::string& durable, const std::string& filter) {
  jsConsumerConfig_Init(&cc);
  cc.Durable = durable.c_str();
  cc.FilterSubject = filter.c_str();
  cc.AckPolicy = js_AckExplicit;
  cc.AckWait = kAckWaitNs;
  cc.MaxAckPending = kMaxAckPending;
  cc.DeliverPolicy = js_DeliverAll;
}

}  // namespace

Status Nats::ensure_consumer(const std::string& durable, const std::string& filter) {
  jsConsumerInfo* ci = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  std::string stream(kStream);
  natsStatus s = js_GetConsumerInfo(&ci, js_, stream.c_str(), durable.c_str(), nullptr, &jerr);
  if (s == NATS_OK) {
    jsConsumerInfo_Destroy(ci);
    return {};
  }
  if (s != NATS_NOT_FOUND) return Error{nats_error("reading the consumer " + durable, s, jerr)};
  jsConsumerConfig cc;
  consumer_config(cc, durable, filter);
  s = js_AddConsumer(&ci, js_, stream.c_str(), &cc, nullptr, &jerr);
  if (s != NATS_OK) return Error{nats_error("creating the consumer " + durable, s, jerr)};
  jsConsumerInfo_Destroy(ci);
  return {};
}

Result<bool> Nats::publish(const std::string& subject, std::string_view data, const std::string& msg_id, int timeout_ms) {
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MsgId = msg_id.c_str();
  po.MaxWait = timeout_ms;
  jsPubAck* pa = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_Publish(&pa, js_, subject.c_str(), data.data(), static_cast<int>(data.size()), &po, &jerr);
  if (s != NATS_OK) return Error{nats_error("publishing to " + subject, s, jerr)};
  bool stored = !pa->Duplicate;
  jsPubAck_Destroy(pa);
  return stored;
}

NatsMsg::~NatsMsg() {
  if (m_) natsMsg_Destroy(m_);
}

std::string_view NatsMsg::subject() const { return natsMsg_GetSubject(m_); }

std::string_view NatsMsg::data() const { return std::string_view(natsMsg_GetData(m_), static_cast<size_t>(natsMsg_GetDataLength(m_))); }

uint64_t NatsMsg::deliveries() const {
  jsMsgMetaData* meta = nullptr;
  if (natsMsg_GetMetaData(&meta, m_) != NATS_OK) return 0;
  uint64_t n = meta->NumDelivered;
  jsMsgMetaData_Destroy(meta);
  return n;
}

Status NatsMsg::ack() {
  natsStatus s = natsMsg_Ack(m_, nullptr);
  if (s != NATS_OK) return Error{nats_error("acknowledging a message", s)};
  return {};
}

void NatsMsg::in_progress() { natsMsg_InProgress(m_, nullptr); }

Result<std::unique_ptr<PullConsumer>> PullConsumer::open(Nats& n, const std::string& subject, const std::string& durable) {
  if (Status s = n.ensure_consumer(durable, subject); !s) return Error{s.error()};
  jsSubOptions so;
  jsSubOptions_Init(&so);
  std::string stream(kStream);
  so.Stream = stream.c_str();
  consumer_config(so.Config, durable, subject);  // the same as ensure_consumer made: it binds
  std::unique_ptr<PullConsumer> c(new PullConsumer());
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_PullSubscribe(&c->sub_, n.js(), subject.c_str(), durable.c_str(), nullptr, &so, &jerr);
  if (s != NATS_OK) return Error{nats_error("the pull consumer " + durable + " on " + subject, s, jerr)};
  return c;
}

std::unique_ptr<PullConsumer> PullConsumer::open_until(Nats& n, const std::string& subject, const std::string& durable,
                                                       const std::atomic<bool>& stop, const char* who) {
  std::string logged;
  while (!stop) {
    Status s = n.ensure_stream();
    if (s) {
      auto c = open(n, subject, durable);
      if (c) {
        spdlog::info("{}: consuming {} as {}", who, subject, durable);
        return std::move(*c);
      }
      s = Error{c.error()};
    }
    if (s.error() != logged) spdlog::warn("{}: {} (retrying)", who, s.error());
    logged = s.error();
    sleep_unless(stop, 1000);
  }
  return nullptr;
}

PullConsumer::~PullConsumer() {
  if (sub_) natsSubscription_Destroy(sub_);  // keeps the durable consumer (no Unsubscribe)
}

Result<std::vector<NatsMsg>> PullConsumer::fetch(int n, int timeout_ms) {
  natsMsgList list{};
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = natsSubscription_Fetch(&list, sub_, n, timeout_ms, &jerr);
  std::vector<NatsMsg> out;
  if (s == NATS_TIMEOUT) return out;
  if (s != NATS_OK) return Error{nats_error("fetching from the stream", s, jerr)};
  for (int i = 0; i < list.Count; i++) {
    out.emplace_back(list.Msgs[i]);
    list.Msgs[i] = nullptr;  // owned by `out` now
  }
  natsMsgList_Destroy(&list);
  return out;
}

}  // namespace wardsec::cluster
