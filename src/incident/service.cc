#include "incident/service.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sqlite3.h>

#include <chrono>
#include <ctime>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "core/sqlite.h"
#include "core/strutil.h"
#include "core/timeutil.h"

namespace wardsec::incident {

using json = nlohmann::json;

namespace {

constexpr int64_t kMinuteNs = 60LL * 1000000000LL;
constexpr int64_t kChina = 8 * 3600LL * 1000000000LL;

std::string china_time(int64_t ns) { return local_time(ns, 8 * 3600).substr(0, 16); }

std::string url_encode(std::string_view s) {
  std::string o;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
      o += static_cast<char>(c);
    else
      o += fmt::format("%{:02X}", c);
  }
  return o;
}

std::string hmac_sha256(std::string_view key, std::string_view msg) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), mac, &len);
  return std::string(reinterpret_cast<char*>(mac), len);
}

// The robots answer HTTP 200 with {"errcode": 0, ...}; anything else is a failure.
Status robot_answer(const std::string& answer) {
  json j = json::parse(answer, nullptr, false);
  if (!j.is_object() || !j.contains("errcode")) return Error{"the robot's answer is not {\"errcode\": ...}: " + answer.substr(0, 200)};
  if (j["errcode"] != 0) return Error{"the robot refused: " + j.dump().substr(0, 300)};
  return {};
}

}  // namespace

Result<std::unique_ptr<Service>> Service::open(const std::string& path, Options o, Store::Clock now) {
  if (auto st = check(o); !st) return Error{st.error()};
  std::unique_ptr<Service> s(new Service());
  auto store = Store::open(path, o.reporting, std::move(now));
  if (!store) return Error{store.error()};
  s->store_ = std::move(store.value());
  s->opt_ = std::move(o);
  if (auto st = sqlite::open(path, &s->db_,
                             {"PRAGMA synchronous=FULL",
                              "CREATE TABLE IF NOT EXISTS roster(id INTEGER PRIMARY KEY AUTOINCREMENT, starts INTEGER, ends INTEGER, "
                              "name TEXT, role TEXT, phone TEXT, mail TEXT)",
                              "CREATE TABLE IF NOT EXISTS deliveries(id INTEGER PRIMARY KEY AUTOINCREMENT, incident INTEGER, at INTEGER, "
                              "channel TEXT, what TEXT, ok INTEGER, attempts INTEGER, error TEXT)",
                              "CREATE INDEX IF NOT EXISTS deliveries_incident ON deliveries(incident)"});
      !st)
    return Error{st.error()};
  return s;
}

Service::~Service() {
  stop();
  if (db_) sqlite3_close(db_);
}

void Service::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "ws-incident");
    std::unique_lock lk(mu_);
    auto next_tick = std::chrono::steady_clock::now();
    while (!stop_) {
      while (!pending_.empty() || !announce_.empty()) {
        if (!pending_.empty()) {
          auto [a, rule] = std::move(pending_.front());
          pending_.pop_front();
          lk.unlock();
          open_for(a, *rule);
        } else {
          int64_t id = announce_.front();
          announce_.pop_front();
          lk.unlock();
          announce(id);
        }
        lk.lock();
      }
      if (std::chrono::steady_clock::now() >= next_tick) {
        lk.unlock();
        tick();
        lk.lock();
        next_tick = std::chrono::steady_clock::now() + std::chrono::seconds(opt_.tick_seconds);
      }
      cv_.wait_until(lk, next_tick, [&] { return stop_ || !pending_.empty() || !announce_.empty(); });
    }
  });
}

void Service::stop() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool Service::working_time(int64_t ns) const {
  int h1 = 8, m1 = 0, h2 = 17, m2 = 30;
  char dash;
  std::sscanf(opt_.working_hours.c_str(), "%d:%d%c%d:%d", &h1, &m1, &dash, &h2, &m2);
  int64_t local = ns + kChina;
  int64_t day = local / (86400LL * 1000000000LL);
  int wd = static_cast<int>((day + 4) % 7);  // 1970-01-01 was a Thursday; 0 Sunday
  if (wd == 0 || wd == 6) return false;
  int minute = static_cast<int>((local / kMinuteNs) % 1440);
  return minute >= h1 * 60 + m1 && minute < h2 * 60 + m2;
}

