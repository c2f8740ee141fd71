// Server messages reach the console in Chinese and English: every complete literal message the
// API's handlers answer has a row in server/messages.cc (or is written in both languages), and
// names and numbers in a message carry over into the Chinese.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "server/messages.h"
#include "test_util.h"

using namespace wardsec;

TEST(Messages, KnownMessagesReadInBothLanguages) {
  EXPECT_EQ(server::bilingual("closing an alert needs a comment (what was found)"),
            "关闭告警须填写处置说明（发现了什么） / closing an alert needs a comment (what was found)");
  EXPECT_EQ(server::bilingual("alert 42 is already closed; reopen it first"),
            "告警 42 已关闭，请先重新打开 / alert 42 is already closed; reopen it first");
  EXPECT_EQ(server::bilingual("query error at column 7: unexpected ')'").substr(0, 30), "查询语句第 7 列有错：");
  EXPECT_EQ(server::bilingual("no such account: bob"), "没有这个账号: bob / no such account: bob");
  // already bilingual, or unknown: unchanged
  EXPECT_EQ(server::bilingual("未登录 / not logged in"), "未登录 / not logged in");
  EXPECT_EQ(server::bilingual("something nobody wrote down"), "something nobody wrote down");
  std::string body = R"({"column":3,"error":"empty parentheses"})";
  server::translate_error_body(body);
  EXPECT_EQ(body, R"({"column":3,"error":"括号内为空 / empty parentheses"})");
  std::string other = R"(not json "error")";
  server::translate_error_body(other);
  EXPECT_EQ(other, R"(not json "error")");
}

TEST(Messages, EveryLiteralMessageOfTheApiHasChinese) {
  namespace fs = std::filesystem;
  // err(400, "..."), fail(404, "..."), error_json("..."): a complete message, not a prefix
  std::regex lit(R"re((?:err|fail)\(\d{3}, "((?:[^"\\]|\\.)*)"\)|error_json\("((?:[^"\\]|\\.)*)"\))re");
  std::vector<std::string> missing;
  size_t seen = 0;
  for (const auto& f : fs::directory_iterator(test::source_dir() + "/src/server")) {
    if (f.path().extension() != ".cc") continue;
    std::ifstream in(f.path());
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    for (std::sregex_iterator it(text.begin(), text.end(), lit), end; it != end; ++it) {
      std::string msg = (*it)[1].matched ? (*it)[1].str() : (*it)[2].str();
      msg = std::regex_replace(msg, std::regex(R"(\\(.))"), "$1");
      seen++;
      if (server::bilingual(msg).find(" / ") == std::string::npos) missing.push_back(f.path().filename().string() + ": " + msg);
    }
  }
  EXPECT_GT(seen, 100u);
  for (const auto& m : missing) ADD_FAILURE() << "no Chinese for: " << m;
}
