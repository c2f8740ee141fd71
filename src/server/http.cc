#include "server/http.h"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include <map>
#include <optional>

#include "core/strutil.h"
#include "core/timeutil.h"
#include "ingest/net.h"
#include "search/search.h"

namespace wardsec::server {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

std::string url_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); i++) {
    if (s[i] == '+') out.push_back(' ');
    else if (s[i] == '%' && i + 2 < s.size()) {
      std::string b;
      if (unhex(s.substr(i + 1, 2), b)) {
        out += b;
        i += 2;
      } else {
        out.push_back('%');
      }
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::map<std::string, std::string> query_params(std::string_view target) {
  std::map<std::string, std::string> m;
  size_t q = target.find('?');
  if (q == std::string_view::npos) return m;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view kv = rest.substr(0, amp);
    size_t eq = kv.find('=');
    m[url_decode(kv.substr(0, eq))] = eq == std::string_view::npos ? "" : url_decode(kv.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return m;
}

}  // namespace

std::map<std::string, std::string> parse_query_params(std::string_view target) { return query_params(target); }

namespace {

std::string error_json(std::string_view msg, long column = -1) {
  std::string out = "{\"error\":\"";
  search::json_escape(msg, out);
  out += "\"";
  if (column >= 0) out += ",\"column\":" + std::to_string(column);
  out += "}";
  return out;
}

const char* kIndexHtml = R"(<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>wardsec 医院等保安全管理中心</title>
<style>body{font-family:sans-serif;max-width:860px;margin:2em auto;color:#222}code{background:#eee;padding:2px 4px}</style>
<h1>wardsec 医院等保安全管理中心</h1>
<p>日志审计服务正在运行。 The log audit service is running.</p>
<ul>
<li><a href="/api/v1/health">/api/v1/health</a> — 状态 health</li>
<li><a href="/api/v1/metrics">/api/v1/metrics</a> — 接收/存储计数 ingest counters</li>
<li><a href="/api/v1/search?q=event.outcome:failure&amp;limit=20&amp;order=newest">/api/v1/search?q=…</a> — 检索 search (JSON)</li>
<li><a href="/api/v1/alerts?state=open">/api/v1/alerts?state=open</a> — 告警 alerts (JSON); <code>POST /api/v1/alerts/ID/state</code> 处置 triage</li>
<li><a href="/api/v1/suppressions">/api/v1/suppressions</a> — 抑制窗口 suppression windows</li>
<li><code>POST /api/v1/ingest</code> — JSON lines 批量写入 batch ingest</li>
</ul>
<p>The web console arrives with the console issue; see README.md.</p></html>
)";

}  // namespace

std::pair<int, std::string> handle_search(const std::string& data_dir, const std::string& target, int tz_sec) {
  auto p = query_params(target);
  auto parsed = search::Query::parse(p["q"], tz_sec);
  if (auto* e = std::get_if<search::QueryError>(&parsed))
    return {400, error_json("query error at column " + std::to_string(e->column) + ": " + e->message,
                            static_cast<long>(e->column))};
  search::SearchOptions so;
  so.limit = 100;
  if (!p["limit"].empty()) {
    uint64_t l;
    if (!parse_u64(p["limit"], l) || l > 10000) return {400, error_json("limit must be a number from 0 to 10000")};
    so.limit = l;
  }
  for (const char* k : {"from", "to"}) {
    if (p[k].empty()) continue;
    int64_t t;
    if (!parse_user_time(p[k], tz_sec, t)) return {400, error_json(std::string(k) + ": '" + p[k] + "' is not a time")};
    (std::string_view(k) == "from" ? so.from : so.to) = t;
  }
  so.newest_first = p["order"] != "oldest";
  std::string out = "{\"events\":[";
  search::SearchStats st;
  bool first = true;
  Status s = search::run_search(data_dir, std::get<search::Query>(parsed), so, [&](const Event& ev) {
    if (!first) out += ",";
    first = false;
    out += search::event_to_json(ev);
    return true;
  }, st);
  if (!s) return {500, error_json(s.error())};
  out += "],\"stats\":{\"matched\":" + std::to_string(st.matched) + ",\"blocks_total\":" + std::to_string(st.blocks_total) +
         ",\"blocks_read\":" + std::to_string(st.blocks_read) + ",\"events_scanned\":" + std::to_string(st.events_scanned) + "}}";
  return {200, out};
}

struct HttpServer::State {
  asio::io_context& io;
  ingest::Pipeline& pipeline;
  HttpOptions opt;
  std::unique_ptr<tcp::acceptor> acc;
  asio::thread_pool search_pool{2};
  bool stopping = false;
  State(asio::io_context& i, ingest::Pipeline& p, HttpOptions o) : io(i), pipeline(p), opt(std::move(o)) {}
};

namespace {

using StatePtr = std::shared_ptr<HttpServer::State>;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(StatePtr st, tcp::socket s) : st_(std::move(st)), stream_(std::move(s)) {}
  void start() { read(); }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(st_->opt.max_body);
    parser_->header_limit(16 * 1024);
    stream_.expires_after(std::chrono::seconds(60));
    auto self = shared_from_this();
    http::async_read(stream_, buf_, *parser_, [self](beast::error_code ec, size_t) {
      if (ec == http::error::body_limit) {
        self->reply(413, error_json("request body larger than the limit"), "application/json", false);
        return;
      }
      if (ec) return;
      self->handle(self->parser_->release());
    });
  }

  void reply(int status, std::string body, const char* type, bool keep_alive) {
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(status), 11);
    res->set(http::field::server, "wardsec");
    res->set(http::field::content_type, type);
    res->set(http::field::cache_control, "no-store");
    res->set("X-Content-Type-Options", "nosniff");
    res->set("X-Frame-Options", "DENY");
    res->keep_alive(keep_alive);
    res->body() = std::move(body);
    res->prepare_payload();
    auto self = shared_from_this();
    http::async_write(stream_, *res, [self, res, keep_alive](beast::error_code ec, size_t) {
      if (ec || !keep_alive) {
        beast::error_code ig;
        self->stream_.socket().shutdown(tcp::socket::shutdown_both, ig);
        return;
      }
      self->read();
    });
  }

  void handle(http::request<http::string_body> req) {
    std::string target(req.target());
    std::string path = target.substr(0, target.find('?'));
    bool ka = req.keep_alive();
    if (path == "/" && req.method() == http::verb::get) return reply(200, kIndexHtml, "text/html; charset=utf-8", ka);
    if (path == "/api/v1/health" && req.method() == http::verb::get)
      return reply(200, "{\"status\":\"ok\",\"version\":\"0.1.0\"}", "application/json", ka);
    if (path == "/api/v1/metrics" && req.method() == http::verb::get) {
      const auto& m = st_->pipeline.metrics();
      std::string out = "{\"received\":" + std::to_string(m.received.load()) + ",\"stored\":" + std::to_string(m.stored.load()) +
                        ",\"dropped\":" + std::to_string(m.dropped.load()) + ",\"blocked\":" + std::to_string(m.blocked.load()) +
                        ",\"parse_errors\":" + std::to_string(m.parse_errors.load()) + ",\"store_errors\":" +
                        std::to_string(m.store_errors.load()) + ",\"commits\":" + std::to_string(m.commits.load()) +
                        ",\"queued_bytes\":" + std::to_string(st_->pipeline.queued_bytes()) + ",\"observer_waits\":" +
                        std::to_string(m.observer_waits.load()) + ",\"detect_queued_bytes\":" +
                        std::to_string(st_->pipeline.observer_queued_bytes());
      if (st_->opt.extra_metrics) out += "," + st_->opt.extra_metrics();
      out += "}";
      return reply(200, out, "application/json", ka);
    }
    if (path == "/api/v1/search") {
      if (req.method() != http::verb::get) return reply(405, error_json("use GET"), "application/json", ka);
      // Searches read and decompress blocks: run them off the I/O thread so that receiving
      // logs never waits for a search.
      auto self = shared_from_this();
      asio::post(st_->search_pool, [self, target, ka] {
        auto [code, body] = handle_search(self->st_->opt.data_dir, target, self->st_->opt.tz_sec);
        asio::post(self->stream_.get_executor(), [self, code = code, body = std::move(body), ka]() mutable {
          self->reply(code, std::move(body), "application/json", ka);
        });
      });
      return;
    }
    if (st_->opt.alerts && (path.rfind("/api/v1/alerts", 0) == 0 || path.rfind("/api/v1/suppressions", 0) == 0)) {
      auto self = shared_from_this();
      std::string method(req.method_string());
      asio::post(st_->search_pool, [self, target, method, body = std::move(req.body()), ka] {
        auto record = [self](Event&& ev) {
          std::vector<Event> v;
          v.push_back(std::move(ev));
          self->st_->pipeline.submit_events(std::move(v), nullptr);
        };
        auto [code, out] = handle_alerts(*self->st_->opt.alerts, self->st_->opt.data_dir, method, target, body,
                                         self->st_->opt.tz_sec, record);
        asio::post(self->stream_.get_executor(), [self, code = code, out = std::move(out), ka]() mutable {
          self->reply(code, std::move(out), "application/json; charset=utf-8", ka);
        });
      });
      return;
    }
    if (path == "/api/v1/ingest") {
      if (req.method() != http::verb::post) return reply(405, error_json("use POST with JSON lines"), "application/json", ka);
      ingest::RawBatch b;
      b.input = "http";
      beast::error_code ec;
      auto ep = stream_.socket().remote_endpoint(ec);
      if (!ec) b.source = ep.address().to_string() + ":" + std::to_string(ep.port());
      std::string_view body = req.body();
      size_t line_no = 0;
      int64_t now = now_ns();
      while (!body.empty()) {
        size_t nl = body.find('\n');
        std::string_view line = trim(body.substr(0, nl));
        line_no++;
        if (!line.empty()) {
          if (line.front() != '{')
            return reply(400, error_json("line " + std::to_string(line_no) + ": not a JSON object"), "application/json", ka);
          b.add(line, now);
        }
        if (nl == std::string_view::npos) break;
        body.remove_prefix(nl + 1);
      }
      size_t n = b.msgs.size();
      if (n == 0) return reply(400, error_json("empty batch: send one JSON object per line"), "application/json", ka);
      auto self = shared_from_this();
      b.on_durable = [self, n, ka](bool ok) {
        asio::post(self->stream_.get_executor(), [self, n, ok, ka] {
          if (ok) self->reply(200, "{\"accepted\":" + std::to_string(n) + "}", "application/json", ka);
          else self->reply(503, error_json("event store error; retry"), "application/json", false);
        });
      };
      if (!st_->pipeline.try_submit(b))
        return reply(503, error_json("ingest queue full; retry later"), "application/json", ka);
      return;  // replied when durable
    }
    reply(404, error_json("no such endpoint: " + path), "application/json", ka);
  }

  StatePtr st_;
  beast::tcp_stream stream_;
  beast::flat_buffer buf_;
  std::optional<http::request_parser<http::string_body>> parser_;
};

void accept_loop(StatePtr st) {
  st->acc->async_accept([st](beast::error_code ec, tcp::socket s) {
    if (st->stopping || ec == asio::error::operation_aborted) return;
    if (!ec) std::make_shared<Session>(st, std::move(s))->start();
    accept_loop(st);
  });
}

}  // namespace

HttpServer::HttpServer(asio::io_context& io, ingest::Pipeline& pipeline, HttpOptions opt)
    : st_(std::make_shared<State>(io, pipeline, std::move(opt))) {}
HttpServer::~HttpServer() { stop(); }

Status HttpServer::start() {
  auto acc = ingest::open_acceptor(st_->io, st_->opt.listen, "http");
  if (!acc) return Error{acc.error()};
  st_->acc = std::move(acc.value());
  port_ = st_->acc->local_endpoint().port();
  accept_loop(st_);
  return {};
}

void HttpServer::stop() {
  st_->stopping = true;
  st_->search_pool.stop();
  if (st_->acc) {
    beast::error_code ec;
    st_->acc->close(ec);
  }
}

}  // namespace wardsec::server
