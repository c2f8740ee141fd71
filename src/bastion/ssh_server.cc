#include "bastion/ssh_server.h"
#include "bastion/web_terminal.h"

#include <libssh/libssh.h>
#include <libssh/server.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <list>
#include <mutex>

#include "bastion/ssh_conn.h"
#include "core/timeutil.h"

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace wardsec::bastion {

struct SshServer::Impl {
  ssh_bind bind = nullptr;
  int wake[2] = {-1, -1};
  std::mutex mu;
  std::condition_variable cv;
  struct Active {
    int fd = -1;
    std::atomic<int64_t> deadline{0};
  };
  std::list<Active> active;  // stable addresses: each thread holds its own element
  int running = 0;
};

namespace {

Result<ssh_key> host_key(const std::string& dir) {
  std::string path = dir + "/bastion_host_ed25519";
  ssh_key key = nullptr;
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    if (ssh_pki_import_privkey_file(path.c_str(), nullptr, nullptr, nullptr, &key) != SSH_OK)
      return Error{"bastion: 无法读取主机密钥 / cannot read the host key " + path};
    return key;
  }
  std::filesystem::create_directories(dir, ec);
  if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key) != SSH_OK) return Error{"bastion: cannot make a host key"};
  mode_t old = umask(077);
  int rc = ssh_pki_export_privkey_file(key, nullptr, nullptr, nullptr, path.c_str());
  umask(old);
  if (rc != SSH_OK) {
    ssh_key_free(key);
    return Error{"bastion: cannot write the host key " + path};
  }
  return key;
}

}  // namespace

Result<std::unique_ptr<SshServer>> SshServer::open(Service& svc) {
  std::unique_ptr<SshServer> s(new SshServer());
  s->svc_ = &svc;
  s->impl_ = std::make_unique<Impl>();
  const std::string& listen = svc.options().listen;
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return Error{"bastion.listen: 须为 地址:端口 / must be address:port, got '" + listen + "'"};
  std::string addr = listen.substr(0, colon), port = listen.substr(colon + 1);
  if (addr.size() > 2 && addr.front() == '[') addr = addr.substr(1, addr.size() - 2);
  auto key = host_key(svc.key_dir());
  if (!key) return Error{key.error()};
  unsigned char* hash = nullptr;
  size_t hlen = 0;
  ssh_key pub = nullptr;
  if (ssh_pki_export_privkey_to_pubkey(*key, &pub) == SSH_OK &&
      ssh_get_publickey_hash(pub, SSH_PUBLICKEY_HASH_SHA256, &hash, &hlen) == SSH_OK) {
    char* fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen);
    if (fp) s->fingerprint_ = fp;
    ssh_string_free_char(fp);
    ssh_clean_pubkey_hash(&hash);
  }
  ssh_key_free(pub);
  Impl& im = *s->impl_;
  im.bind = ssh_bind_new();
  ssh_bind_options_set(im.bind, SSH_BIND_OPTIONS_BINDADDR, addr.c_str());
  ssh_bind_options_set(im.bind, SSH_BIND_OPTIONS_BINDPORT_STR, port.c_str());
  ssh_bind_options_set(im.bind, SSH_BIND_OPTIONS_IMPORT_KEY, *key);  // the bind owns the key now
  if (ssh_bind_listen(im.bind) != SSH_OK)
    return Error{"bastion.listen: 无法监听 / cannot listen on " + listen + ": " + ssh_get_error(im.bind)};
  sockaddr_storage sa{};
  socklen_t len = sizeof sa;
  if (getsockname(ssh_bind_get_fd(im.bind), reinterpret_cast<sockaddr*>(&sa), &len) == 0)
    s->port_ =
        ntohs(sa.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&sa)->sin6_port : reinterpret_cast<sockaddr_in*>(&sa)->sin_port);
  if (pipe(im.wake) != 0) return Error{"bastion: pipe failed"};
  return s;
}

SshServer::~SshServer() {
  stop();
  if (impl_) {
    if (impl_->bind) ssh_bind_free(impl_->bind);
    for (int fd : impl_->wake)
      if (fd >= 0) close(fd);
  }
}

Status SshServer::start() {
  accept_ = std::thread([this] { accept_loop(); });
  watchdog_ = std::thread([this] { watchdog_loop(); });
  spdlog::info("bastion: SSH on port {} (host key {})", port_, fingerprint_);
  return {};
}

void SshServer::stop() {
  if (stop_.exchange(true)) return;
  if (impl_ && impl_->wake[1] >= 0) (void)!write(impl_->wake[1], "x", 1);
  if (accept_.joinable()) accept_.join();
  svc_->live().end_all("中心停止 / the center stops");
  {
    std::unique_lock<std::mutex> g(impl_->mu);
    for (auto& a : impl_->active) shutdown(a.fd, SHUT_RDWR);  // sessions still logging in
    impl_->cv.wait_for(g, std::chrono::seconds(30), [&] { return impl_->running == 0; });
  }
  impl_->cv.notify_all();
  if (watchdog_.joinable()) watchdog_.join();
}

