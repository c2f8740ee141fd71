#include "core/datadir.h"
#include "core/process.h"
#include "report/report.h"
#include <thread>
#include <atomic>
#include <sys/socket.h>
#include <pwd.h>
#include <netinet/in.h>
#include <grp.h>
#include <arpa/inet.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "alert/alert_store.h"
#include "compliance/grading.h"
#include "core/timeutil.h"
#include "report/common.h"

namespace wardsec::report {

namespace {

// The page Chromium prints, served once from loopback at a random path: the browser never
// opens a file:// page (which could pull other local files into the PDF), and everything
// but this one address goes to a proxy that does not exist.
class OnePageServer {
 public:
  explicit OnePageServer(std::string html) : html_(std::move(html)), path_("/" + random_hex()) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd_, 8) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
      return;
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~OnePageServer() {
    stop_ = true;
    if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) ::close(fd_);
  }
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + path_; }

 private:
  static std::string random_hex() {
    unsigned char b[16];
    std::ifstream("/dev/urandom", std::ios::binary).read(reinterpret_cast<char*>(b), sizeof b);
    static const char* d = "0123456789abcdef";
    std::string out;
    for (unsigned char c : b) out += {d[c >> 4], d[c & 15]};
    return out;
  }
  void serve() {
    while (!stop_) {
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) return;
      timeval tv{5, 0};
      ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      std::string req;
      char buf[4096];
      while (req.find("\r\n\r\n") == std::string::npos && req.size() < 16384) {
        ssize_t n = ::recv(c, buf, sizeof buf, 0);
        if (n <= 0) break;
        req.append(buf, static_cast<size_t>(n));
      }
      bool mine = req.rfind("GET " + path_ + " ", 0) == 0;
      std::string body = mine ? html_ : std::string("not found\n");
      std::string head = std::string(mine ? "HTTP/1.1 200 OK" : "HTTP/1.1 404 Not Found") +
                         "\r\nContent-Type: text/html; charset=utf-8\r\nContent-Security-Policy: default-src 'none'; script-src 'none'; "
                         "frame-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:\r\nContent-Length: " +
                         std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
      std::string out = head + body;
      for (size_t off = 0; off < out.size();) {
        ssize_t n = ::send(c, out.data() + off, out.size() - off, MSG_NOSIGNAL);
        if (n <= 0) break;
        off += static_cast<size_t>(n);
      }
      ::close(c);
    }
  }
  std::string html_, path_;
  int fd_ = -1, port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace

// Chromium prints with its sandbox on (as root, which the sandbox refuses, it runs as the
// unprivileged user nobody), no network but the one page (a proxy that does not exist for
// everything else, loopback included, and no name resolution), and the page's own CSP
// turning off scripts, frames and every load but inline styles and data: images. (Chromium's
// scriptEnabled=false setting also stops headless printing, so the CSP does that job.)
Status html_to_pdf(const std::string& html, const std::string& pdf_path, const std::string& chromium) {
  namespace fs = std::filesystem;
  std::string exe = chromium.empty() ? "/usr/bin/chromium" : chromium;
  if (access(exe.c_str(), X_OK) != 0)
    return Error{"PDF needs Chromium (" + exe + "): apt-get install chromium; HTML and XLSX work without it"};
  std::error_code ec;
  fs::path dir = fs::temp_directory_path(ec) / ("wardsec-report-" + std::to_string(getpid()) + "-" + std::to_string(now_ns()));
  fs::create_directories(dir / "profile", ec);
  if (ec) return Error{"cannot make a temporary folder: " + ec.message()};
  uid_t uid = geteuid();
  gid_t gid = getegid();
  if (uid == 0) {
    const passwd* pw = getpwnam("nobody");
    if (!pw) return Error{"PDF: running as root and there is no user 'nobody' to print as"};
    uid = pw->pw_uid;
    gid = pw->pw_gid;
    for (const auto& p : {dir, dir / "profile"})
      if (::chown(p.c_str(), uid, gid) != 0) return Error{"cannot hand the print folder to nobody"};
  }
  OnePageServer page(html);
  if (!page.port()) return Error{"PDF: cannot serve the page on loopback"};
  fs::path out = dir / "out.pdf";
  std::string out_arg = "--print-to-pdf=" + out.string();
  std::string profile = "--user-data-dir=" + (dir / "profile").string();
  std::string bypass = "--proxy-bypass-list=<-loopback>;127.0.0.1:" + std::to_string(page.port());
  std::string url = page.url();
  pid_t pid = fork();
  if (pid < 0) return Error{"fork failed"};
  if (pid == 0) {
    int null = ::open("/dev/null", O_WRONLY);
    if (null >= 0) {
      dup2(null, 1);
      dup2(null, 2);
    }
    if (geteuid() == 0 && (setgroups(0, nullptr) != 0 || setgid(gid) != 0 || setuid(uid) != 0)) _exit(126);
    setenv("HOME", dir.c_str(), 1);
    execl(exe.c_str(), exe.c_str(), "--headless", "--disable-gpu", "--disable-dev-shm-usage", "--no-pdf-header-footer",
          "--run-all-compositor-stages-before-draw", "--disable-extensions", "--disable-background-networking", "--no-first-run",
          "--proxy-server=http://127.0.0.1:9", bypass.c_str(), "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", profile.c_str(),
          out_arg.c_str(), url.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  // Chromium prints within seconds; a hung browser must not hang the caller.
  int status = 0;
  bool done = wait_child(pid, now_ns() + 120 * kSec, status);
  bool printed = done && WIFEXITED(status) && WEXITSTATUS(status) == 0 && fs::exists(out) && fs::file_size(out, ec) > 0;
  if (printed) fs::copy_file(out, pdf_path, fs::copy_options::overwrite_existing, ec);
  fs::remove_all(dir, ec);
  if (!done) return Error{"Chromium did not finish printing within 120 s"};
  if (!printed || !fs::exists(pdf_path))
    return Error{"Chromium could not print the PDF (exit " + std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
                 "; its sandbox needs unprivileged user namespaces)"};
  return {};
}

}  // namespace wardsec::report
