// Fuzz targets: Database audit (statements, audit logs, wire protocols) and the bastion (shell, terminal, SFTP).
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <string>
#include <vector>

#include "fuzz.h"
#include "bastion/command_rules.h"
#include "bastion/sftp_filter.h"
#include "bastion/shell_words.h"
#include "bastion/term_reader.h"
#include "capture/tcp.h"
#include "dbaudit/auditlog.h"
#include "dbaudit/protocol.h"
#include "dbaudit/sql.h"

using namespace wardsec;
using namespace wardsec::fuzz;

WARDSEC_FUZZ_TARGET(sql_analyze) {
  // The database audit's statement analysis: never throws; what it reports are names that
  // came from the statement (each table and column occurs in it, case aside).
  auto info = dbaudit::analyze_sql(in);
  std::string lo;
  for (char c : in) lo.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  for (const auto& x : info.tables)
    if (x.empty()) std::abort();
  if (info.operation.empty() || info.fingerprint.size() > 8192) std::abort();
}

WARDSEC_FUZZ_TARGET(dbaudit_log) {
  // The database audit-log readers: every format on the same input; never throws, every
  // statement has a session, and no more statements than records.
  for (const char* f : {"auto", "mariadb", "pgaudit", "pgcsv", "table"}) {
    size_t n = 0;
    auto st = dbaudit::read_audit_log(
        in, "fuzz", f,
        [&](dbaudit::Statement&& s) {
          n++;
          if (!s.session) std::abort();
        },
        nullptr);
    if (st && (st->statements != n || n > st->records)) std::abort();
  }
}

WARDSEC_FUZZ_TARGET(dbaudit_stream) {
  // The database decoders (MySQL, PostgreSQL, TDS) on a conversation cut from the input: each chunk starts with a
  // byte whose low bit says the direction and whose other bits its length (x16); 0xFF is a gap.
  dbaudit::DecoderStats st;
  for (auto make : {dbaudit::make_mysql_decoder, dbaudit::make_postgres_decoder, dbaudit::make_tds_decoder}) {
    capture::FlowInfo fi;
    fi.client = {"10.0.0.1", 40000};
    fi.server = {"10.0.0.2", 3306};
    size_t statements = 0;
    auto h = make(
        fi,
        [&](dbaudit::Statement&& s) {
          statements++;
          if (!s.session) std::abort();
        },
        nullptr, st);
    size_t p = 0;
    int64_t ts = 0;
    while (p < in.size()) {
      unsigned char c = static_cast<unsigned char>(in[p++]);
      if (c == 0xFF) {
        h->gap(0, 10);
        continue;
      }
      size_t len = std::min<size_t>((c >> 1) * 16u + 1, in.size() - p);
      h->data(c & 1, in.substr(p, len), ts += 1000);
      p += len;
    }
    h->closed();
    if (statements > in.size()) std::abort();  // a statement needs at least a byte
  }
}

WARDSEC_FUZZ_TARGET(bastion_shell) {
  // The bastion's reading of a command line: never throws, bounded output, every command has
  // words, and the rules' check on it terminates (aliases learned along the way included).
  bastion::Aliases aliases;
  auto cmds = bastion::split_commands(in, &aliases);
  if (cmds.size() > 4096) std::abort();
  for (const auto& c : cmds)
    if (c.words.empty()) std::abort();
  (void)bastion::line_incomplete(in);
  static auto policy = [] {
    std::vector<bastion::CommandRule> rules = {{1, 1, "p", "prefix", "rm -rf", bastion::Action::kDeny, {}, {}, true},
                                               {2, 2, "r", "regex", "^dd( .*)? of=/dev/", bastion::Action::kReview, {}, {}, true},
                                               {3, 3, "e", "exact", "reboot", bastion::Action::kAlert, {}, {}, true}};
    return bastion::CommandPolicy::compile(rules, {}).value();
  }();
  (void)policy->check(in, "u", "a", &aliases);
}

WARDSEC_FUZZ_TARGET(bastion_term) {
  // The bastion's terminal reader: the first byte splits the input into keystrokes and screen
  // output; never throws, and the line it returns stays bounded.
  bastion::TermReader r;
  size_t cut = in.empty() ? 0 : static_cast<unsigned char>(in[0]) * in.size() / 256;
  std::string_view keys = in.substr(0, cut), screen = in.substr(cut);
  for (size_t i = 0; i < keys.size(); i++) {
    if (i % 7 == 0 && !screen.empty()) {
      r.output(screen.substr(0, std::min<size_t>(screen.size(), 13)));
      screen.remove_prefix(std::min<size_t>(screen.size(), 13));
    }
    if (r.key(static_cast<unsigned char>(keys[i]))) {
      if (r.pending_line().size() > (1u << 20)) std::abort();
      if (i % 2)
        r.accept();
      else
        r.cancel();
    }
  }
  r.output(screen);
  (void)r.secret_input();
}

WARDSEC_FUZZ_TARGET(bastion_sftp) {
  // The bastion's SFTP filter: the input alternates client and target chunks (each chunk's
  // length from its first byte); never throws, never passes on more than it was given plus
  // its own refusals, and every file it logs has a name.
  size_t logged = 0;
  bastion::SftpFilter f(in.size() % 2 == 0, in.size() % 3 != 0, [&](const bastion::FileOp& op) {
    if (op.op.empty()) std::abort();
    logged++;
  });
  std::string to_target, to_client;
  bool client = true, ok = true;
  for (size_t p = 0; p < in.size() && ok;) {
    size_t len = std::min<size_t>(in.size() - p - 1, static_cast<unsigned char>(in[p]) * 4u + 1);
    std::string_view chunk = in.substr(p + 1, len);
    ok = client ? f.from_client(chunk, to_target, to_client) : f.from_target(chunk, to_client);
    p += 1 + len;
    client = !client;
  }
  f.finish();
  if (to_target.size() > in.size()) std::abort();
}
