#include "ops/config/text.h"

#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <unordered_map>
#include <vector>

#include "core/strutil.h"

namespace wardsec::ops::config {

namespace {

bool starts_with_ci(std::string_view s, std::string_view p) { return s.size() >= p.size() && iequals(s.substr(0, p.size()), p); }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Terminal debris out of one line: escape sequences, backspaces (with what they erase), the
// pagers' prompts, trailing blanks.
std::string clean_line(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); i++) {
    char c = in[i];
    if (c == '\x1b') {  // CSI "ESC [ ... final" or a two-byte escape
      if (i + 1 < in.size() && in[i + 1] == '[') {
        i += 2;
        while (i < in.size() && !(in[i] >= 0x40 && in[i] <= 0x7e)) i++;
      } else {
        i++;
      }
      continue;
    }
    if (c == '\b') {
      if (!out.empty()) out.pop_back();
      continue;
    }
    if (c == '\r' || c == '\0' || c == '\x07') continue;
    out.push_back(c);
  }
  for (std::string_view pager : {"  ---- More ----", "---- More ----", " --More-- ", "--More--", "<--- More --->", "-- More --"}) {
    for (size_t p; (p = out.find(pager)) != std::string::npos;) out.erase(p, pager.size());
  }
  while (!out.empty() && (out.back() == ' ' || out.back() == '\t')) out.pop_back();
  return out;
}

// Lines that change on every fetch without a change of the configuration.
bool volatile_line(std::string_view l) {
  std::string_view t = trim(l);
  for (std::string_view p :
       {"! Last configuration change at", "! NVRAM config last updated", "! No configuration change since", "ntp clock-period",
        "Building configuration", "Current configuration :", "!Time:", "!Last configuration was updated at",
        "!Last configuration was saved at", "Using ", "Load for five secs", "Time source is"}) {
    if (starts_with_ci(t, p)) return p != std::string_view("Using ") || t.find(" bytes") != std::string_view::npos;
  }
  return false;
}

bool keyword(std::string_view t) {
  for (std::string_view k : {"password",
                             "passwd",
                             "secret",
                             "community",
                             "cipher",
                             "irreversible-cipher",
                             "key-string",
                             "pre-shared-key",
                             "pre-share-key",
                             "authentication-key",
                             "auth-key",
                             "psk",
                             "shared-secret",
                             "encrypted-password",
                             "authentication-mode",
                             "md5",
                             "sha",
                             "priv-key",
                             "auth-password",
                             "priv-password"})
    if (iequals(t, k)) return true;
  return false;
}

// Words that follow a secret's keyword without being the secret.
bool keep_word(std::string_view t) {
  if (t.size() == 1 && t[0] >= '0' && t[0] <= '9') return true;  // an encryption type: password 7 ...
  for (std::string_view k : {"simple",    "cipher",      "irreversible-cipher",
                             "encrypted", "hidden",      "plain",
                             "read",      "write",       "ro",
                             "rw",        "level",       "privilege",
                             "view",      "hash",        "unencrypted",
                             "ascii",     "hex",         "md5",
                             "sha",       "sha256",      "aes",
                             "aes128",    "des",         "hmac-md5",
                             "hmac-sha",  "hmac-sha256", "mib-view",
                             "acl",       "local-user",  "user",
                             "mode",      "type",        "encrypt"})
    if (iequals(t, k)) return true;
  return false;
}

std::string digest_tag(std::string_view secret, std::string_view salt) {
  std::string in(salt);
  in.push_back('\0');
  in.append(secret);
  std::array<unsigned char, SHA256_DIGEST_LENGTH> d{};
  SHA256(reinterpret_cast<const unsigned char*>(in.data()), in.size(), d.data());
  static const char* hex = "0123456789abcdef";
  std::string out = "<secret:";
  for (int i = 0; i < 4; i++) {
    out.push_back(hex[d[i] >> 4]);
    out.push_back(hex[d[i] & 15]);
  }
  return out + ">";
}

}  // namespace

