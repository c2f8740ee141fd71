#include "cluster/clickhouse.h"

#include <curl/curl.h>

#include "cluster/rows.h"
#include "core/strutil.h"

namespace wardsec::cluster {

namespace {

struct Sink {
  std::string body;
  int64_t limit = 0;
  bool over = false;
};

size_t collect(char* p, size_t size, size_t n, void* ud) {
  auto* s = static_cast<Sink*>(ud);
  if (static_cast<int64_t>(s->body.size() + size * n) > s->limit) {
    s->over = true;
    return 0;  // stops the transfer
  }
  s->body.append(p, size * n);
  return size * n;
}

std::string url_encode(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (is_alnum_ascii(static_cast<char>(c)) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// The DDL of the regional store. ClickHouse 18.16: no TTL (retention drops partitions), no
// DateTime64 (times are Int64 nanoseconds), no skip indexes (docs/cluster.md). {engine} is
// ReplacingMergeTree, or its Replicated form on a replicated cluster ({shard} and {replica}
// are the server's own macros; deploy/clickhouse).
constexpr std::string_view kEvents =
    "(site String, batch String, day Date, host String, source_ip String, destination_ip String, user String, dataset String, "
    "action String, outcome String, ref UInt64, ts Int64, received Int64, flags UInt32, message String, "
    "attrs Nested(k String, v String)) ENGINE = {engine} PARTITION BY day ORDER BY (site, day, ts, ref)";
constexpr std::string_view kBatches =
    "(site String, id String, first UInt64, last UInt64, count UInt64, alg String, prev String, digest String, key String, "
    "sig String, first_day Date, last_day Date, inserted DateTime DEFAULT now()) "
    "ENGINE = {engine} PARTITION BY toYYYYMM(first_day) ORDER BY (site, first)";
constexpr std::string_view kSites =
    "(site String, hospital String, at Int64, day Date, published UInt64, batches UInt64, behind_blocks UInt64, "
    "lag_seconds Float64, last_error String, status String) "
    "ENGINE = {engine:at} PARTITION BY toYYYYMM(day) ORDER BY (site)";
constexpr std::string_view kCompliance =
    "(site String, at Int64, day Date, summary String) ENGINE = {engine:at} PARTITION BY toYYYYMM(day) ORDER BY (site)";
// a site's signed heads (head.h), one row each time its head moves
constexpr std::string_view kHeads =
    "(site String, at Int64, day Date, digest String, key String, sig String, inserted DateTime DEFAULT now()) "
    "ENGINE = {plain} PARTITION BY toYYYYMM(day) ORDER BY (site, at)";
constexpr std::string_view kRejected =
    "(at DateTime DEFAULT now(), subject String, reason String, head String) ENGINE = {plain} ORDER BY at";

std::string with_engine(std::string_view ddl, const ClickHouseOptions& o, const std::string& table) {
  std::string s(ddl);
  auto put = [&](std::string_view mark, std::string_view kind, std::string_view version) {
    auto at = s.find(mark);
    if (at == std::string::npos) return;
    std::string e(kind);
    std::string args;
    if (o.replicated) args = "'/clickhouse/tables/{shard}/" + o.database + "/" + table + "', '{replica}'";
    if (!version.empty()) args += (args.empty() ? "" : ", ") + std::string(version);
    e = (o.replicated ? "Replicated" : "") + e + (args.empty() ? "" : "(" + args + ")");
    s.replace(at, mark.size(), e);
  };
  put("{engine:at}", "ReplacingMergeTree", "at");
  put("{engine}", "ReplacingMergeTree", "");
  put("{plain}", "MergeTree", "");
  return s;
}

}  // namespace

std::string sql_string(std::string_view s) {
  std::string out = "'";
  tsv_escape(s, out);
  out += '\'';
  return out;
}

Result<std::string> sql_identifier(std::string_view s) {
  if (s.empty() || s.size() > 64 || is_digit(s[0])) return Error{"\"" + std::string(s.substr(0, 64)) + "\" is not a ClickHouse name"};
  for (char c : s)
    if (!is_alnum_ascii(c) && c != '_') return Error{"\"" + std::string(s.substr(0, 64)) + "\" is not a ClickHouse name"};
  return std::string(s);
}

ClickHouse::ClickHouse(ClickHouseOptions o) : o_(std::move(o)) {
  static const bool inited = [] { return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; }();
  (void)inited;
}

ClickHouse::~ClickHouse() {
  if (curl_) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

std::string ClickHouse::table(std::string_view name) const { return o_.database + "." + std::string(name); }

Result<std::string> ClickHouse::post(const std::string& url_query, std::string_view body) {
  if (!curl_) {
    CURL* c = curl_easy_init();
    if (!c) return Error{"curl_easy_init failed"};
    curl_ = c;
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
    if (!o_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, o_.ca_file.c_str());
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(c, CURLOPT_USERNAME, o_.user.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, o_.password.c_str());
  }
  CURL* c = static_cast<CURL*>(curl_);
  std::string url = o_.url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  url += "/?" + url_query;
  Sink s;
  s.limit = o_.max_result_bytes;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(o_.timeout_ms));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  CURLcode rc = curl_easy_perform(c);
  if (s.over) return Error{"ClickHouse's reply is larger than " + std::to_string(o_.max_result_bytes >> 20) + " MiB"};
  if (rc != CURLE_OK) return Error{"ClickHouse " + o_.url + ": " + curl_easy_strerror(rc)};
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  if (code != 200) {
    std::string msg = s.body.substr(0, s.body.find('\n'));
    if (msg.size() > 400) msg = msg.substr(0, 400) + "...";
    return Error{"ClickHouse " + o_.url + " (HTTP " + std::to_string(code) + "): " + msg};
  }
  return std::move(s.body);
}

Result<std::string> ClickHouse::query(std::string_view sql) { return post("database=" + url_encode(o_.database), sql); }

Status ClickHouse::insert(std::string_view table, std::string_view columns, std::string_view rows) {
  std::string q = "INSERT INTO " + this->table(table) + " (" + std::string(columns) + ") FORMAT TabSeparated";
  auto r = post("query=" + url_encode(q), rows);
  if (!r) return Error{r.error()};
  return {};
}

Status ClickHouse::ensure_schema() {
  if (auto db = sql_identifier(o_.database); !db) return Error{"cluster.clickhouse_database: " + db.error()};
  auto r = post("", "CREATE DATABASE IF NOT EXISTS " + o_.database);
  if (!r) return Error{r.error()};
  for (auto [name, ddl] : {std::pair{"events", kEvents},
                           {"batches", kBatches},
                           {"sites", kSites},
                           {"compliance", kCompliance},
                           {"heads", kHeads},
                           {"rejected", kRejected}}) {
    auto t = post("", "CREATE TABLE IF NOT EXISTS " + table(name) + " " + with_engine(ddl, o_, name));
    if (!t) return Error{t.error()};
  }
  return {};
}

}  // namespace wardsec::cluster
