// SQL Server's TDS decoder, driven with byte streams built as [MS-TDS] lays them out (no SQL
// Server runs here): pre-login encryption, Login7, SQL batches, RPC (sp_executesql,
// sp_prepexec/sp_execute, named procedures), the answers' token streams, messages split
// over several packets, TLS.
#include <gtest/gtest.h>

#include "dbaudit/protocol.h"

using namespace wardsec;
using namespace wardsec::dbaudit;

namespace {

std::string le(uint64_t v, int n) {
  std::string s;
  for (int i = 0; i < n; i++) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return s;
}
std::string u16(const std::string& ascii_or_utf8) {
  // UTF-8 to UTF-16LE (BMP is enough for the tests).
  std::string out;
  const auto* p = reinterpret_cast<const unsigned char*>(ascii_or_utf8.data());
  for (size_t i = 0; i < ascii_or_utf8.size();) {
    uint32_t c = p[i];
    int n = c < 0x80 ? 1 : c < 0xe0 ? 2 : 3;
    if (n == 2) c = ((c & 0x1f) << 6) | (p[i + 1] & 0x3f);
    if (n == 3) c = ((c & 0x0f) << 12) | ((p[i + 1] & 0x3f) << 6) | (p[i + 2] & 0x3f);
    out += le(c, 2);
    i += static_cast<size_t>(n);
  }
  return out;
}
// One message as TDS packets of at most `max` payload bytes each.
std::string message(uint8_t type, const std::string& payload, size_t max = 4088) {
  std::string out;
  size_t at = 0;
  uint8_t id = 1;
  do {
    size_t n = std::min(max, payload.size() - at);
    bool last = at + n == payload.size();
    size_t len = n + 8;
    out += std::string{static_cast<char>(type),
                       static_cast<char>(last ? 1 : 0),
                       static_cast<char>(len >> 8),
                       static_cast<char>(len & 0xff),
                       0,
                       0,
                       static_cast<char>(id++),
                       0};
    out += payload.substr(at, n);
    at += n;
  } while (at < payload.size());
  return out;
}
std::string prelogin(uint8_t encryption) {
  // VERSION (6 bytes) and ENCRYPTION (1 byte) options, then the terminator.
  std::string opts = std::string("\x00\x00\x0b\x00\x06", 5) + std::string("\x01\x00\x11\x00\x01", 5) + "\xff";
  return message(0x12, opts + std::string("\x10\x00\x00\x00\x00\x00", 6) + std::string(1, static_cast<char>(encryption)));
}
std::string login7(const std::string& host, const std::string& user, const std::string& app, const std::string& db) {
  std::string fixed =
      le(0, 4) + le(0x74000004, 4) + le(4096, 4) + le(7, 4) + le(1234, 4) + le(0, 4) + std::string(4, '\0') + le(480, 4) + le(2052, 4);
  // Offsets/lengths: host, user, password, app, server, extension, library, language, database,
  // client id (6), sspi, attach db, change password, sspi long.
  std::string data;
  size_t base = 94;
  auto field = [&](const std::string& v) {
    std::string r = le(base + data.size(), 2) + le(v.size(), 2);
    data += u16(v);
    return r;
  };
  std::string offs =
      field(host) + field(user) + field("xx") + field(app) + field("HIS-DB01") + field("") + field("ODBC") + field("") + field(db);
  offs += std::string(6, '\0') + le(0, 4) + le(0, 4) + le(0, 4) + le(0, 4);  // client id, SSPI, attach db, change password, SSPI long
  std::string m = fixed + offs + data;
  m.replace(0, 4, le(m.size(), 4));
  return message(0x10, m);
}
std::string all_headers() { return le(22, 4) + le(18, 4) + le(2, 2) + le(0, 8) + le(1, 4); }  // transaction descriptor
std::string batch(const std::string& sql, size_t max = 4088) { return message(0x01, all_headers() + u16(sql), max); }
std::string nvarchar_param(const std::string& name, const std::string& v) {
  std::string w = u16(v);
  return std::string(1, static_cast<char>(name.size())) + u16(name) + std::string(1, '\0') + "\xe7" + le(8000, 2) +
         std::string("\x04\x08\xd0\x00\x34", 5) + le(w.size(), 2) + w;
}
std::string int_param(const std::string& name, int64_t v, bool output) {
  std::string val = v < 0 ? std::string("\x00", 1) : std::string("\x04", 1) + le(static_cast<uint64_t>(v), 4);
  return std::string(1, static_cast<char>(name.size())) + u16(name) + std::string(1, output ? 1 : 0) + "\x26\x04" + val;
}
std::string rpc_id(int id, const std::string& params) {
  return message(0x03, all_headers() + le(0xffff, 2) + le(id, 2) + le(0, 2) + params);
}
std::string rpc_name(const std::string& name, const std::string& params) {
  return message(0x03, all_headers() + le(name.size(), 2) + u16(name) + le(0, 2) + params);
}
std::string done(uint16_t status, uint16_t cmd, uint64_t count, uint8_t tok = 0xfd) {
  return std::string(1, static_cast<char>(tok)) + le(status, 2) + le(cmd, 2) + le(count, 8);
}
// COLMETADATA: an INT4 column and an NVARCHAR(50) column, then `n` rows (ROW and NBCROW).
std::string result(int n) {
  std::string t = std::string("\x81", 1) + le(2, 2);
  t += le(0, 4) + le(0, 2) + "\x38" + "\x02" + u16("id");
  t += le(0, 4) + le(1, 2) + "\xe7" + le(100, 2) + std::string("\x04\x08\xd0\x00\x34", 5) + "\x04" + u16("name");
  for (int i = 0; i < n; i++) {
    if (i % 2 == 0)
      t += "\xd1" + le(i, 4) + le(u16("张三").size(), 2) + u16("张三");
    else
      t += std::string("\xd2\x02", 2) + le(i, 4);  // name is NULL
  }
  return t + done(0x10, 0xc1, n);
}
std::string error_token(uint32_t number, const std::string& msg) {
  std::string body = le(number, 4) + "\x01" + "\x10" + le(msg.size(), 2) + u16(msg) + "\x08" + u16("HIS-DB01") + "\x00" + le(1, 4);
  return "\xaa" + le(body.size(), 2) + body;
}
std::string login_reply(const std::string& db) {
  std::string env = std::string("\x01", 1) + std::string(1, static_cast<char>(db.size())) + u16(db) + "\x06" + u16("master");
  std::string ack = std::string("\x01", 1) + le(0x74000004, 4) + "\x14" + u16("Microsoft SQL Server") + std::string("\x10\x00\x10\x36", 4);
  return message(0x04, "\xe3" + le(env.size(), 2) + env + "\xad" + le(ack.size(), 2) + ack + done(0, 0, 0));
}

struct Captured {
  std::vector<Statement> stmts;
  std::vector<Session> sessions;
  DecoderStats st;
  std::unique_ptr<capture::FlowHandler> make(uint16_t port = 1433) {
    capture::FlowInfo f;
    f.client = {"10.20.5.31", 51000};
    f.server = {"10.20.1.20", port};
    return make_tds_decoder(
        f, [this](Statement&& s) { stmts.push_back(std::move(s)); }, [this](const Session& s) { sessions.push_back(s); }, st);
  }
};

}  // namespace