std::string Service::message(const Due& d) const {
  const Obligation& o = d.obligation;
  int64_t left = (o.deadline - store_->now()) / kMinuteNs;
  std::string what = o.kind == "summary" ? "总结报告" : "事件报告";
  std::string what_en = o.kind == "summary" ? "summary report" : "report";
  std::string link = opt_.console_url.empty() ? "" : "\n" + opt_.console_url + "/#/incidents/" + std::to_string(o.incident);
  if (d.missed)
    return fmt::format(
        "【逾期】{}事件 #{}「{}」（{}）未在 {} 前向{}提交{}（{}）。请立即报告，并记录报告方式。\n"
        "[OVERDUE] Incident #{} ({}): the {} to {} was due at {} (China time) and is not recorded as made.{}",
        opt_.organization.empty() ? "" : opt_.organization + "：", o.incident, d.incident_title, grade_zh(d.grade), china_time(o.deadline),
        o.body.name_zh, what, o.body.basis, o.incident, grade_name(d.grade), what_en,
        o.body.name_en.empty() ? o.body.name_zh : o.body.name_en, china_time(o.deadline), link);
  return fmt::format(
      "【应急响应提醒】{}事件 #{}「{}」（{}）须在 {} 前向{}提交{}（{}），剩余 {} 分钟。{}\n"
      "[Reminder] Incident #{} ({}): the {} to {} is due at {} (China time), {} minutes left.{}",
      opt_.organization.empty() ? "" : opt_.organization + "：", o.incident, d.incident_title, grade_zh(d.grade), china_time(o.deadline),
      o.body.name_zh, what, o.body.basis, left, o.body.contact.empty() ? "" : "联系方式：" + o.body.contact + "。", o.incident,
      grade_name(d.grade), what_en, o.body.name_en.empty() ? o.body.name_zh : o.body.name_en, china_time(o.deadline), left, link);
}