std::string mask_secrets(std::string_view line, std::string_view salt) {
  std::string out;
  size_t i = 0;
  bool after_key = false;
  while (i < line.size()) {
    size_t ws = i;
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) i++;
    out.append(line.substr(ws, i - ws));
    if (i >= line.size()) break;
    size_t b = i;
    if (line[i] == '"') {  // a quoted value is one word
      size_t e = line.find('"', i + 1);
      i = e == std::string_view::npos ? line.size() : e + 1;
    } else {
      while (i < line.size() && line[i] != ' ' && line[i] != '\t') i++;
    }
    std::string_view w = line.substr(b, i - b);
    if (keyword(w)) {
      after_key = true;
      out.append(w);
    } else if (after_key && !keep_word(w)) {
      out.append(digest_tag(w, salt));
    } else {
      out.append(w);
    }
  }
  return out;
}

std::string normalize(std::string_view raw, std::string_view command, std::string_view salt) {
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos <= raw.size()) {
    size_t nl = raw.find('\n', pos);
    if (nl == std::string_view::npos) nl = raw.size();
    lines.push_back(clean_line(raw.substr(pos, nl - pos)));
    if (nl == raw.size()) break;
    pos = nl + 1;
  }
  // An interactive fetch: what came before the echoed command (banner, prompt, paging
  // commands), and from the next prompt on (the closing commands), is not configuration.
  size_t from = 0, to = lines.size();
  std::string_view cmd = trim(command);
  if (!cmd.empty()) {
    for (size_t i = 0; i < lines.size(); i++) {
      std::string_view l = lines[i];
      size_t at = l.rfind(cmd);
      if (at != std::string_view::npos && trim(l.substr(at + cmd.size())).empty()) {
        std::string prompt(trim(l.substr(0, at)));
        from = i + 1;
        if (!prompt.empty())
          for (size_t j = from; j < lines.size(); j++)
            if (std::string_view(lines[j]).substr(0, prompt.size()) == prompt) {
              to = j;
              break;
            }
        break;
      }
    }
  }
  // A closing prompt ("<HIS-CORE-SW01>", "Router#", "[H3C]") that nothing else marked.
  while (to > from && trim(lines[to - 1]).empty()) to--;
  if (!cmd.empty() && to > from) {
    std::string_view last = trim(lines[to - 1]);
    char e = last.empty() ? 0 : last.back();
    if (last.size() >= 2 && last.size() < 64 && last.find(' ') == std::string_view::npos && (e == '>' || e == '#' || e == ']' || e == '$'))
      to--;
  }
  std::string out;
  for (size_t i = from; i < to; i++) {
    if (volatile_line(lines[i])) continue;
    if (out.empty() && trim(lines[i]).empty()) continue;
    out += mask_secrets(lines[i], salt);
    out.push_back('\n');
  }
  while (out.size() >= 2 && out[out.size() - 1] == '\n' && out[out.size() - 2] == '\n') out.pop_back();
  return out;
}

