// Database audit records as log lines: MariaDB's server_audit plugin and PostgreSQL's pgaudit,
// whether they arrive over syslog (the message parsers "mariadb-audit" and "pgaudit" in the
// registry) or from an exported file (`wardsec dbaudit --log`, src/dbaudit/auditlog.cc).
// These only read the record; what the statement does is analysed once, by the database
// statement stage (src/enrich/db_statement.h).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"

namespace wardsec {

struct DbRecord {
  std::string system;  // "mysql" or "postgresql"
  std::string user, database, client_ip, server, program;
  std::string text;        // the statement
  std::string error_code;  // "" on success
  int64_t ts = 0;          // 0 when the record carries no time of its own
};

// One server_audit record: [time,]serverhost,user,host,connid,queryid,QUERY,db,'text',retcode.
// False for other operations (CONNECT, DISCONNECT, table events) and for what is not one.
bool parse_mariadb_audit(std::string_view line, DbRecord& out, int default_tz_sec = 8 * 3600);
// One log line holding pgaudit's "AUDIT: SESSION|OBJECT,..." (user, database and client from
// log_line_prefix's user=,db=,client=/host= or user@db when present).
bool parse_pgaudit(std::string_view line, DbRecord& out, int default_tz_sec = 8 * 3600);

// Writes the record as db.* fields (db.statement, db.system, db.user.name, db.name, source.ip,
// error.code, client.program; event.dataset dbaudit.statement).
void set_db_fields(Event& ev, const DbRecord& r);

// Helpers the exported-file readers share.
// "20261130 09:15:02" (server_audit), ISO forms, "2026-11-30 09:30:00.001 CST", Oracle's
// "30-NOV-26 09.15.02.123456 AM +08:00".
bool parse_db_time(std::string_view s, int tz, int64_t& ns);
// A CSV record inside a line (pgaudit's fields); tolerant: a stray quote is text.
std::vector<std::string> csv_fields(std::string_view t);

}  // namespace wardsec
