// The database protocol decoders, driven with byte streams built as the protocols define
// them (MySQL protocol 10 / HandshakeResponse41; PostgreSQL v3).
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
std::string lenenc_str(const std::string& s) { return std::string(1, static_cast<char>(s.size())) + s; }
std::string packet(uint8_t seq, const std::string& payload) {
  return le(payload.size(), 3) + std::string(1, static_cast<char>(seq)) + payload;
}

struct Captured {
  std::vector<Statement> stmts;
  std::vector<Session> sessions;
  DecoderStats st;
};

capture::FlowInfo flow(uint16_t port) {
  capture::FlowInfo f;
  f.client = {"10.20.5.31", 51000};
  f.server = {"10.20.1.20", port};
  return f;
}

}  // namespace

TEST(DbauditMysql, LoginQueriesResultsErrorsAndPrepared) {
  Captured r;
  {
    auto h = make_mysql_decoder(
        flow(3306), [&](Statement&& s) { r.stmts.push_back(std::move(s)); }, [&](const Session& s) { r.sessions.push_back(s); }, r.st);
    h->data(1,
            packet(0, std::string("\x0a", 1) + "10.11.6-MariaDB" + std::string(1, '\0') + le(7, 4) + std::string(8, 'a') +
                          std::string(1, '\0') + le(0xf7fe, 2) + "\x21" + le(2, 2) + le(0x81bf, 2) + "\x15" + std::string(10, '\0') +
                          std::string(13, 'b')),
            1000);
    uint32_t caps = 0x8 | 0x200 | 0x8000 | 0x80000 | 0x100000;
    std::string attrs = lenenc_str("_client_name") + lenenc_str("libmariadb") + lenenc_str("program_name") + lenenc_str("Navicat");
    std::string login = le(caps, 4) + le(16777216, 4) + "\x21" + std::string(23, '\0') + "his_ro" + std::string(1, '\0') + "\x14" +
                        std::string(20, 'x') + "his" + std::string(1, '\0') + "mysql_native_password" + std::string(1, '\0') +
                        lenenc_str(attrs);
    h->data(0, packet(1, login), 2000);
    h->data(1, packet(2, std::string("\x00\x00\x00\x02\x00\x00\x00", 7)), 3000);
    // A result set: 2 columns, EOF, 3 rows, EOF.
    h->data(0, packet(0, "\x03SELECT ys_dm, SUM(sl) FROM mz_cfmx GROUP BY ys_dm"), 10'000'000);
    std::string rs = packet(1, "\x02") +
                     packet(2,
                            "\x03"
                            "def"
                            "col1") +
                     packet(3,
                            "\x03"
                            "def"
                            "col2") +
                     packet(4, std::string("\xfe\x00\x00\x22\x00", 5));
    for (int i = 0; i < 3; i++) rs += packet(5 + i, lenenc_str("D00" + std::to_string(i)) + lenenc_str("42"));
    rs += packet(8, std::string("\xfe\x00\x00\x22\x00", 5));
    h->data(1, rs.substr(0, 10), 11'000'000);  // split anywhere
    h->data(1, rs.substr(10), 12'000'000);
    // An UPDATE: OK with 3 affected rows.
    h->data(0, packet(0, "\x03UPDATE yp_zd SET price = 1"), 20'000'000);
    h->data(1, packet(1, std::string("\x00\x03\x00\x02\x00\x00\x00", 7)), 21'000'000);
    // An error.
    h->data(0, packet(0, "\x03SELECT * FROM nosuch"), 30'000'000);
    h->data(1, packet(1, std::string("\xff", 1) + le(1146, 2) + "#42S02Table 'his.nosuch' doesn't exist"), 31'000'000);
    // Prepare then execute.
    h->data(0, packet(0, "\x16SELECT * FROM pat_master_index WHERE patient_id = ?"), 40'000'000);
    h->data(1, packet(1, std::string("\x00", 1) + le(5, 4) + le(0, 2) + le(0, 2) + std::string(2, '\0')), 41'000'000);
    h->data(0, packet(0, std::string("\x17", 1) + le(5, 4) + std::string(5, '\0')), 50'000'000);
    h->data(1, packet(1, std::string("\x00\x00\x00\x02\x00\x00\x00", 7)), 51'000'000);
    h->closed();
  }
  ASSERT_EQ(r.stmts.size(), 5u);
  const auto& q = r.stmts[0];
  EXPECT_EQ(q.session->user, "his_ro");
  EXPECT_EQ(q.session->database, "his");
  EXPECT_EQ(q.session->program, "Navicat");
  EXPECT_EQ(q.session->server_version, "10.11.6-MariaDB");
  EXPECT_EQ(q.rows, 3);
  EXPECT_EQ(q.latency_ns, 2'000'000);
  EXPECT_EQ(q.sql.tables, (std::vector<std::string>{"mz_cfmx"}));
  EXPECT_EQ(r.stmts[1].affected, 3);
  EXPECT_EQ(r.stmts[2].error_code, "1146");
  EXPECT_NE(r.stmts[2].error_message.find("doesn't exist"), std::string::npos);
  EXPECT_EQ(r.stmts[3].kind, "prepare");
  EXPECT_EQ(r.stmts[4].kind, "execute");
  EXPECT_EQ(r.stmts[4].text, "SELECT * FROM pat_master_index WHERE patient_id = ?");
  ASSERT_EQ(r.sessions.size(), 1u);
}

