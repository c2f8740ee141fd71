// Database protocol decoders on reassembled TCP (src/capture): each client connection becomes
// a session (who: database user, database, client address and program), and each statement a
// record (what: the text, with src/dbaudit/sql.h's analysis; result: rows, error, latency).
// Where the session switches to TLS, the session says so instead of guessing. Decoders never
// trust lengths: a malformed or truncated message ends the decoding of that session and is
// counted, the rest of the capture goes on.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "capture/tcp.h"
#include "dbaudit/sql.h"

namespace wardsec::dbaudit {

struct Session {
  std::string system;  // mysql, postgresql, mssql
  capture::Endpoint client, server;
  std::string user, database, program, server_version;
  std::string client_host;       // the workstation name the client gave (TDS Login7)
  bool tls = false;              // the connection switched to TLS: statements are not visible
  bool midstream = false;        // joined after the login: user/database unknown
  bool login_encrypted = false;  // TDS login-only encryption: the statements are clear, the login is not
};

struct Statement {
  std::shared_ptr<const Session> session;
  std::string text;  // as sent (prepared statements: the prepared text)
  SqlInfo sql;
  std::string kind;  // query, prepare, execute
  int64_t ts = 0;    // request time (ns)
  int64_t latency_ns = -1;
  int64_t rows = -1;      // rows returned (result sets)
  int64_t affected = -1;  // rows affected (OK / command tag)
  std::string error_code, error_message;
};

struct DecoderStats {
  uint64_t sessions = 0, statements = 0, tls_sessions = 0, malformed = 0, midstream = 0;
};

using StatementSink = std::function<void(Statement&&)>;
using SessionSink = std::function<void(const Session&)>;  // once per session, at its end

// A reassembler factory that picks the decoder by the server port (MySQL/MariaDB 3306,
// PostgreSQL 5432, SQL Server 1433, plus any given in `ports`) or, failing that, by the first
// bytes of the conversation.
struct DecoderOptions {
  std::vector<uint16_t> mysql_ports{3306}, postgres_ports{5432}, tds_ports{1433};
};
capture::Reassembler::Factory db_factory(StatementSink on_statement, SessionSink on_session, DecoderStats& stats, DecoderOptions opt = {});

// The decoders themselves (tests drive them directly with byte streams).
std::unique_ptr<capture::FlowHandler> make_mysql_decoder(const capture::FlowInfo& info, StatementSink s, SessionSink e, DecoderStats& st);
std::unique_ptr<capture::FlowHandler> make_postgres_decoder(const capture::FlowInfo& info, StatementSink s, SessionSink e,
                                                            DecoderStats& st);
std::unique_ptr<capture::FlowHandler> make_tds_decoder(const capture::FlowInfo& info, StatementSink s, SessionSink e, DecoderStats& st);

}  // namespace wardsec::dbaudit