TEST(DbauditTds, LoginBatchesRpcAndAnswers) {
  Captured r;
  auto h = r.make();
  h->data(0, prelogin(2), 1);
  h->data(1, prelogin(2).replace(0, 1, "\x04"), 2);  // the server's answer: encryption not supported
  h->data(0, login7("NURSE-PC07", "his_app", "HIS.Client", "HIS"), 3);
  h->data(1, login_reply("HIS"), 4);
  // A batch whose answer is a result set of 5 rows (ROW and NBCROW tokens), split over packets.
  std::string sql = "SELECT YS_DM, YP_DM, SUM(SL) FROM MZ_CFMX GROUP BY YS_DM, YP_DM";
  std::string b = batch(sql, 40);
  h->data(0, b.substr(0, 13), 10'000'000);
  h->data(0, b.substr(13), 10'000'000);
  std::string ans = message(0x04, result(5), 30);
  h->data(1, ans.substr(0, 50), 11'000'000);
  h->data(1, ans.substr(50), 12'000'000);
  // An UPDATE: DONE with a count.
  h->data(0, batch("UPDATE YP_ZD SET DJ = 1 WHERE YPDM = 'A01'"), 20'000'000);
  h->data(1, message(0x04, done(0x10, 0xc5, 3)), 21'000'000);
  // An error.
  h->data(0, batch("SELECT * FROM NOSUCH"), 30'000'000);
  h->data(1, message(0x04, error_token(208, "Invalid object name 'NOSUCH'.") + done(0x02, 0xc1, 0)), 31'000'000);
  // sp_executesql: the statement is the first parameter; the values are not kept.
  h->data(0,
          rpc_id(10, nvarchar_param("@stmt", "SELECT * FROM PAT_MASTER_INDEX WHERE PATIENT_ID = @p0") +
                         nvarchar_param("@params", "@p0 nvarchar(20)") + nvarchar_param("@p0", "P0001")),
          40'000'000);
  h->data(1, message(0x04, result(1) + done(0, 0, 0, 0xfe)), 41'000'000);
  // sp_prepexec returns a handle; sp_execute names it.
  h->data(0,
          rpc_id(13, int_param("@handle", -1, true) + nvarchar_param("@params", "@P1 int") +
                         nvarchar_param("@stmt", "SELECT * FROM ORDERS WHERE PATIENT_ID = @P1")),
          50'000'000);
  std::string retval =
      std::string("\xac", 1) + le(0, 2) + "\x07" + u16("@handle") + "\x01" + le(0, 4) + le(0, 2) + "\x26\x04" + "\x04" + le(7, 4);
  h->data(1, message(0x04, result(2) + retval + done(0, 0, 0, 0xfe)), 51'000'000);
  h->data(0, rpc_id(12, int_param("@handle", 7, false)), 60'000'000);
  h->data(1, message(0x04, result(4) + done(0, 0, 0, 0xfe)), 61'000'000);
  // A named procedure.
  h->data(0, rpc_name("dbo.usp_GetDrugStats", ""), 70'000'000);
  h->data(1, message(0x04, std::string("\x79", 1) + le(0, 4) + done(0, 0, 0, 0xfe)), 71'000'000);
  h->closed();

  ASSERT_EQ(r.stmts.size(), 7u);
  const auto& q = r.stmts[0];
  EXPECT_EQ(q.session->system, "mssql");
  EXPECT_EQ(q.session->user, "his_app");
  EXPECT_EQ(q.session->program, "HIS.Client");
  EXPECT_EQ(q.session->database, "HIS");
  EXPECT_EQ(q.session->client_host, "NURSE-PC07");
  EXPECT_EQ(q.session->server_version, "Microsoft SQL Server 16.0.4150");
  EXPECT_FALSE(q.session->tls);
  EXPECT_EQ(q.text, sql);
  EXPECT_EQ(q.rows, 5);
  EXPECT_EQ(q.latency_ns, 2'000'000);
  EXPECT_EQ(q.sql.tables, (std::vector<std::string>{"mz_cfmx"}));
  EXPECT_EQ(r.stmts[1].affected, 3);
  EXPECT_EQ(r.stmts[2].error_code, "208");
  EXPECT_EQ(r.stmts[2].error_message, "Invalid object name 'NOSUCH'.");
  EXPECT_EQ(r.stmts[3].text, "SELECT * FROM PAT_MASTER_INDEX WHERE PATIENT_ID = @p0");
  EXPECT_EQ(r.stmts[3].kind, "execute");
  EXPECT_EQ(r.stmts[3].rows, 1);
  EXPECT_EQ(r.stmts[4].text, "SELECT * FROM ORDERS WHERE PATIENT_ID = @P1");
  EXPECT_EQ(r.stmts[4].rows, 2);
  EXPECT_EQ(r.stmts[5].text, "SELECT * FROM ORDERS WHERE PATIENT_ID = @P1");
  EXPECT_EQ(r.stmts[5].rows, 4);
  EXPECT_EQ(r.stmts[6].text, "EXEC dbo.usp_GetDrugStats");
  EXPECT_EQ(r.stmts[6].kind, "call");
  EXPECT_EQ(r.st.malformed, 0u);
}

