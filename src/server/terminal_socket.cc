// The bastion's two WebSockets: the web terminal (an operator's session in the browser, input
// as text frames, output as binary frames) and watching a live session (a security or audit
// administrator sees what the operator sees; read-only). Both take over an upgraded HTTPS
// connection after http.cc checked the login, the role and the origin.
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <condition_variable>
#include <deque>

#include "bastion/live.h"
#include "bastion/ssh_server.h"
#include "bastion/web_terminal.h"
#include "core/timeutil.h"
#include "server/http_state.h"

namespace wardsec::server {
namespace http = beast::http;
namespace websocket = beast::websocket;

namespace {

constexpr size_t kMaxQueued = 4u << 20;  // output waiting for a slow browser

// A WebSocket that writes binary frames from any thread, in order, with a bounded queue, and
// hands text frames to `on_text`.
class ByteSocket : public std::enable_shared_from_this<ByteSocket> {
 public:
  ByteSocket(StatePtr st, TlsStream&& s, std::string sid) : st_(std::move(st)), ws_(std::move(s)), sid_(std::move(sid)) {}
  std::function<void(std::string_view)> on_text;
  std::function<void()> on_close;
  std::function<bool()> alive;  // checked each second: false ends the socket (the watched session ended)

  void accept(const http::request<http::string_body>& req, std::function<void()> opened) {
    beast::get_lowest_layer(ws_).expires_never();
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.read_message_max(64 * 1024);
    auto self = shared_from_this();
    ws_.async_accept(req, [self, opened = std::move(opened)](beast::error_code ec) {
      if (ec) return self->closed();
      opened();
      self->read();
      self->check_login();
    });
  }

  // Queues bytes; blocks while the queue is full (`wait`), or gives up (false) when it is.
  bool send(std::string bytes, bool wait) {
    {
      std::unique_lock<std::mutex> g(mu_);
      if (wait) cv_.wait_for(g, std::chrono::seconds(30), [&] { return queued_ + bytes.size() <= kMaxQueued || closed_; });
      if (closed_ || queued_ + bytes.size() > kMaxQueued) return false;
      queued_ += bytes.size();
    }
    auto self = shared_from_this();
    asio::post(ws_.get_executor(), [self, b = std::move(bytes)]() mutable {
      self->out_.push_back(std::move(b));
      if (self->out_.size() == 1) self->write();
    });
    return true;
  }

  // Closes once what is queued has been written; `why` goes in a last text frame.
  void finish(const std::string& why) {
    auto self = shared_from_this();
    asio::post(ws_.get_executor(), [self, why] {
      self->closing_ = why.empty() ? " " : why;
      if (self->out_.empty()) self->write();
    });
  }

 private:
  void write() {
    auto self = shared_from_this();
    if (out_.empty()) {
      if (closing_.empty() || close_sent_) return;
      close_sent_ = true;
      last_ = "{\"type\":\"end\",\"reason\":" + nlohmann::json(closing_ == " " ? "" : closing_).dump() + "}";
      ws_.text(true);
      ws_.async_write(asio::buffer(last_), [self](beast::error_code, size_t) {
        self->ws_.async_close(websocket::close_code::normal, [self](beast::error_code) { self->closed(); });
      });
      return;
    }
    ws_.binary(true);
    ws_.async_write(asio::buffer(out_.front()), [self](beast::error_code ec, size_t) {
      {
        std::lock_guard<std::mutex> g(self->mu_);
        self->queued_ -= self->out_.front().size();
      }
      self->cv_.notify_all();
      self->out_.pop_front();
      if (ec) return self->closed();
      self->write();
    });
  }

  void read() {
    auto self = shared_from_this();
    ws_.async_read(in_, [self](beast::error_code ec, size_t) {
      if (ec) return self->closed();
      if (self->ws_.got_text() && self->on_text) self->on_text(beast::buffers_to_string(self->in_.data()));
      self->in_.consume(self->in_.size());
      self->read();
    });
  }