std::string Service::wecom_json(const std::string& text, const std::vector<std::string>& mobiles) {
  json j{{"msgtype", "text"}, {"text", {{"content", text}}}};
  if (!mobiles.empty()) j["text"]["mentioned_mobile_list"] = mobiles;
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string Service::dingtalk_json(const std::string& text, const std::vector<std::string>& mobiles) {
  // DingTalk shows an @ only when the number is also in the text.
  std::string content = text;
  for (const auto& m : mobiles) content += " @" + m;
  json j{{"msgtype", "text"}, {"text", {{"content", content}}}, {"at", {{"atMobiles", mobiles}, {"isAtAll", false}}}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string Service::dingtalk_url(const std::string& url, const std::string& secret, int64_t ms) {
  if (secret.empty()) return url;
  std::string ts = std::to_string(ms);
  std::string sign = base64_encode(hmac_sha256(secret, ts + "\n" + secret));
  return url + (url.find('?') == std::string::npos ? "?" : "&") + "timestamp=" + ts + "&sign=" + url_encode(sign);
}

Status Service::send_one(const Channel& c, const std::string& subject, const std::string& text, const std::vector<RosterEntry>& duty,
                         const std::string& tag) {
  std::vector<std::string> mobiles, mails = c.to;
  for (const auto& d : duty) {
    if (!d.phone.empty()) mobiles.push_back(d.phone);
    if (!d.mail.empty() && std::find(mails.begin(), mails.end(), d.mail) == mails.end()) mails.push_back(d.mail);
  }
  std::string duty_line;
  for (const auto& d : duty) duty_line += (duty_line.empty() ? "\n值班 On duty: " : "、") + d.name + (d.phone.empty() ? "" : " " + d.phone);
  if (c.kind == "mail") {
    std::string id = fmt::format("wardsec-incident-{}-{}@wardsec", tag, store_->now());
    return alert::send_mail(opt_.mail, mails, subject, text + duty_line + "\n", id, {"X-Wardsec-Incident: " + tag}, opt_.transport);
  }
  std::string answer;
  if (c.kind == "wecom") {
    if (auto st = alert::post_json(c.url, wecom_json(text + duty_line, mobiles), {}, opt_.transport, &answer); !st) return st;
    return robot_answer(answer);
  }
  if (c.kind == "dingtalk") {
    std::string url = dingtalk_url(c.url, c.secret, store_->now() / 1000000);
    if (auto st = alert::post_json(url, dingtalk_json(text + duty_line, mobiles), {}, opt_.transport, &answer); !st) return st;
    return robot_answer(answer);
  }
  // A generic webhook: the message as JSON, signed like the alert webhook.
  std::string body = json{{"type", "wardsec.incident"}, {"tag", tag}, {"subject", subject}, {"text", text}, {"on_duty", mobiles}}.dump(
      -1, ' ', false, json::error_handler_t::replace);
  std::vector<std::string> headers;
  if (!c.secret.empty()) {
    std::string ts = std::to_string(store_->now() / 1000000000);
    headers = {"X-Wardsec-Timestamp: " + ts, "X-Wardsec-Signature: sha256=" + hex(hmac_sha256(c.secret, ts + "." + body).data(), 32)};
  }
  return alert::post_json(c.url, body, headers, opt_.transport);
}

void Service::send(int64_t incident, Grade g, const std::string& what, const std::string& subject, const std::string& text) {
  int64_t t = store_->now();
  bool work = working_time(t);
  std::vector<std::string> ids;
  for (const auto& p : opt_.policy) {
    if (g < p.min_grade || (p.hours == "work" && !work) || (p.hours == "off" && work)) continue;
    for (const auto& c : p.channels)
      if (std::find(ids.begin(), ids.end(), c) == ids.end()) ids.push_back(c);
  }
  auto duty = on_duty(t);
  std::vector<RosterEntry> people = duty ? *duty : std::vector<RosterEntry>{};
  for (const auto& id : ids) {
    const Channel* c = nullptr;
    for (const auto& x : opt_.channels)
      if (x.id == id) c = &x;
    if (!c) continue;
    Status st;
    int attempts = 0;
    for (; attempts <= opt_.retries; ++attempts) {
      st = send_one(*c, subject, text, people, fmt::format("{}-{}", incident, what));
      if (st) break;
      std::unique_lock lk(mu_);
      if (stop_ || attempts == opt_.retries) continue;
      cv_.wait_for(lk, std::chrono::milliseconds(opt_.retry_delay_ms << attempts), [&] { return stop_; });
    }
    attempts = std::min(attempts + 1, opt_.retries + 1);
    (st ? sent : failed)++;
    if (!st && record) record("incident_delivery_failed", incident, id + " " + what + ": " + st.error());
    if (!st) spdlog::error("incident {}: {} on channel {} failed after {} attempts: {}", incident, what, id, attempts, st.error());
    sqlite::Stmt ins(db_, "INSERT INTO deliveries(incident, at, channel, what, ok, attempts, error) VALUES(?,?,?,?,?,?,?)");
    if (auto s = ins.bind(1, incident)
                     .bind(2, t)
                     .bind(3, id)
                     .bind(4, what)
                     .bind(5, int64_t(st.ok()))
                     .bind(6, int64_t(attempts))
                     .bind(7, st ? std::string() : st.error())
                     .run();
        !s)
      spdlog::error("incident {}: recording a delivery: {}", incident, s.error());
  }
}

void Service::tick() {
  auto due = store_->due();
  if (!due) {
    spdlog::error("incident clock: {}", due.error());
    return;
  }
  for (const auto& d : *due) {
    std::string what = fmt::format("{}-{}-{}", d.missed ? "missed" : "reminder", d.obligation.body.id, d.obligation.kind);
    std::string subject = fmt::format("[wardsec {}] 事件 #{} {} {}", d.missed ? "逾期 OVERDUE" : "提醒 Reminder", d.obligation.incident,
                                      grade_zh(d.grade), d.obligation.body.name_zh);
    // Marked first: a reminder is recorded once even when sending it takes long or fails.
    if (auto st = store_->mark(d); !st) {
      spdlog::error("incident {}: recording a reminder: {}", d.obligation.incident, st.error());
      continue;
    }
    if (record) record(d.missed ? "incident_deadline_missed" : "incident_reminder", d.obligation.incident, what);
    send(d.obligation.incident, d.grade, what, subject, message(d));
  }
}

void Service::opened(int64_t id) {
  {
    std::lock_guard lk(mu_);
    if (announce_.size() >= 1000) {
      spdlog::error("incident {}: the opening is not announced: {} announcements are waiting", id, announce_.size());
      return;
    }
    announce_.push_back(id);
  }
  cv_.notify_all();
}

void Service::announce(int64_t id) {
  auto inc = store_->get(id);
  if (!inc) return;
  auto obs = store_->obligations(id);
  std::string clock;
  if (obs)
    for (const auto& o : *obs)
      if (!o.withdrawn_at) clock += fmt::format("\n须在 {} 前报告{}（{}）", china_time(o.deadline), o.body.name_zh, o.body.basis);
  std::string text =
      fmt::format("【新事件】{}事件 #{}「{}」（{}，{}），发现于 {}，负责人：{}。{}\n[New incident] #{} ({}): {}{}",
                  opt_.organization.empty() ? "" : opt_.organization + "：", id, inc->title, grade_zh(inc->grade), stage_zh(inc->stage),
                  china_time(inc->discovered), inc->owner.empty() ? "未指定" : inc->owner, clock, id, grade_name(inc->grade), inc->title,
                  opt_.console_url.empty() ? "" : "\n" + opt_.console_url + "/#/incidents/" + std::to_string(id));
  send(id, inc->grade, "opened", fmt::format("[wardsec 新事件 New incident] #{} {} {}", id, grade_zh(inc->grade), inc->title), text);
}

Result<std::vector<RosterEntry>> Service::roster(int64_t from, int64_t to) {
  std::vector<RosterEntry> out;
  std::string sql = "SELECT id, starts, ends, name, role, phone, mail FROM roster WHERE ends > ?";
  std::vector<std::string> params{std::to_string(from)};
  if (to) {
    sql += " AND starts < ?";
    params.push_back(std::to_string(to));
  }
  auto st = sqlite::query(db_, sql + " ORDER BY starts, id LIMIT 1000", params, [&](const sqlite::Stmt& s) {
    out.push_back({s.i64(0), s.i64(1), s.i64(2), s.text(3), s.text(4), s.text(5), s.text(6)});
  });
  if (!st) return Error{st.error()};
  return out;
}

Result<int64_t> Service::add_duty(const RosterEntry& e) {
  if (e.name.empty() || e.name.size() > 100 || !valid_utf8(e.name)) return Error{"roster: a name (1-100 bytes of UTF-8)"};
  if (e.ends <= e.starts) return Error{"roster: the duty must end after it starts"};
  for (const auto* f : {&e.role, &e.phone, &e.mail})
    if (f->size() > 200 || !valid_utf8(*f)) return Error{"roster: role, phone and mail are up to 200 bytes of UTF-8"};
  if (!e.phone.empty() && e.phone.find_first_not_of("0123456789+- ") != std::string::npos)
    return Error{"roster: the phone is digits (with + and -)"};
  if (!e.mail.empty() && (e.mail.find('@') == std::string::npos || e.mail.find_first_of("<>\r\n, ") != std::string::npos))
    return Error{"roster: \"" + e.mail + "\" is not a mail address"};
  sqlite::Stmt st(db_, "INSERT INTO roster(starts, ends, name, role, phone, mail) VALUES(?,?,?,?,?,?)");
  if (auto s = st.bind(1, e.starts).bind(2, e.ends).bind(3, e.name).bind(4, e.role).bind(5, e.phone).bind(6, e.mail).run(); !s)
    return Error{s.error()};
  return sqlite::last_insert_id(db_);
}

Status Service::remove_duty(int64_t id) {
  sqlite::Stmt st(db_, "DELETE FROM roster WHERE id=?");
  if (auto s = st.bind(1, id).run(); !s) return s;
  if (sqlite::changes(db_) == 0) return Error{"no roster entry " + std::to_string(id)};
  return {};
}

Result<std::vector<RosterEntry>> Service::on_duty(int64_t at) {
  std::vector<RosterEntry> out;
  auto st = sqlite::query(db_, "SELECT id, starts, ends, name, role, phone, mail FROM roster WHERE starts <= ? AND ends > ? ORDER BY id",
                          {std::to_string(at), std::to_string(at)}, [&](const sqlite::Stmt& s) {
                            out.push_back({s.i64(0), s.i64(1), s.i64(2), s.text(3), s.text(4), s.text(5), s.text(6)});
                          });
  if (!st) return Error{st.error()};
  return out;
}

Result<std::vector<Delivery>> Service::deliveries(int64_t incident) {
  std::vector<Delivery> out;
  auto st = sqlite::query(
      db_, "SELECT id, incident, at, channel, what, ok, attempts, error FROM deliveries WHERE incident=? ORDER BY id",
      {std::to_string(incident)}, [&](const sqlite::Stmt& s) {
        out.push_back({s.i64(0), s.i64(1), s.i64(2), s.text(3), s.text(4), s.i64(5) != 0, static_cast<int>(s.i64(6)), s.text(7)});
      });
  if (!st) return Error{st.error()};
  return out;
}

}  // namespace wardsec::incident
