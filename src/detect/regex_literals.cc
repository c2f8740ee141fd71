#include "detect/regex_literals.h"

#include <algorithm>
#include <optional>

namespace wardsec::detect {

namespace {

bool is_alnum(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// The end (one past ']') of the character class opening at `i`; npos when it does not close.
size_t class_end(std::string_view re, size_t i) {
  size_t j = i + 1;
  if (j < re.size() && re[j] == '^') j++;
  if (j < re.size() && re[j] == ']') j++;  // a leading ] is a member
  while (j < re.size() && re[j] != ']') {
    if (re[j] == '\\') {
      j += 2;
    } else if (re[j] == '[' && j + 1 < re.size() && re[j + 1] == ':') {
      size_t k = re.find(":]", j + 2);
      if (k == std::string_view::npos) return std::string_view::npos;
      j = k + 2;
    } else {
      j++;
    }
  }
  return j < re.size() ? j + 1 : std::string_view::npos;
}

// The end (one past ')') of the group opening at `i`; npos when it does not close.
size_t group_end(std::string_view re, size_t i) {
  int depth = 0;
  for (size_t j = i; j < re.size();) {
    char c = re[j];
    if (c == '\\') {
      j += 2;
    } else if (c == '[') {
      j = class_end(re, j);
      if (j == std::string_view::npos) return j;
    } else {
      if (c == '(') depth++;
      if (c == ')' && --depth == 0) return j + 1;
      j++;
    }
  }
  return std::string_view::npos;
}

// A quantifier at `i`: its length (0: none) and its minimum.
size_t quantifier(std::string_view re, size_t i, int& min) {
  if (i >= re.size()) return 0;
  size_t n = 0;
  if (re[i] == '*' || re[i] == '?') {
    min = 0;
    n = 1;
  } else if (re[i] == '+') {
    min = 1;
    n = 1;
  } else if (re[i] == '{') {
    size_t j = i + 1;
    int m = 0;
    bool digits = false;
    while (j < re.size() && re[j] >= '0' && re[j] <= '9') {
      m = std::min(m * 10 + (re[j] - '0'), 100000);
      digits = true;
      j++;
    }
    if (!digits) return 0;  // "{" not followed by a count is a literal brace
    if (j < re.size() && re[j] == ',') {
      j++;
      while (j < re.size() && re[j] >= '0' && re[j] <= '9') j++;
    }
    if (j >= re.size() || re[j] != '}') return 0;
    min = m;
    n = j + 1 - i;
  }
  if (n && i + n < re.size() && (re[i + n] == '?' || re[i + n] == '+')) n++;  // lazy, possessive
  return n;
}

// The longest run of characters every match of `b` (one branch, no top-level '|') has side by
// side; nullopt when `b` holds something this reader does not understand.
std::optional<std::string> longest_run(std::string_view b, bool caseless) {
  std::string cur, best;
  auto flush = [&] {
    if (cur.size() > best.size()) best = cur;
    cur.clear();
  };
  size_t i = 0;
  while (i < b.size()) {
    char c = b[i];
    std::optional<char> ch;  // the atom is this one character
    size_t next = i + 1;
    if (c == '\\') {
      if (i + 1 >= b.size()) return std::nullopt;
      char d = b[i + 1];
      next = i + 2;
      if (!is_alnum(d)) {
        ch = d;
      } else if (d == 'n' || d == 't' || d == 'r' || d == 'f' || d == 'a' || d == 'e') {
        ch = d == 'n' ? '\n' : d == 't' ? '\t' : d == 'r' ? '\r' : d == 'f' ? '\f' : d == 'a' ? '\a' : '\x1b';
      } else if (d == 'x') {
        std::string hex;
        if (i + 2 < b.size() && b[i + 2] == '{') {
          size_t e = b.find('}', i + 3);
          if (e == std::string_view::npos) return std::nullopt;
          hex = std::string(b.substr(i + 3, e - i - 3));
          next = e + 1;
        } else {
          while (next < b.size() && hex.size() < 2 && is_hex(b[next])) hex.push_back(b[next++]);
        }
        if (hex.empty() || hex.size() > 8 || !std::all_of(hex.begin(), hex.end(), is_hex)) return std::nullopt;
        unsigned long v = std::stoul(hex, nullptr, 16);
        if (v >= 0x80) {
          ch.reset();  // not ASCII: an atom of its own, never part of a literal
        } else {
          ch = static_cast<char>(v);
        }
      } else if (d == 'p' || d == 'P') {
        if (next < b.size() && b[next] == '{') {
          size_t e = b.find('}', next);
          if (e == std::string_view::npos) return std::nullopt;
          next = e + 1;
        } else {
          next++;
        }
      } else if (d == 'c') {
        next = i + 3;
      } else if (std::string_view("dwsDWShHvVRXNbBAzZGK").find(d) != std::string_view::npos) {
        // a class of characters or a zero-width assertion: not a literal
      } else {
        return std::nullopt;  // back references, \Q...\E, \o{}, octal: not read
      }
    } else if (c == '[') {
      next = class_end(b, i);
      if (next == std::string_view::npos) return std::nullopt;
    } else if (c == '(') {
      if (i + 1 < b.size() && b[i + 1] == '*') return std::nullopt;  // (*VERB)
      if (i + 1 < b.size() && b[i + 1] == '?') {
        // Inline options: extended mode (x) changes what whitespace means, so give up on it.
        size_t j = i + 2;
        while (j < b.size() && (is_alnum(b[j]) || b[j] == '-' || b[j] == '^')) {
          if (b[j] == 'x') return std::nullopt;
          j++;
        }
      }
      next = group_end(b, i);
      if (next == std::string_view::npos) return std::nullopt;
    } else if (c == ')' || c == '|') {
      return std::nullopt;
    } else if (c == '*' || c == '+' || c == '?') {
      return std::nullopt;  // a quantifier with nothing to repeat
    } else if (c == '.' || c == '^' || c == '$') {
      // any character, or an anchor
    } else if (static_cast<unsigned char>(c) >= 0x80) {
      // a byte of a multi-byte character: case folding and quantifiers act on the whole
      // character, so it is never part of a literal
    } else {
      ch = c;
    }
    if (ch && caseless && (lower(*ch) == 'k' || lower(*ch) == 's')) ch.reset();  // U+212A, U+017F
    int min = 1;
    size_t q = quantifier(b, next, min);
    if (ch && !q) {
      cur.push_back(lower(*ch));
    } else if (ch && min > 0) {
      cur.push_back(lower(*ch));  // it is there at least once; what follows may not be adjacent
      flush();
    } else {
      flush();
    }
    i = next + q;
  }
  flush();
  return best;
}

}  // namespace

std::vector<std::string> required_literals(std::string_view re, bool caseless, size_t min_len) {
  if (re.find("(?") != std::string_view::npos) caseless = true;  // an inline option may turn it on
  // The top-level branches: every match matches one of them, so each must name a literal.
  std::vector<std::string_view> branches;
  size_t start = 0;
  int depth = 0;
  for (size_t j = 0; j < re.size();) {
    char c = re[j];
    if (c == '\\') {
      j += 2;
      continue;
    }
    if (c == '[') {
      j = class_end(re, j);
      if (j == std::string_view::npos) return {};
      continue;
    }
    if (c == '(') depth++;
    if (c == ')' && --depth < 0) return {};
    if (c == '|' && depth == 0) {
      branches.push_back(re.substr(start, j - start));
      start = j + 1;
    }
    j++;
  }
  if (depth != 0) return {};
  branches.push_back(re.substr(std::min(start, re.size())));
  std::vector<std::string> out;
  for (auto b : branches) {
    auto lit = longest_run(b, caseless);
    if (!lit || lit->size() < std::max<size_t>(min_len, 1)) return {};
    if (std::find(out.begin(), out.end(), *lit) == out.end()) out.push_back(std::move(*lit));
  }
  return out;
}

}  // namespace wardsec::detect