  // Each second: the console session still holds (a logout, an idle timeout or a lost role
  // ends the socket), and what the socket shows still exists.
  void check_login() {
    auto self = shared_from_this();
    timer_.expires_after(std::chrono::seconds(1));
    timer_.async_wait([self](beast::error_code e) {
      if (e || self->is_closed()) return;
      auto who = self->st_->auth->session_peek(self->sid_, now_ns());
      if (!who || who->stage != Stage::kActive) {
        self->ws_.async_close(websocket::close_code::policy_error, [self](beast::error_code) { self->closed(); });
        return;
      }
      if (self->alive && !self->alive()) return self->finish("会话已结束 / the session ended");
      self->check_login();
    });
  }

  bool is_closed() {
    std::lock_guard<std::mutex> g(mu_);
    return closed_;
  }
  void closed() {
    {
      std::lock_guard<std::mutex> g(mu_);
      if (closed_) return;
      closed_ = true;
    }
    cv_.notify_all();
    timer_.cancel();
    if (on_close) on_close();
  }

  StatePtr st_;
  websocket::stream<TlsStream> ws_;
  std::string sid_, closing_, last_;
  bool close_sent_ = false;
  beast::flat_buffer in_;
  std::deque<std::string> out_;  // touched on the socket's executor only
  asio::steady_timer timer_{ws_.get_executor()};
  std::mutex mu_;
  std::condition_variable cv_;
  size_t queued_ = 0;
  bool closed_ = false;
};

}  // namespace

Status start_web_terminal(const StatePtr& st, TlsStream&& stream, const Principal& who, const std::string& ip,
                          const http::request<http::string_body>& req, int64_t account, int cols, int rows) {
  auto sock = std::make_shared<ByteSocket>(st, std::move(stream), who.session_id);
  std::weak_ptr<ByteSocket> weak = sock;
  auto term = std::make_shared<bastion::WebTerminal>(
      [weak](std::string bytes) {
        auto s = weak.lock();
        return s && s->send(std::move(bytes), true);
      },
      [weak](const std::string& why) {
        if (auto s = weak.lock()) s->finish(why);
      });
  sock->on_text = [term](std::string_view m) {
    // "i<keys>" or "r<cols>,<rows>"
    if (m.empty()) return;
    if (m[0] == 'i') {
      if (!term->input(m.substr(1))) term->close();
    } else if (m[0] == 'r') {
      int c = 0, r = 0;
      if (std::sscanf(std::string(m.substr(1)).c_str(), "%d,%d", &c, &r) == 2) term->resize(c, r);
    }
  };
  sock->on_close = [term] { term->close(); };
  Status s = st->opt.bastion_ssh->open_terminal(who.user, ip, account, cols, rows, term);
  sock->accept(req, [] {});
  if (!s) sock->finish(s.error());  // the browser reads the reason (an upgrade refused by HTTP has none)
  return s;
}

Status start_watch(const StatePtr& st, TlsStream&& stream, const Principal& who, const http::request<http::string_body>& req,
                   const std::string& id) {
  auto sock = std::make_shared<ByteSocket>(st, std::move(stream), who.session_id);
  auto live = st->opt.bastion->live().find(id);
  if (!live) {
    sock->accept(req, [] {});
    sock->finish("会话不在运行 / no such live session: " + id);
    return Error{"no such live session: " + id};
  }
  std::weak_ptr<ByteSocket> weak = sock;
  auto watcher = std::make_shared<int>(0);
  sock->on_close = [live, watcher] {
    if (*watcher) live->unwatch(*watcher);
  };
  bastion::Service* svc = st->opt.bastion;
  sock->alive = [svc, id, live] { return !live->ended() && svc->live().find(id) != nullptr; };
  sock->accept(req, [live, watcher, weak] {
    auto sock = weak.lock();
    if (!sock) return;
    *watcher = live->watch([weak](std::string_view out) {
      // Never blocks the session: a watcher too slow to keep up loses its view, not the operator.
      auto s = weak.lock();
      if (s && !s->send(std::string(out), false)) s->finish("观看者跟不上输出 / the watcher fell behind");
    });
  });
  return {};
}

}  // namespace wardsec::server
