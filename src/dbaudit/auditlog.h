// The databases' own audit logs, for sessions the capture cannot read (TLS) or databases with
// no mirror port: each record with a statement becomes the same Statement the protocol
// decoders produce, so one policy and one set of detections covers both.
//
//   mariadb  MariaDB server_audit (file or syslog body):
//            20261130 09:15:02,his-db01,his_app,10.20.5.31,12,345,QUERY,his,'SELECT ...',0
//   pgaudit  a PostgreSQL log line with pgaudit's "AUDIT: SESSION|OBJECT,..." (stderr/syslog;
//            user, database and client from log_line_prefix's user=,db=,client=/host= or
//            user@db when present)
//   pgcsv    PostgreSQL csvlog (log_statement / log_min_duration_statement / pgaudit records,
//            and errors with their statement)
//   table    CSV with a header, or JSON lines, named as SQL Server's sys.fn_get_audit_file
//            (event_time, server_principal_name, database_name, statement, client_ip,
//            application_name, succeeded, affected_rows, response_rows...) or Oracle's
//            UNIFIED_AUDIT_TRAIL / DBA_AUDIT_TRAIL (EVENT_TIMESTAMP, DBUSERNAME, SQL_TEXT,
//            USERHOST, CLIENT_PROGRAM_NAME, RETURN_CODE...); column names are matched
//            case-insensitively.
#pragma once
#include <functional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "dbaudit/protocol.h"

namespace wardsec::dbaudit {

struct AuditLogStats {
  uint64_t records = 0, statements = 0, skipped = 0, malformed = 0;
};

// Reads a whole export. `format` is one of the above or "auto" (by the file's first line).
// Records that are not statements (logins, disconnects) are counted as skipped; lines that do
// not parse are counted as malformed and named on `warn` (file:line: what) at most 20 times.
Result<AuditLogStats> read_audit_log(std::string_view text, const std::string& name, std::string format, const StatementSink& sink,
                                     const std::function<void(const std::string&)>& warn, int default_tz_sec = 8 * 3600);

}  // namespace wardsec::dbaudit
