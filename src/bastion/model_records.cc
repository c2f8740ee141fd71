// The bastion's record (sessions, commands, approvals) and the operators' SSH keys.
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <sqlite3.h>

#include "bastion/model.h"
#include "core/sqlite.h"
#include "core/strutil.h"

namespace wardsec::bastion {

namespace {

constexpr const char* kSessionCols =
    "id, user, source_ip, asset, account, host, kind, state, reason, started, ended, recording, digest, bytes, commands, denied, ended_by";
SessionRecord row_session(const sqlite::Stmt& st) {
  SessionRecord s;
  s.id = st.text(0);
  s.user = st.text(1);
  s.source_ip = st.text(2);
  s.asset = st.text(3);
  s.account = st.text(4);
  s.host = st.text(5);
  s.kind = st.text(6);
  s.state = st.text(7);
  s.reason = st.text(8);
  s.started = st.i64(9);
  s.ended = st.i64(10);
  s.recording = st.text(11);
  s.digest = st.text(12);
  s.bytes = st.i64(13);
  s.commands = st.i64(14);
  s.denied = st.i64(15);
  s.ended_by = st.text(16);
  return s;
}

constexpr const char* kApprovalCols = "id, session, user, asset, command, rule, state, decided_by, created, decided";
Approval row_approval(const sqlite::Stmt& st) {
  return {st.i64(0), st.text(1), st.text(2), st.text(3), st.text(4), st.text(5), st.text(6), st.text(7), st.i64(8), st.i64(9)};
}

std::optional<std::string> base64_decode(std::string_view in) {
  if (in.empty() || in.size() % 4 != 0 || in.size() > 16384) return std::nullopt;
  std::string out(in.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  if (n < 0) return std::nullopt;
  size_t pad = in.back() == '=' ? (in[in.size() - 2] == '=' ? 2 : 1) : 0;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

}  // namespace

// ---- SSH keys --------------------------------------------------------------------------------

Result<std::vector<Db::Key>> Db::keys(const std::string& user) {
  std::vector<Key> out;
  Status s =
      sqlite::query(db_, "SELECT id, user, type, blob, comment, fingerprint, created FROM ssh_keys WHERE user = ? OR ? = '' ORDER BY id",
                    {user, user}, [&](const sqlite::Stmt& st) {
                      out.push_back({st.i64(0), st.text(1), st.text(2), st.text(3), st.text(4), st.text(5), st.i64(6)});
                    });
  if (!s) return Error{s.error()};
  return out;
}

Result<int64_t> Db::add_key(const std::string& user, const std::string& line, int64_t now) {
  auto parts = split_view(trim(line), ' ');
  std::vector<std::string> w;
  for (auto p : parts)
    if (!p.empty()) w.emplace_back(p);
  static const char* kTypes[] = {
      "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com"};
  bool known = false;
  for (const char* t : kTypes) known = known || (!w.empty() && w[0] == t);
  if (w.size() < 2 || !known) return Error{"不是 OpenSSH 公钥（ssh-ed25519 AAAA... 注释） / not an OpenSSH public key line"};
  auto blob = base64_decode(w[1]);
  // The blob starts with its own type name (uint32 length, then the name).
  if (!blob || blob->size() < 4 + w[0].size() || blob->compare(4, w[0].size(), w[0]) != 0)
    return Error{"公钥数据无效 / the key data is not valid"};
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(blob->data()), blob->size(), md);
  std::string fp = base64_encode(std::string_view(reinterpret_cast<char*>(md), sizeof md));
  while (!fp.empty() && fp.back() == '=') fp.pop_back();
  std::string comment;
  for (size_t i = 2; i < w.size(); i++) comment += (comment.empty() ? "" : " ") + w[i];
  sqlite::Stmt st(db_, "INSERT INTO ssh_keys(user, type, blob, comment, fingerprint, created) VALUES(?,?,?,?,?,?)");
  st.bind(1, user).bind(2, w[0]).bind(3, w[1]).bind(4, comment).bind(5, "SHA256:" + fp).bind(6, now);
  if (Status s = st.run(); !s) return Error{"公钥已登记 / this key is already registered"};
  return sqlite::last_insert_id(db_);
}

Status Db::remove_key(const std::string& user, int64_t id) {
  sqlite::Stmt st(db_, "DELETE FROM ssh_keys WHERE id = ? AND (user = ? OR ? = '')");
  st.bind(1, id).bind(2, user).bind(3, user);
  if (Status s = st.run(); !s) return s;
  return sqlite::changes(db_) ? Status{} : Status{Error{"公钥不存在 / no such key"}};
}

bool Db::key_known(const std::string& user, const std::string& type, const std::string& blob) {
  bool found = false;
  (void)sqlite::query(db_, "SELECT 1 FROM ssh_keys WHERE user = ? AND type = ? AND blob = ?", {user, type, blob},
                      [&](const sqlite::Stmt&) { found = true; });
  return found;
}

// ---- sessions and commands -------------------------------------------------------------------

Status Db::begin_session(const SessionRecord& s) {
  sqlite::Stmt st(db_,
                  "INSERT INTO sessions(id, user, source_ip, asset, account, host, kind, state, reason, started, recording) "
                  "VALUES(?,?,?,?,?,?,?,?,?,?,?)");
  st.bind(1, s.id).bind(2, s.user).bind(3, s.source_ip).bind(4, s.asset).bind(5, s.account).bind(6, s.host).bind(7, s.kind);
  st.bind(8, s.state).bind(9, s.reason).bind(10, s.started).bind(11, s.recording);
  return st.run();
}

Status Db::end_session(const SessionRecord& s) {
  sqlite::Stmt st(db_, "UPDATE sessions SET state=?, reason=?, ended=?, digest=?, bytes=?, commands=?, denied=?, ended_by=? WHERE id=?");
  st.bind(1, s.state).bind(2, s.reason).bind(3, s.ended).bind(4, s.digest).bind(5, s.bytes).bind(6, s.commands).bind(7, s.denied);
  st.bind(8, s.ended_by).bind(9, s.id);
  return st.run();
}

Result<std::vector<SessionRecord>> Db::sessions(const SessionFilter& f, int64_t* total) {
  std::string where = " WHERE 1=1";
  std::vector<std::string> p;
  auto add = [&](const std::string& cond, const std::string& v) {
    where += " AND " + cond;
    p.push_back(v);
  };
  if (!f.user.empty()) add("user = ?", f.user);
  if (!f.asset.empty()) add("asset = ?", f.asset);
  if (!f.state.empty()) add("state = ?", f.state);
  if (f.from) add("started >= CAST(? AS INTEGER)", std::to_string(f.from));
  if (f.to) add("started < CAST(? AS INTEGER)", std::to_string(f.to));
  if (!f.command.empty()) add("id IN (SELECT session FROM commands WHERE instr(lower(command), lower(?)) > 0)", f.command);
  if (total) {
    Status s = sqlite::query(db_, "SELECT count(*) FROM sessions" + where, p, [&](const sqlite::Stmt& st) { *total = st.i64(0); });
    if (!s) return Error{s.error()};
  }
  std::vector<SessionRecord> out;
  Status s = sqlite::query(db_,
                           std::string("SELECT ") + kSessionCols + " FROM sessions" + where + " ORDER BY started DESC LIMIT " +
                               std::to_string(std::min<size_t>(f.limit, 1000)) + " OFFSET " + std::to_string(f.offset),
                           p, [&](const sqlite::Stmt& st) { out.push_back(row_session(st)); });
  if (!s) return Error{s.error()};
  return out;
}

Result<SessionRecord> Db::session(const std::string& id) {
  std::optional<SessionRecord> r;
  Status s = sqlite::query(db_, std::string("SELECT ") + kSessionCols + " FROM sessions WHERE id = ?", {id},
                           [&](const sqlite::Stmt& st) { r = row_session(st); });
  if (!s) return Error{s.error()};
  if (!r) return Error{"会话不存在 / no such session: " + id};
  return *r;
}

Status Db::add_command(const CommandRecord& c) {
  sqlite::Stmt st(db_, "INSERT INTO commands(session, seq, ts, offset_ms, command, action, rule, exit_status) VALUES(?,?,?,?,?,?,?,?)");
  st.bind(1, c.session).bind(2, c.seq).bind(3, c.ts).bind(4, c.offset_ms).bind(5, c.command).bind(6, c.action).bind(7, c.rule);
  if (c.exit_status)
    st.bind(8, static_cast<int64_t>(*c.exit_status));
  else
    st.bind_null(8);
  return st.run();
}

Result<std::vector<CommandRecord>> Db::commands(const std::string& session) {
  std::vector<CommandRecord> out;
  Status s = sqlite::query(
      db_, "SELECT session, seq, ts, offset_ms, command, action, rule, exit_status FROM commands WHERE session = ? ORDER BY seq", {session},
      [&](const sqlite::Stmt& st) {
        CommandRecord c{st.text(0), st.i64(1), st.i64(2), st.i64(3), st.text(4), st.text(5), st.text(6), std::nullopt};
        if (!st.is_null(7)) c.exit_status = static_cast<int>(st.i64(7));
        out.push_back(std::move(c));
      });
  if (!s) return Error{s.error()};
  return out;
}

Result<std::vector<Db::Flagged>> Db::flagged_commands(int64_t from, int64_t to, size_t limit) {
  std::vector<Flagged> out;
  Status s =
      sqlite::query(db_,
                    "SELECT c.session, c.seq, c.ts, c.offset_ms, c.command, c.action, c.rule, c.exit_status, s.user, s.asset, s.account "
                    "FROM commands c JOIN sessions s ON s.id = c.session WHERE c.ts >= CAST(? AS INTEGER) AND c.ts < CAST(? AS INTEGER) "
                    "AND c.action <> 'allow' ORDER BY c.ts LIMIT " +
                        std::to_string(limit),
                    {std::to_string(from), std::to_string(to)}, [&](const sqlite::Stmt& st) {
                      Flagged f{{st.text(0), st.i64(1), st.i64(2), st.i64(3), st.text(4), st.text(5), st.text(6), std::nullopt},
                                st.text(8),
                                st.text(9),
                                st.text(10)};
                      if (!st.is_null(7)) f.cmd.exit_status = static_cast<int>(st.i64(7));
                      out.push_back(std::move(f));
                    });
  if (!s) return Error{s.error()};
  return out;
}

Result<Db::Counts> Db::counts(int64_t from, int64_t to) {
  Counts c;
  Status s = sqlite::query(
      db_,
      "SELECT (SELECT COUNT(*) FROM sessions WHERE started >= CAST(?1 AS INTEGER) AND started < CAST(?2 AS INTEGER)), "
      "(SELECT COUNT(*) FROM commands WHERE ts >= CAST(?1 AS INTEGER) AND ts < CAST(?2 AS INTEGER)), "
      "(SELECT COUNT(*) FROM commands WHERE ts >= CAST(?1 AS INTEGER) AND ts < CAST(?2 AS INTEGER) AND action = 'deny'), "
      "(SELECT COUNT(*) FROM approvals WHERE state = 'pending')",
      {std::to_string(from), std::to_string(to)},
      [&](const sqlite::Stmt& st) { c.sessions = st.i64(0), c.commands = st.i64(1), c.denied = st.i64(2), c.pending = st.i64(3); });
  if (!s) return Error{s.error()};
  return c;
}

// ---- approvals -------------------------------------------------------------------------------

Result<int64_t> Db::add_approval(const Approval& a) {
  sqlite::Stmt st(db_, "INSERT INTO approvals(session, user, asset, command, rule, state, created) VALUES(?,?,?,?,?,'pending',?)");
  st.bind(1, a.session).bind(2, a.user).bind(3, a.asset).bind(4, a.command).bind(5, a.rule).bind(6, a.created);
  if (Status s = st.run(); !s) return Error{s.error()};
  return sqlite::last_insert_id(db_);
}

Status Db::decide_approval(int64_t id, const std::string& state, const std::string& by, int64_t now) {
  sqlite::Stmt st(db_, "UPDATE approvals SET state = ?, decided_by = ?, decided = ? WHERE id = ? AND state = 'pending'");
  st.bind(1, state).bind(2, by).bind(3, now).bind(4, id);
  if (Status s = st.run(); !s) return s;
  return sqlite::changes(db_) ? Status{} : Status{Error{"审批不存在或已处理 / no such pending approval"}};
}

Result<std::vector<Approval>> Db::approvals(const std::string& state) {
  std::vector<Approval> out;
  Status s =
      sqlite::query(db_, std::string("SELECT ") + kApprovalCols + " FROM approvals WHERE state = ? OR ? = '' ORDER BY id DESC LIMIT 500",
                    {state, state}, [&](const sqlite::Stmt& st) { out.push_back(row_approval(st)); });
  if (!s) return Error{s.error()};
  return out;
}

Result<Approval> Db::approval(int64_t id) {
  std::optional<Approval> a;
  Status s = sqlite::query(db_, std::string("SELECT ") + kApprovalCols + " FROM approvals WHERE id = ?", {std::to_string(id)},
                           [&](const sqlite::Stmt& st) { a = row_approval(st); });
  if (!s) return Error{s.error()};
  if (!a) return Error{"审批不存在 / no such approval"};
  return *a;
}

}  // namespace wardsec::bastion