TEST(DbauditTds, EncryptionIsSaidNotGuessed) {
  {  // The server requires encryption: the whole session is TLS.
    Captured r;
    auto h = r.make();
    h->data(0, prelogin(0), 1);
    h->data(1, prelogin(3).replace(0, 1, "\x04"), 2);
    h->data(0, message(0x12, std::string("\x16\x03\x01\x00\x10", 5) + std::string(16, 'h')), 3);
    h->data(0,
            std::string("\x17\x03\x03\x00\x04"
                        "abcd",
                        9),
            4);
    h->closed();
    EXPECT_TRUE(r.stmts.empty());
    ASSERT_EQ(r.sessions.size(), 1u);
    EXPECT_TRUE(r.sessions[0].tls);
  }
  {  // Both say OFF: only the login is encrypted; the batches after it are read.
    Captured r;
    auto h = r.make();
    h->data(0, prelogin(0), 1);
    h->data(1, prelogin(0).replace(0, 1, "\x04"), 2);
    h->data(0, message(0x12, std::string("\x16\x03\x01\x00\x10", 5) + std::string(16, 'h')), 3);
    h->data(1, message(0x12, std::string("\x16\x03\x03\x00\x10", 5) + std::string(16, 's')), 4);
    h->data(0,
            std::string("\x17\x03\x03\x00\x06"
                        "login!",
                        11),
            5);  // the encrypted Login7
    h->data(1, login_reply("EMR"), 6);
    h->data(0, batch("SELECT COUNT(*) FROM BR_JBXX"), 7);
    h->data(1, message(0x04, result(1)), 8);
    h->closed();
    ASSERT_EQ(r.stmts.size(), 1u);
    EXPECT_FALSE(r.stmts[0].session->tls);
    EXPECT_TRUE(r.stmts[0].session->login_encrypted);
    EXPECT_EQ(r.stmts[0].session->user, "");
    EXPECT_EQ(r.stmts[0].session->database, "EMR");
  }
  {  // TDS 8.0 (strict): TLS from the first byte.
    Captured r;
    auto h = r.make();
    h->data(0, std::string("\x16\x03\x01\x02\x00", 5) + std::string(512, 'c'), 1);
    h->closed();
    ASSERT_EQ(r.sessions.size(), 1u);
    EXPECT_TRUE(r.sessions[0].tls);
  }
}