TEST(DbauditMysql, TlsIsSaidNotGuessed) {
  Captured r;
  auto h = make_mysql_decoder(
      flow(3306), [&](Statement&& s) { r.stmts.push_back(std::move(s)); }, [&](const Session& s) { r.sessions.push_back(s); }, r.st);
  h->data(1, packet(0, std::string("\x0a", 1) + "8.0.36" + std::string(40, '\0')), 1);
  h->data(0, packet(1, le(0x800 | 0x200 | 0x8000, 4) + le(16777216, 4) + "\x21" + std::string(23, '\0')), 2);
  h->data(0, std::string("\x16\x03\x01\x02\x00 random tls bytes", 22), 3);
  h->closed();
  EXPECT_TRUE(r.stmts.empty());
  ASSERT_EQ(r.sessions.size(), 1u);
  EXPECT_TRUE(r.sessions[0].tls);
  EXPECT_EQ(r.st.tls_sessions, 1u);
}

namespace {
std::string be32(uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; i++) s[i] = static_cast<char>((v >> (24 - 8 * i)) & 0xff);
  return s;
}
std::string msg(char type, const std::string& body) { return std::string(1, type) + be32(static_cast<uint32_t>(body.size() + 4)) + body; }
std::string z(const std::string& s) { return s + std::string(1, '\0'); }
}  // namespace

TEST(DbauditPostgres, StartupSimpleExtendedAndErrors) {
  Captured r;
  {
    auto h = make_postgres_decoder(
        flow(5432), [&](Statement&& s) { r.stmts.push_back(std::move(s)); }, [&](const Session& s) { r.sessions.push_back(s); }, r.st);
    std::string params = z("user") + z("emr_app") + z("database") + z("emr") + z("application_name") + z("psql") + std::string(1, '\0');
    h->data(0, be32(static_cast<uint32_t>(params.size() + 8)) + be32(196608) + params, 1);
    h->data(1, msg('R', be32(0)) + msg('Z', "I"), 2);
    h->data(0, msg('Q', z("SELECT patient_id FROM pat_master_index LIMIT 3")), 10);
    h->data(1,
            msg('T', std::string(6, '\0')) + msg('D', std::string(6, '\0')) + msg('D', std::string(6, '\0')) +
                msg('D', std::string(6, '\0')) + msg('C', z("SELECT 3")) + msg('Z', "I"),
            15);
    h->data(0,
            msg('P', z("s1") + z("UPDATE orders SET status = $1 WHERE id = $2") + std::string(2, '\0')) +
                msg('B', z("") + z("s1") + std::string(6, '\0')) + msg('E', z("") + be32(0)) + msg('S', ""),
            20);
    h->data(1, msg('1', "") + msg('2', "") + msg('C', z("UPDATE 2")) + msg('Z', "I"), 26);
    h->data(0, msg('Q', z("SELECT * FROM nosuch")), 30);
    h->data(1, msg('E', z("SERROR") + z("C42P01") + z("Mrelation \"nosuch\" does not exist") + std::string(1, '\0')) + msg('Z', "I"), 31);
    h->closed();
  }
  ASSERT_EQ(r.stmts.size(), 3u);
  EXPECT_EQ(r.stmts[0].session->user, "emr_app");
  EXPECT_EQ(r.stmts[0].session->database, "emr");
  EXPECT_EQ(r.stmts[0].session->program, "psql");
  EXPECT_EQ(r.stmts[0].rows, 3);
  EXPECT_EQ(r.stmts[0].latency_ns, 5);
  EXPECT_EQ(r.stmts[1].kind, "execute");
  EXPECT_EQ(r.stmts[1].text, "UPDATE orders SET status = $1 WHERE id = $2");
  EXPECT_EQ(r.stmts[1].affected, 2);
  EXPECT_EQ(r.stmts[2].error_code, "42P01");
}

TEST(DbauditPostgres, SslRequestMarksTheSessionEncrypted) {
  Captured r;
  auto h = make_postgres_decoder(
      flow(5432), [&](Statement&& s) { r.stmts.push_back(std::move(s)); }, [&](const Session& s) { r.sessions.push_back(s); }, r.st);
  h->data(0, be32(8) + be32(80877103), 1);
  h->data(1, "S", 2);
  h->data(0, std::string("\x16\x03\x01 tls", 7), 3);
  h->closed();
  EXPECT_TRUE(r.stmts.empty());
  ASSERT_EQ(r.sessions.size(), 1u);
  EXPECT_TRUE(r.sessions[0].tls);
}

TEST(DbauditDecoders, GarbageNeverCrashesAndIsCounted) {
  std::string junk;
  for (int i = 0; i < 5000; i++) junk.push_back(static_cast<char>((i * 131 + 7) & 0xff));
  for (auto make : {make_mysql_decoder, make_postgres_decoder}) {
    Captured r;
    auto h = make(
        flow(3306), [&](Statement&& s) { r.stmts.push_back(std::move(s)); }, nullptr, r.st);
    h->data(0, junk, 1);
    h->data(1, junk, 2);
    h->gap(0, 100);
    h->data(0, junk, 3);
    h->closed();
    // The garbage is counted as malformed (not silently dropped), the session once, and
    // every statement the decoder reported reached the sink.
    EXPECT_GE(r.st.malformed, 1u);
    EXPECT_EQ(r.st.sessions, 1u);
    EXPECT_EQ(r.st.statements, r.stmts.size());
  }
}
