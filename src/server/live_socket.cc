// The console's live socket (WebSocket over the HTTPS connection): once a second, the
// figures, new alerts and new events, for as long as the session lives.
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "alert/alert_store.h"
#include "core/timeutil.h"
#include "server/http_state.h"

namespace wardsec::server {
namespace http = beast::http;
namespace websocket = beast::websocket;

namespace {

// ---- WebSocket: live figures, alerts and events ---------------------------------------------

class LiveSocket : public std::enable_shared_from_this<LiveSocket> {
 public:
  LiveSocket(StatePtr st, TlsStream&& s, std::string sid) : st_(std::move(st)), ws_(std::move(s)), sid_(std::move(sid)) {}

  void start(const http::request<http::string_body>& req) {
    beast::get_lowest_layer(ws_).expires_never();
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) { res.set(http::field::server, "wardsec"); }));
    ws_.read_message_max(4096);
    auto self = shared_from_this();
    ws_.async_accept(req, [self](beast::error_code ec) {
      if (ec) return;
      self->read();
      self->tick();
    });
  }

 private:
  void read() {
    auto self = shared_from_this();
    ws_.async_read(in_, [self](beast::error_code ec, size_t) {
      if (ec) {
        self->closed_ = true;
        return;
      }
      self->in_.consume(self->in_.size());
      self->read();
    });
  }

  // Once a second, on the pool: metrics, new alerts, new events; then written in order.
  void tick() {
    if (closed_ || st_->stopping) return;
    auto self = shared_from_this();
    asio::post(st_->pool, [self] {
      std::string msg = self->compose();
      asio::post(self->ws_.get_executor(), [self, msg = std::move(msg)]() mutable {
        if (msg.empty()) {
          beast::error_code ig;
          self->ws_.async_close(websocket::close_code::policy_error, [self](beast::error_code) {});
          return;
        }
        self->out_ = std::move(msg);
        self->ws_.text(true);
        self->ws_.async_write(asio::buffer(self->out_), [self](beast::error_code ec, size_t) {
          if (ec) {
            self->closed_ = true;
            return;
          }
          self->timer_.expires_after(std::chrono::seconds(1));
          self->timer_.async_wait([self](beast::error_code e) {
            if (!e) self->tick();
          });
        });
      });
    });
  }

  std::string compose() {
    int64_t now = now_ns();
    // The socket lives as long as the session: a logout or an idle timeout closes it. It does
    // not keep the session alive by itself.
    auto who = st_->auth->session_peek(sid_, now);
    if (!who || who->stage != Stage::kActive || !role_has(who->role, Perm::kDashboard)) return "";
    std::string out = "{\"type\":\"tick\",\"ts\":\"" + format_rfc3339(now) + "\",\"eps\":" + std::to_string(st_->api->events_per_second()) +
                      ",\"metrics\":" + st_->api->metrics_json();
    if (st_->opt.alerts) {
      alert::AlertQuery q;
      q.state = "open";
      q.limit = 20;
      auto open = st_->opt.alerts->count(q);
      if (open) out += ",\"alerts_open\":" + std::to_string(*open);
      auto list = st_->opt.alerts->query(q);
      out += ",\"alerts\":[";
      bool first = true;
      if (list)
        for (const auto& a : *list) {
          if (a.id <= last_alert_) continue;
          out += (first ? "" : ",") + alert::alert_to_json(a);
          first = false;
        }
      if (list && !list->empty()) last_alert_ = std::max(last_alert_, list->front().id);
      out += "]";
    }
    // Events stored since the last tick (the store shows a block once it is sealed, about a
    // second after receipt), newest first, at most 20.
    std::string target = "/?limit=20&order=newest&from=" + (last_event_ns_ ? format_rfc3339(last_event_ns_) : std::string("now-1m"));
    SearchScope scope;
    scope.restrict = &st_->api->not_audit;
    scope.budget_ns = 2 * kSec;
    Response found = handle_search(st_->opt.data_dir, target, st_->opt.tz_sec, scope);
    if (found.status == 200) out += ",\"events\":" + found.body.substr(10, found.body.rfind(",\"stats\"") - 10);
    // Next time from two seconds ago: the store shows a block only once it is sealed, so a
    // window that overlaps a little catches late blocks; the page drops repeats by time+raw.
    last_event_ns_ = now - 2000000000LL;
    out += "}";
    return out;
  }

  StatePtr st_;
  websocket::stream<TlsStream> ws_;
  std::string sid_, out_;
  beast::flat_buffer in_;
  asio::steady_timer timer_{ws_.get_executor()};
  std::atomic<bool> closed_{false};             // set on the I/O thread, read by tick() on the pool
  int64_t last_alert_ = 0, last_event_ns_ = 0;  // touched only by compose(), one tick at a time
};

}  // namespace

void start_live_socket(StatePtr st, TlsStream&& stream, std::string sid, http::request<http::string_body> req) {
  std::make_shared<LiveSocket>(std::move(st), std::move(stream), std::move(sid))->start(std::move(req));
}

}  // namespace wardsec::server