void SshServer::watchdog_loop() {
  std::unique_lock<std::mutex> g(impl_->mu);
  while (!stop_) {
    impl_->cv.wait_for(g, std::chrono::seconds(1));
    int64_t now = now_ns();
    for (auto& a : impl_->active) {
      int64_t d = a.deadline.load();
      if (d && now > d) {
        shutdown(a.fd, SHUT_RDWR);  // the blocked libssh call returns an error
        a.deadline = 0;
      }
    }
  }
}

void SshServer::accept_loop() {
  pthread_setname_np(pthread_self(), "ws-bastion");
  Impl& im = *impl_;
  while (!stop_) {
    pollfd p[2] = {{ssh_bind_get_fd(im.bind), POLLIN, 0}, {im.wake[0], POLLIN, 0}};
    if (poll(p, 2, -1) < 0) continue;
    if (stop_ || p[1].revents) break;
    ssh_session s = ssh_new();
    if (ssh_bind_accept(im.bind, s) != SSH_OK) {
      spdlog::warn("bastion: accept failed: {}", ssh_get_error(im.bind));
      ssh_free(s);
      continue;
    }
    stats_.accepted++;
    int fd = ssh_get_fd(s);
    int yes = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);  // interactive: no Nagle wait on echoes
    std::string ip;
    sockaddr_storage sa{};
    socklen_t len = sizeof sa;
    char buf[64] = "";
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&sa), &len) == 0) {
      if (sa.ss_family == AF_INET)
        inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&sa)->sin_addr, buf, sizeof buf);
      else
        inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&sa)->sin6_addr, buf, sizeof buf);
      ip = buf;
    }
    std::list<Impl::Active>::iterator slot;
    {
      std::lock_guard<std::mutex> g(im.mu);
      if (im.running >= svc_->options().max_sessions) {
        stats_.refused_busy++;
        spdlog::warn("bastion: {} refused: {} connections already", ip, im.running);
        ssh_disconnect(s);
        ssh_free(s);
        continue;
      }
      im.running++;
      slot = im.active.emplace(im.active.end());
      slot->fd = fd;
      slot->deadline = now_ns() + static_cast<int64_t>(svc_->options().login_timeout_sec) * kSec;
    }
    std::thread([this, s, ip, slot] {
      pthread_setname_np(pthread_self(), "ws-bastion-s");
      Conn c{*svc_, stats_, ip, slot->deadline, stop_};
      serve_connection(s, c);
      ssh_disconnect(s);
      ssh_free(s);
      std::lock_guard<std::mutex> g(impl_->mu);
      impl_->active.erase(slot);
      impl_->running--;
      impl_->cv.notify_all();
    }).detach();
  }
}

Status SshServer::open_terminal(const std::string& user, const std::string& ip, int64_t account, int cols, int rows,
                                const std::shared_ptr<WebTerminal>& term) {
  if (stop_) return Error{"中心正在停止 / the center is stopping"};
  if (svc_->blocked(user)) return Error{"运维权限已被冻结 / blocked from the bastion"};
  Request rq;
  rq.user = user;
  rq.pty = true;
  rq.term = "xterm-256color";
  rq.cols = std::clamp(cols, 10, 1000);
  rq.rows = std::clamp(rows, 2, 500);
  rq.kind = "web";
  auto list = choices(*svc_, user, rq);
  if (!list) return Error{list.error()};
  std::optional<HostAccount> chosen;
  for (const auto& c : *list)
    if (c.account.id == account) chosen = c.account;
  if (!chosen) {
    Fact f{"session_refused", "failure", user, ip, "account " + std::to_string(account)};
    f.severity = "medium";
    f.message = "unauthorized target (web)";
    svc_->emit(f);
    return Error{"未授权或不存在 / not granted or unknown: host account " + std::to_string(account)};
  }
  rq.target = chosen->username + "@" + chosen->asset;
  {
    std::lock_guard<std::mutex> g(impl_->mu);
    if (impl_->running >= svc_->options().max_sessions) {
      stats_.refused_busy++;
      return Error{"堡垒机会话已满 / the bastion is full (max_sessions)"};
    }
    impl_->running++;
  }
  stats_.web_sessions++;
  std::thread([this, rq, ip, a = *chosen, term] {
    pthread_setname_np(pthread_self(), "ws-bastion-w");
    run_session(*svc_, *term, ip, rq, a);
    term->finished("");
    std::lock_guard<std::mutex> g(impl_->mu);
    impl_->running--;
    impl_->cv.notify_all();
  }).detach();
  return {};
}

}  // namespace wardsec::bastion
