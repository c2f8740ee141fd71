// Reading command lines the way a reviewer does, and judging them: shell words, the rules, the
// terminal reader (keystrokes with line editing, the screen when the shell completes a line).
#include <gtest/gtest.h>

#include "bastion/command_rules.h"
#include "bastion/shell_words.h"
#include "bastion/term_reader.h"

using namespace wardsec;
using namespace wardsec::bastion;

namespace {

std::vector<std::string> texts(std::string_view line, Aliases* a = nullptr) {
  std::vector<std::string> out;
  for (const auto& c : split_commands(line, a)) out.push_back(c.text);
  return out;
}

bool has(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }

std::vector<CommandGroup> shipped_groups() {
  auto g = load_groups(WARDSEC_SOURCE_DIR "/config/bastion/command-groups.yaml");
  EXPECT_TRUE(g.ok()) << g.error();
  return g.ok() ? *g : std::vector<CommandGroup>{};
}

std::shared_ptr<const CommandPolicy> default_policy() {
  std::vector<CommandRule> rules = {
      {1, 10, "dangerous", "group", "dangerous", Action::kDeny, {}, {}, true},
      {2, 20, "sql", "group", "sql-destructive", Action::kReview, {}, {}, true},
      {3, 30, "export", "group", "data-export", Action::kAlert, {}, {}, true},
  };
  auto p = CommandPolicy::compile(rules, shipped_groups());
  EXPECT_TRUE(p.ok()) << p.error();
  return *p;
}

Action judge(const std::string& line) {
  Aliases a;
  return default_policy()->check(line, "zhang", "his-db-01", &a).action;
}

}  // namespace

TEST(ShellWords, SeparatorsSubstitutionsAndQuotes) {
  auto t = texts("ls -l; rm -rf /tmp/x && echo ok || true | cat &");
  EXPECT_TRUE(has(t, "ls -l"));
  EXPECT_TRUE(has(t, "rm -rf /tmp/x"));
  EXPECT_TRUE(has(t, "echo ok"));
  t = texts("echo $(rm -rf /) `reboot` <(mkfs.ext4 /dev/sdb)");
  EXPECT_TRUE(has(t, "rm -rf /"));
  EXPECT_TRUE(has(t, "reboot"));
  EXPECT_TRUE(has(t, "mkfs.ext4 /dev/sdb"));
  EXPECT_TRUE(has(texts("r''m -rf /"), "rm -rf /"));
  EXPECT_TRUE(has(texts("\\rm -rf /"), "rm -rf /"));
  EXPECT_TRUE(has(texts("\"/bin/rm\" -rf /"), "rm -rf /"));
  EXPECT_TRUE(has(texts("rm \\\n -rf /"), "rm -rf /"));  // a line continuation
  EXPECT_TRUE(has(texts("echo 'a;b' # rm -rf /"), "echo a;b"));
  EXPECT_FALSE(has(texts("echo 'a;b' # rm -rf /"), "rm -rf /"));  // a comment runs nothing
}

TEST(ShellWords, WrappersAndNestedCommands) {
  EXPECT_TRUE(has(texts("sudo -u root env X=1 nohup nice -n 5 /usr/bin/rm -r -f /data"), "rm -r -f /data"));
  EXPECT_TRUE(has(texts("FOO=1 timeout -s KILL 10 shutdown -h now"), "shutdown -h now"));
  EXPECT_TRUE(has(texts("bash -c 'dd if=/dev/zero of=/dev/sda'"), "dd if=/dev/zero of=/dev/sda"));
  EXPECT_TRUE(has(texts("sh -lc \"reboot\""), "reboot"));
  EXPECT_TRUE(has(texts("su - root -c 'userdel bob'"), "userdel bob"));
  EXPECT_TRUE(has(texts("eval \"rm -rf /\""), "rm -rf /"));
  EXPECT_TRUE(has(texts("find / -name '*.log' -exec rm -rf {} \\;"), "rm -rf {}"));
  EXPECT_TRUE(has(texts("ls | xargs -n 1 rm -rf"), "rm -rf"));
  EXPECT_TRUE(has(texts("watch -n 1 'iptables -F'"), "iptables -F"));
  EXPECT_TRUE(has(texts("if true; then reboot; fi"), "reboot"));
}

TEST(ShellWords, AliasesAreFollowed) {
  Aliases a;
  auto t = texts("alias ll='rm -rf'", &a);
  EXPECT_TRUE(has(t, "rm -rf"));  // the definition itself is read
  t = texts("ll /var/lib/mysql", &a);
  EXPECT_TRUE(has(t, "rm -rf /var/lib/mysql"));
  texts("unalias ll", &a);
  EXPECT_FALSE(has(texts("ll /x", &a), "rm -rf /x"));
}

