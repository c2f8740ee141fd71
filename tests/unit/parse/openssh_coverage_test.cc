// Coverage against real-world data: every line of loghub's OpenSSH_2k.log parses, and where
// the structured CSV (the ground truth) names a user or an address, our event carries it.
// Data: ../shared/reference/logs (loghub; see its LICENSE.loghub and CITATION.loghub).
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "core/strutil.h"
#include "test_util.h"

using namespace wardsec;

namespace {

struct Truth {
  std::vector<std::string> users, addresses;
};

// Which <*> of a template is a user and which an address, from the words before it.
Truth label(const std::string& tmpl, const std::vector<std::string>& params) {
  Truth t;
  size_t pos = 0, i = 0;
  while ((pos = tmpl.find("<*>", pos)) != std::string::npos && i < params.size()) {
    std::string before = tmpl.substr(0, pos);
    auto ends = [&](const char* s) { return before.size() >= strlen(s) && before.compare(before.size() - strlen(s), strlen(s), s) == 0; };
    const std::string& v = params[i];
    if (ends("user ") || ends("user=") || ((ends("password for ") || ends("none for ")) && !ends("invalid user ")))
      t.users.push_back(v);
    else if (ends("from ") || ends("rhost=") || ends("by ") || (ends(" [") && before.find("getaddrinfo") != std::string::npos))
      t.addresses.push_back(v);
    pos += 3;
    i++;
  }
  return t;
}

std::vector<std::string> split_csv(const std::string& line) {
  // The file has no quoted fields; Content is column 7 of 9, and may itself hold commas, so
  // take the first six and the last two and keep the middle together.
  std::vector<std::string> f;
  size_t p = 0;
  for (int i = 0; i < 6; i++) {
    size_t c = line.find(',', p);
    f.push_back(line.substr(p, c - p));
    p = c + 1;
  }
  size_t last = line.rfind(',');
  size_t second_last = line.rfind(',', last - 1);
  f.push_back(line.substr(p, second_last - p));
  f.push_back(line.substr(second_last + 1, last - second_last - 1));
  f.push_back(line.substr(last + 1));
  return f;
}

std::string regex_escape(const std::string& s) {
  static const std::regex special(R"([.^$|()\[\]{}*+?\\])");
  return std::regex_replace(s, special, R"(\$&)");
}

}  // namespace

TEST(OpenSshCoverage, EveryLineParsesAndCarriesUserAndAddress) {
  std::string dir = test::shared_dir() + "/reference/logs/";
  std::ifstream log(dir + "OpenSSH_2k.log"), csv(dir + "OpenSSH_2k.log_structured.csv");
  ASSERT_TRUE(log && csv) << "reference logs not found under " << dir;
  std::string line, row;
  std::getline(csv, row);  // header
  int lines = 0, users_checked = 0, addrs_checked = 0;
  std::vector<std::string> failures;
  while (std::getline(log, line) && std::getline(csv, row)) {
    lines++;
    Event ev = test::decode(line);
    if (ev.flags & kParseError || ev.get(kEventDataset) != "sshd" || ev.get(kHostName) != "LabSZ") {
      failures.push_back("not parsed: " + line);
      continue;
    }
    auto f = split_csv(row);
    const std::string& content = f[6];
    const std::string& tmpl = f[8];
    std::string pattern = regex_escape(tmpl);
    // "<*>" was escaped to "<\*>": each becomes a lazy group.
    pattern = std::regex_replace(pattern, std::regex(R"(<\\\*>)"), "(.*?)");
    std::smatch m;
    std::string c = std::string(trim(content));
    std::string pat = std::string(trim(pattern));
    if (!std::regex_match(c, m, std::regex(pat))) continue;  // template and content disagree in the CSV itself
    std::vector<std::string> params;
    for (size_t i = 1; i < m.size(); i++) params.push_back(std::string(trim(m[i].str())));  // the CSV keeps trailing blanks
    Truth t = label(tmpl, params);
    for (const auto& u : t.users) {
      users_checked++;
      if (ev.get(kUserName) != u) failures.push_back("user '" + u + "' != '" + std::string(ev.get(kUserName)) + "': " + line);
    }
    for (const auto& a : t.addresses) {
      addrs_checked++;
      if (ev.get(kSourceIp) != a && ev.get(kSourceAddress) != a)
        failures.push_back("address '" + a + "' != '" + std::string(ev.get(kSourceAddress)) + "': " + line);
    }
  }
  EXPECT_EQ(lines, 2000);
  EXPECT_GT(users_checked, 1000);
  EXPECT_GT(addrs_checked, 1500);
  for (size_t i = 0; i < failures.size() && i < 20; i++) ADD_FAILURE() << failures[i];
  EXPECT_EQ(failures.size(), 0u);
  std::printf("OpenSSH_2k: %d lines parsed; %d users and %d addresses checked against the CSV\n", lines, users_checked, addrs_checked);
}