TEST(DbauditTds, FoundOnAnUnknownPortAndGarbageIsCounted) {
  Captured r;
  DecoderOptions opt;
  auto factory = db_factory([&](Statement&& s) { r.stmts.push_back(std::move(s)); }, nullptr, r.st, opt);
  capture::FlowInfo f;
  f.client = {"10.20.5.31", 51000};
  f.server = {"10.20.1.21", 14330};
  auto h = factory(f);
  ASSERT_TRUE(h);
  h->data(0, prelogin(2), 1);
  h->data(1, prelogin(2).replace(0, 1, "\x04"), 2);
  h->data(0, login7("PC", "sa", "Microsoft SQL Server Management Studio - Query", "HIS"), 3);
  h->data(1, login_reply("HIS"), 4);
  h->data(0, batch("SELECT TOP 100 * FROM PAT_MASTER_INDEX"), 5);
  h->data(1, message(0x04, result(3)), 6);
  h->closed();
  ASSERT_EQ(r.stmts.size(), 1u);
  EXPECT_EQ(r.stmts[0].session->program, "Microsoft SQL Server Management Studio - Query");
  EXPECT_EQ(r.stmts[0].rows, 3);

  auto g = r.make();
  std::string junk;
  for (int i = 0; i < 5000; i++) junk.push_back(static_cast<char>((i * 131 + 7) & 0xff));
  g->data(0, junk, 1);
  g->data(1, junk, 2);
  g->closed();
  // Valid framing around a truncated Login7 and token stream.
  auto k = r.make();
  k->data(0, message(0x10, "short"), 1);
  k->data(1, message(0x04, std::string("\x81\x05\x00\x38", 4)), 2);
  k->closed();
  EXPECT_GE(r.st.malformed, 2u);
}