TEST(ShellWords, Incomplete) {
  EXPECT_TRUE(line_incomplete("rm -rf \\"));
  EXPECT_TRUE(line_incomplete("echo 'abc"));
  EXPECT_TRUE(line_incomplete("cat x |"));
  EXPECT_TRUE(line_incomplete("true &&"));
  EXPECT_TRUE(line_incomplete("echo $(ls"));
  EXPECT_FALSE(line_incomplete("echo 'a' \"b\" c"));
  EXPECT_FALSE(line_incomplete("ls # it's fine"));
}

TEST(CommandRules, ShippedGroupsJudge) {
  for (const char* bad :
       {"rm -rf /", "rm -fr /var", "rm -r -f /", "rm --recursive /x", "sudo rm -Rf /opt", "ls;rm -rf /", "mkfs.xfs /dev/sdb1",
        "dd if=/dev/zero of=/dev/sda bs=1M", "shutdown -r now", "reboot", "init 0", "iptables -F", "systemctl stop auditd",
        "echo x > /dev/sda", "crontab -r", "chmod -R 777 /", "$(reboot)", "fc -e vi", "set -o vi"})
    EXPECT_EQ(judge(bad), Action::kDeny) << bad;
  for (const char* sql :
       {"DROP TABLE patients;", "truncate table orders", "delete from prescriptions;", "DELETE FROM t", "update drugs set price=0;"})
    EXPECT_EQ(judge(sql), Action::kReview) << sql;
  for (const char* exp : {"mysqldump his > /tmp/his.sql", "select * from t into outfile '/tmp/x'"})
    EXPECT_EQ(judge(exp), Action::kAlert) << exp;
  for (const char* fine :
       {"ls -l", "rm /tmp/a.log", "rm -f /tmp/a", "cat /etc/passwd", "df -h", "delete from t where id = 1;",
        "update drugs set price=1 where id=2;", "echo 'rm -rf /'", "grep reboot /var/log/syslog", "systemctl status auditd"})
    EXPECT_EQ(judge(fine), Action::kAllow) << fine;
}

TEST(CommandRules, OrderScopeAndErrors) {
  std::vector<CommandRule> rules = {
      {1, 5, "dba may truncate on his-db", "prefix", "truncate", Action::kAllow, {"dba"}, {"his-db-01"}, true},
      {2, 10, "no truncate", "regex", "^truncate", Action::kDeny, {}, {}, true},
      {3, 20, "exact reboot alert", "exact", "reboot", Action::kAlert, {}, {}, true},
  };
  auto p = CommandPolicy::compile(rules, {});
  ASSERT_TRUE(p.ok()) << p.error();
  Aliases a;
  EXPECT_EQ((*p)->check("truncate -s 0 /var/log/x", "dba", "his-db-01", &a).action, Action::kAllow);
  EXPECT_EQ((*p)->check("truncate -s 0 /var/log/x", "zhang", "his-db-01", &a).action, Action::kDeny);
  EXPECT_EQ((*p)->check("truncate -s 0 /var/log/x", "dba", "emr-app-01", &a).action, Action::kDeny);
  auto v = (*p)->check("reboot", "zhang", "x", &a);
  EXPECT_EQ(v.action, Action::kAlert);
  EXPECT_EQ(v.rule_name, "exact reboot alert");
  EXPECT_EQ((*p)->check("reboot now", "zhang", "x", &a).action, Action::kAllow);  // exact is exact
  // The strictest decision over the line's commands wins.
  EXPECT_EQ((*p)->check("reboot; truncate x", "zhang", "x", &a).action, Action::kDeny);

  auto bad = CommandPolicy::compile({{9, 1, "broken", "regex", "(unclosed", Action::kDeny, {}, {}, true}}, {});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("broken"), std::string::npos);
  EXPECT_FALSE(CommandPolicy::compile({{9, 1, "g", "group", "nope", Action::kDeny, {}, {}, true}}, {}).ok());
  EXPECT_FALSE(CommandPolicy::compile({{9, 1, "k", "glob", "x", Action::kDeny, {}, {}, true}}, {}).ok());
}

// ---- the terminal reader ---------------------------------------------------------------------

namespace {
// Types `keys`; returns the line at the first Enter ("" when none).
std::string type(TermReader& r, std::string_view keys) {
  for (char c : keys)
    if (r.key(static_cast<unsigned char>(c))) return r.pending_line();
  return "";
}
}  // namespace