namespace {

enum class Op : char { kEq, kDel, kIns };

std::vector<std::string_view> split_lines(std::string_view s) {
  std::vector<std::string_view> v;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t nl = s.find('\n', pos);
    if (nl == std::string_view::npos) nl = s.size();
    v.push_back(s.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return v;
}

// Myers' greedy forward search, keeping each round's frontier to walk back the edit script.
// False when more than `max_d` edits are needed.
bool myers(const std::vector<int>& a, const std::vector<int>& b, size_t max_d, std::vector<Op>& ops) {
  const int n = static_cast<int>(a.size()), m = static_cast<int>(b.size());
  const int max = n + m, off = max + 1;
  std::vector<int> v(2 * max + 3, 0);
  std::vector<std::vector<int>> trace;
  int found = -1;
  for (int d = 0; d <= max && static_cast<size_t>(d) <= max_d; d++) {
    trace.emplace_back(v.begin() + (off - d - 1), v.begin() + (off + d + 2));  // k-1..k+1 for |k| <= d
    for (int k = -d; k <= d; k += 2) {
      int x = (k == -d || (k != d && v[off + k - 1] < v[off + k + 1])) ? v[off + k + 1] : v[off + k - 1] + 1;
      int y = x - k;
      while (x < n && y < m && a[x] == b[y]) x++, y++;
      v[off + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
    if (found >= 0) break;
  }
  if (found < 0) return false;
  int x = n, y = m;
  std::vector<Op> rev;
  for (int d = found; d > 0; d--) {
    const auto& pv = trace[d];  // pv[j] is the frontier at diagonal j - d - 1
    auto at = [&](int kk) { return pv[kk + d + 1]; };
    int k = x - y;
    int pk = (k == -d || (k != d && at(k - 1) < at(k + 1))) ? k + 1 : k - 1;
    int px = at(pk), py = px - pk;
    while (x > px && y > py) rev.push_back(Op::kEq), x--, y--;
    rev.push_back(pk == k + 1 ? Op::kIns : Op::kDel);
    x = px;
    y = py;
  }
  while (x > 0 && y > 0) rev.push_back(Op::kEq), x--, y--;
  ops.assign(rev.rbegin(), rev.rend());
  return true;
}

}  // namespace

Diff diff(std::string_view a_text, std::string_view b_text, std::string_view a_name, std::string_view b_name, size_t max_edits) {
  auto a = split_lines(a_text), b = split_lines(b_text);
  std::unordered_map<std::string_view, int> ids;
  auto id_of = [&](std::string_view l) { return ids.emplace(l, static_cast<int>(ids.size())).first->second; };
  std::vector<int> ia, ib;
  for (auto l : a) ia.push_back(id_of(l));
  for (auto l : b) ib.push_back(id_of(l));
  size_t pre = 0;
  while (pre < ia.size() && pre < ib.size() && ia[pre] == ib[pre]) pre++;
  size_t suf = 0;
  while (suf < ia.size() - pre && suf < ib.size() - pre && ia[ia.size() - 1 - suf] == ib[ib.size() - 1 - suf]) suf++;
  std::vector<int> ma(ia.begin() + pre, ia.end() - suf), mb(ib.begin() + pre, ib.end() - suf);
  std::vector<Op> mid;
  Diff out;
  if (!myers(ma, mb, max_edits, mid)) {
    out.truncated = true;
    mid.assign(ma.size(), Op::kDel);
    mid.insert(mid.end(), mb.size(), Op::kIns);
  }
  std::vector<Op> ops(pre, Op::kEq);
  ops.insert(ops.end(), mid.begin(), mid.end());
  ops.insert(ops.end(), suf, Op::kEq);
  for (Op o : ops) {
    if (o == Op::kDel) out.removed++;
    if (o == Op::kIns) out.added++;
  }
  if (out.added + out.removed == 0) return out;
  out.text = "--- " + std::string(a_name) + "\n+++ " + std::string(b_name) + "\n";
  // Hunks: each change with 3 lines of context; changes 6 or fewer lines apart share a hunk.
  constexpr size_t kCtx = 3;
  size_t i = 0;
  std::vector<size_t> ai(ops.size() + 1), bi(ops.size() + 1);  // line positions before op i
  for (size_t k = 0, x = 0, y = 0; k <= ops.size(); k++) {
    ai[k] = x;
    bi[k] = y;
    if (k < ops.size()) {
      if (ops[k] != Op::kIns) x++;
      if (ops[k] != Op::kDel) y++;
    }
  }
  while (i < ops.size()) {
    while (i < ops.size() && ops[i] == Op::kEq) i++;
    if (i >= ops.size()) break;
    size_t start = i >= kCtx ? i - kCtx : 0, end = i;
    for (size_t eq = 0; end < ops.size(); end++) {
      eq = ops[end] == Op::kEq ? eq + 1 : 0;
      if (eq > 2 * kCtx) {
        end -= eq - kCtx - 1;
        break;
      }
    }
    end = std::min(end, ops.size());
    size_t a0 = ai[start], b0 = bi[start], alen = ai[end] - a0, blen = bi[end] - b0;
    out.text += "@@ -" + std::to_string(alen ? a0 + 1 : a0) + "," + std::to_string(alen) + " +" + std::to_string(blen ? b0 + 1 : b0) + "," +
                std::to_string(blen) + " @@\n";
    for (size_t k = start; k < end; k++) {
      char mark = ops[k] == Op::kEq ? ' ' : ops[k] == Op::kDel ? '-' : '+';
      std::string_view line = ops[k] == Op::kIns ? b[bi[k]] : a[ai[k]];
      out.text.push_back(mark);
      out.text.append(line);
      out.text.push_back('\n');
    }
    i = end;
  }
  return out;
}

}  // namespace wardsec::ops::config
