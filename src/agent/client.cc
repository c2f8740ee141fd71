#include "agent/client.h"

#include <curl/curl.h>

namespace wardsec::agent {
namespace {

size_t collect(char* p, size_t size, size_t n, void* ud) {
  auto* s = static_cast<std::string*>(ud);
  if (s->size() + size * n > (64u << 20)) return 0;  // an answer larger than any the center gives
  s->append(p, size * n);
  return size * n;
}

void blob(CURL* c, CURLoption opt, const std::string& s) {
  curl_blob b{const_cast<char*>(s.data()), s.size(), CURL_BLOB_COPY};
  curl_easy_setopt(c, opt, &b);
}

}  // namespace

Client::Client(std::string center, std::string ca_pem, std::string cert_pem, std::string key_pem)
    : center_(std::move(center)), ca_(std::move(ca_pem)), cert_(std::move(cert_pem)), key_(std::move(key_pem)) {
  static const bool inited = [] { return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; }();
  (void)inited;
}

Client::~Client() {
  if (curl_) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

Result<Answer> Client::post(const std::string& path, const std::string& body, int timeout_ms) {
  if (!curl_) {
    CURL* c = curl_easy_init();
    if (!c) return Error{"curl_easy_init failed"};
    curl_ = c;
    curl_easy_setopt(c, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
    if (ca_.empty()) {
      curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    } else {
      blob(c, CURLOPT_CAINFO_BLOB, ca_);  // the pinned CA only
      curl_easy_setopt(c, CURLOPT_CAPATH, nullptr);
      curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
      curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    }
    if (!cert_.empty()) {
      blob(c, CURLOPT_SSLCERT_BLOB, cert_);
      curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, "PEM");
      blob(c, CURLOPT_SSLKEY_BLOB, key_);
      curl_easy_setopt(c, CURLOPT_SSLKEYTYPE, "PEM");
    }
  }
  CURL* c = static_cast<CURL*>(curl_);
  std::string url = "https://" + center_ + path, answer;
  curl_slist* h = curl_slist_append(nullptr, "Content-Type: application/json");
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &answer);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_ms));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(h);
  if (rc != CURLE_OK) {
    // A broken connection is not kept: the next request starts afresh.
    curl_easy_cleanup(c);
    curl_ = nullptr;
    return Error{center_ + ": " + curl_easy_strerror(rc)};
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  return Answer{static_cast<int>(status), std::move(answer)};
}

}  // namespace wardsec::agent