TEST(TermReader, LineEditing) {
  TermReader r;
  r.output("[root@his-db-01 ~]# ");
  EXPECT_EQ(type(r, "ls -l\r"), "ls -l");
  r.accept();
  EXPECT_EQ(type(r,
                 "rm -rX\x7f"
                 "f /tmp\r"),
            "rm -rf /tmp");  // backspace
  r.accept();
  EXPECT_EQ(type(r, "echo /\x1b[D\x1b[D\x1b[Dx\r"), "echxo /");  // cursor left, insert
  r.accept();
  EXPECT_EQ(type(r, "garbage\x15reboot\r"), "reboot");  // Ctrl-U
  r.accept();
  EXPECT_EQ(type(r, "m -rf /\x01r\r"), "rm -rf /");  // Ctrl-A, insert at the start
  r.accept();
  EXPECT_EQ(type(r, "ls foo bar\x17\x17rm\r"), "ls rm");  // Ctrl-W twice
  r.accept();
  EXPECT_EQ(type(r, "abc\x03ls\r"), "ls");  // Ctrl-C drops the line
  r.accept();
  EXPECT_EQ(type(r, "rm -rf /x\x01\x1b[3~\x1b[3~\r"), " -rf /x");  // Delete key at the start
  r.accept();
  EXPECT_EQ(type(r, "reboot\x0f"), "reboot");  // Ctrl-O runs the line like Enter
  r.accept();
  type(r, "ls\x18\x05");  // Ctrl-X Ctrl-E: edit-and-execute is refused
  EXPECT_TRUE(r.take_refused());
  EXPECT_FALSE(r.take_refused());
}

TEST(TermReader, ContinuationsJoin) {
  TermReader r;
  EXPECT_EQ(type(r, "rm \\\r"), "rm \\");
  EXPECT_FALSE(r.complete());
  r.accept();
  EXPECT_EQ(type(r, "-rf /\r"), "rm -rf /");
  EXPECT_TRUE(r.complete());
  r.accept();
  EXPECT_EQ(type(r, "echo 'a\r"), "echo 'a");
  r.accept();
  EXPECT_EQ(type(r, "b'\r"), "echo 'a\nb'");
}

TEST(TermReader, BracketedPasteIsOneLine) {
  TermReader r;
  EXPECT_EQ(type(r, "\x1b[200~ls\rrm -rf /\r\x1b[201~\r"), "ls\nrm -rf /\n");
  EXPECT_EQ(judge(r.pending_line()), Action::kDeny);
}

TEST(TermReader, CompletionAndHistoryAreReadFromTheScreen) {
  TermReader r;
  r.output("$ ");
  // Tab completes "reb" to "reboot" on the target: the shell echoes what it completed.
  EXPECT_EQ(type(r, "reb"), "");
  r.output("reb");
  EXPECT_EQ(type(r, "\t"), "");
  r.output("oot ");
  std::string line = type(r, "\r");
  EXPECT_NE(line.find("reboot"), std::string::npos) << line;
  EXPECT_EQ(judge(line), Action::kDeny);
  r.accept();
  r.output("\r\n$ ");
  // Up arrow recalls "rm -rf /data": readline redraws the line.
  EXPECT_EQ(type(r, "\x1b[A"), "");
  r.output("rm -rf /data");
  line = type(r, "\r");
  EXPECT_EQ(line, "rm -rf /data");
}

TEST(TermReader, PasswordsFullScreenAndExitStatus) {
  TermReader r;
  r.output("[sudo] password for zhang: ");
  type(r, "S3cret!\r");
  EXPECT_TRUE(r.secret_input());
  r.accept();
  r.output("\r\n$ ");
  type(r, "ls\r");
  EXPECT_FALSE(r.secret_input());
  r.accept();
  r.output("\x1b[?1049h");  // vi (or anything printing the sequence, or tmux): the keys are still read
  EXPECT_TRUE(r.full_screen());
  EXPECT_EQ(type(r, ":!rm -rf /\r"), "rm -rf /");  // an editor's shell escape runs the command
  r.accept();
  EXPECT_EQ(type(r, "rm -rf /\r"), "rm -rf /");  // a shell inside tmux, or after printf '\e[?1049h'
  r.accept();
  r.output("\x1b[?1049l");
  EXPECT_FALSE(r.full_screen());
  r.output("\x1b]133;D;2\x07$ ");
  EXPECT_EQ(r.take_exit_status(), 2);
  EXPECT_FALSE(r.take_exit_status().has_value());
}

TEST(TermReader, TheTargetCannotMakeTheScreenRowHuge) {
  // A hostile target moves the cursor 888 million columns right (or inserts blanks again and
  // again) before printing: the row the reader keeps stays bounded, whatever it prints.
  TermReader r;
  r.output("$ ");
  type(r, "re\t");  // completion: the line is read from the screen
  r.output("\x1b[888888888Cboot");
  for (int i = 0; i < 2000; i++) r.output("\x1b[1G\x1b[256@");
  r.output("\x1b[999999999G\t\tz");
  std::string line = type(r, "\r");
  EXPECT_LE(line.size(), 64u * 1024 + 16);
}
