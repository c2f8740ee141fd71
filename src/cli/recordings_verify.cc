#include "cli/recordings_verify.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <set>

#include "bastion/recording.h"
#include "core/datadir.h"
#include "search/query.h"
#include "search/search.h"
#include "server/auth.h"
#include "store/crypto.h"

namespace wardsec::cli {

namespace fs = std::filesystem;

std::string RecordingsReport::summary() const {
  std::string s;
  if (checked == 0 && unsealed == 0 && problems.empty()) return "";  // no bastion here
  s += "bastion recordings: " + std::to_string(checked) + " sealed, " + std::to_string(intact) + " intact";
  s += problems.empty() ? "\n" : ", " + std::to_string(problems.size()) + " DAMAGED\n";
  for (const auto& p : problems) s += "  problem: " + p + "\n";
  for (const auto& n : notes) s += "  note: " + n + "\n";
  return s;
}

RecordingsReport verify_recordings(const std::string& data_dir, const std::string& pubkey_path, int tz_sec) {
  RecordingsReport rep;
  std::string dir = DataDir(data_dir).recordings();
  if (!fs::exists(dir) || !fs::exists(DataDir(data_dir).segments())) return rep;
  auto key = KeyPair::load_public(pubkey_path);
  if (!key) {
    rep.problems.push_back("cannot load the instance public key: " + key.error());
    return rep;
  }
  static const FieldId sig_f = FieldRegistry::intern("wardsec.bastion.signature");
  auto q = search::Query::parse("event.dataset:wardsec.bastion AND event.action:session_end", tz_sec);
  std::set<std::string> sealed;
  search::SearchStats st;
  search::SearchOptions so;
  Status s = search::run_search(
      data_dir, q.value(), so,
      [&](const Event& ev) {
        auto sig = server::from_hex(ev.get(sig_f));
        auto raw = nlohmann::json::parse(ev.raw, nullptr, false);
        std::string session = raw.is_object() ? raw.value("session", "") : "";
        std::string digest = raw.is_object() ? raw.value("recording_sha256", "") : "";
        if (!sig || !key->verify(ev.raw, *sig)) {
          rep.problems.push_back("session " + session + ": its session_end event is not signed by this center (forged or altered)");
          return true;
        }
        if (digest.empty()) return true;  // a session without a recording (SFTP, a refused start)
        rep.checked++;
        sealed.insert(session);
        std::string path = dir + "/" + session + ".cast";
        std::string now = bastion::file_sha256(path);
        if (now.empty())
          rep.problems.push_back("session " + session + ": the recording " + path + " is missing or unreadable");
        else if (now != digest)
          rep.problems.push_back("session " + session + ": the recording " + path + " was altered (sha256 " + now + ", sealed " + digest +
                                 ")");
        else
          rep.intact++;
        return true;
      },
      st);
  if (!s) rep.problems.push_back("cannot search the store for session ends: " + s.error());
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().extension() != ".cast" || sealed.count(e.path().stem().string())) continue;
    rep.unsealed++;
    if (rep.notes.size() < 20)
      rep.notes.push_back("no sealed end for " + e.path().filename().string() +
                          " (the session is still running, or the center stopped before it ended)");
  }
  return rep;
}

}  // namespace wardsec::cli
