#include "agent/outbox.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <vector>

#include "core/files.h"

namespace wardsec::agent {
namespace fs = std::filesystem;

Outbox::Outbox(std::string dir, int64_t max_bytes, int64_t max_files) : dir_(std::move(dir)), max_bytes_(max_bytes), max_files_(max_files) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  for (const auto& e : fs::directory_iterator(dir_, ec)) {
    std::string n = e.path().filename().string();
    if (n.size() != 25 || n.substr(20) != ".json") {
      fs::remove(e.path(), ec);  // a temporary file a crash left
      continue;
    }
    files_++;
    bytes_ += static_cast<int64_t>(e.file_size(ec));
    next_ = std::max<int64_t>(next_, std::strtoll(n.substr(0, 20).c_str(), nullptr, 10) + 1);
  }
}

Status Outbox::put(const std::string& body) {
  std::lock_guard g(mu_);
  if (files_ >= max_files_ || bytes_ + static_cast<int64_t>(body.size()) > max_bytes_) {
    dropped++;
    return Error{"outbox full"};
  }
  char name[40];
  std::snprintf(name, sizeof name, "/%020lld.json", static_cast<long long>(next_++));
  if (Status s = write_file_atomic(dir_ + name, body); !s) return s;
  files_++;
  bytes_ += static_cast<int64_t>(body.size());
  return {};
}

std::optional<std::pair<std::string, std::string>> Outbox::oldest() {
  std::lock_guard g(mu_);
  if (files_ == 0) return std::nullopt;
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir_, ec))
    if (e.path().extension() == ".json") names.push_back(e.path().string());
  if (names.empty()) return std::nullopt;
  std::string first = *std::min_element(names.begin(), names.end());
  auto body = read_file(first);
  if (!body) return std::nullopt;
  return std::make_pair(first, *body);
}

void Outbox::done(const std::string& file) {
  std::lock_guard g(mu_);
  std::error_code ec;
  auto size = static_cast<int64_t>(fs::file_size(file, ec));
  if (fs::remove(file, ec)) {
    files_--;
    bytes_ -= ec ? 0 : size;
  }
}

}  // namespace wardsec::agent
