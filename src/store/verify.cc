#include "core/datadir.h"
#include "store/verify.h"

#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <unordered_map>

#include "core/strutil.h"
#include "core/timeutil.h"
#include "store/store.h"

namespace wardsec::store {
namespace fs = std::filesystem;
namespace {

std::string field_of(std::string_view line, std::string_view key) {
  std::string pat = " " + std::string(key) + "=";
  size_t p = line.find(pat);
  if (p == std::string_view::npos) return {};
  std::string_view r = line.substr(p + pat.size());
  return std::string(r.substr(0, r.find(' ')));
}

std::string seg_name(uint64_t id) { return "segment " + std::to_string(id) + " (" + segment_file_name(id) + ")"; }

struct BlockSeen {
  uint64_t seq;
  uint64_t segment;
  uint64_t offset;
  size_t ordinal;  // position within its segment, from 1
  BlockHeader header;
  bool digest_ok;
};

}  // namespace

std::string VerifyReport::summary() const {
  std::string s;
  if (intact) {
    s += "intact: " + std::to_string(segments) + " segments, " + std::to_string(blocks) + " blocks, " + std::to_string(events) + " events";
    if (events) s += ", from " + format_rfc3339(first_ts) + " to " + format_rfc3339(last_ts);
    s += "; " + std::to_string(checkpoints) + " signed checkpoints";
    if (receipts) s += ", " + std::to_string(receipts) + " retention receipts";
    s += "\n";
  } else {
    s += "NOT INTACT: " + std::to_string(problems.size()) + " problem(s); the first is:\n  " + problems.front() + "\n";
    for (size_t i = 1; i < problems.size() && i < 20; i++) s += "  then: " + problems[i] + "\n";
    if (problems.size() > 20) s += "  (" + std::to_string(problems.size() - 20) + " more)\n";
  }
  if (expired_segments)
    s += "expired by retention (signed receipts): " + std::to_string(expired_segments) + " segments, " + std::to_string(expired_events) +
         " events\n";
  for (const auto& n : notes) s += "note: " + n + "\n";
  return s;
}

VerifyReport verify_store(const VerifyOptions& opt) {
  VerifyReport rep;
  auto fail = [&](std::string p) {
    rep.intact = false;
    rep.problems.push_back(std::move(p));
  };
  if (!fs::exists(DataDir(opt.data_dir).segments())) {
    fail("no store at " + opt.data_dir + " (no segments folder)");
    return rep;
  }
  // ---- key ----
  std::string key_dir = opt.key_dir.empty() ? default_key_dir(opt.data_dir) : opt.key_dir;
  std::string pub = opt.pubkey_path;
  if (pub.empty()) {
    if (fs::exists(key_dir + "/instance.pub")) {
      pub = key_dir + "/instance.pub";
    } else {
      pub = opt.data_dir + "/instance.pub";
      rep.notes.push_back(
          "using the public key inside the data folder; pass --pubkey with a copy kept elsewhere to rule out a swapped key");
    }
  }
  auto key = KeyPair::load_public(pub);
  rep.pubkey_path = pub;
  if (!key) {
    fail("cannot load the instance public key: " + key.error());
    return rep;
  }
  rep.notes.push_back("checkpoints checked with " + std::string(sign_alg_name(key->alg())) + " key " + key->fingerprint() + " (" + pub +
                      ")");

  // ---- checkpoint log ----
  bool torn = false;
  std::string log_path = DataDir(opt.data_dir).checkpoints_log();
  std::vector<std::string> lines = read_lines(log_path, &torn);
  std::vector<LogRecord> cps;
  std::map<uint64_t, LogRecord> receipts;  // by segment id
  std::vector<LogRecord> recoveries;
  std::map<uint64_t, std::string> log_by_seq;
  uint64_t last_seq = 0;
  std::string prev_hex;
  for (size_t i = 0; i < lines.size(); i++) {
    std::string where = "checkpoints.log line " + std::to_string(i + 1);
    auto r = parse_log_record(lines[i]);
    if (!r) {
      fail(where + ": unreadable (" + r.error() + ")");
      continue;
    }
    std::string sig;
    if (!unhex(r->sig, sig) || !key->verify(r->signed_part, sig)) {
      fail(where + " (seq " + std::to_string(r->seq) + ", block " + std::to_string(r->block) +
           "): signature does not verify: the checkpoint was altered or replaced");
    }
    if (i > 0 && r->seq != last_seq + 1)
      fail(where + ": checkpoint seq jumps from " + std::to_string(last_seq) + " to " + std::to_string(r->seq) +
           ": checkpoint lines were removed or reordered");
    if (i > 0 && r->prev != prev_hex)
      fail(where + " (seq " + std::to_string(r->seq) + "): does not chain to the line before it: the log was edited");
    auto alg = digest_alg_from_name(field_of(r->line, "digest"));
    Digest32 d = digest(alg ? *alg : DigestAlg::kSm3, lines[i]);
    prev_hex = hex(d.data(), d.size());
    last_seq = r->seq;
    log_by_seq[r->seq] = lines[i];
    if (r->kind == LogRecord::kCheckpoint)
      cps.push_back(*r);
    else if (r->kind == LogRecord::kExpired)
      receipts[r->segment] = *r;
    else
      recoveries.push_back(*r);
  }
  if (torn)
    fail("checkpoints.log ends in a partial line: the log was truncated (or the server crashed while writing; start it once to repair)");
  rep.checkpoints = cps.size();
  rep.receipts = receipts.size();
  rep.recoveries = recoveries.size();
  for (const auto& rc : recoveries) {
    std::string what = "segment " + std::to_string(rc.segment) + " bytes " + std::to_string(rc.off_from) + "-" + std::to_string(rc.off_to);
    std::string saved = rc.saved == "none" ? std::string() : ", a copy is in " + rc.saved;
    if (rc.reason == "torn-tail")
      rep.notes.push_back("recovered after a crash (start at " + format_rfc3339(rc.at) + "): an unfinished write at the end of " + what +
                          " was cut" + saved + "; block number(s) " + std::to_string(rc.first_block) + "-" + std::to_string(rc.last_lost) +
                          " were never checkpointed and are not reused");
    else
      rep.notes.push_back("a start at " + format_rfc3339(rc.at) + " found " + what + " " +
                          (rc.reason == "missing" ? std::string("missing") : "damaged (" + rc.reason + ")") + saved +
                          (rc.lost_any ? "; writing continued at block " + std::to_string(rc.next) : std::string()));
  }
  // A recovery that skipped numbers: the block at `next` chains to `head`.
  auto continues_after_recovery = [&](uint64_t expected, const BlockHeader& h) {
    for (const auto& rc : recoveries) {
      std::string d;
      if (rc.lost_any && rc.first_block <= expected && rc.next == h.seq && unhex(rc.head, d) && d.size() == 32 &&
          std::memcmp(d.data(), h.prev.data(), 32) == 0)
        return true;
    }
    return false;
  };
  // Retention may remove a segment while this runs: look again for its receipt.
  auto receipt_now = [&](uint64_t id) -> std::optional<LogRecord> {
    for (const auto& l : read_lines(log_path))
      if (auto r = parse_log_record(l); r && r->kind == LogRecord::kExpired && r->segment == id) return *r;
    return std::nullopt;
  };
  uint64_t sealed_through = cps.empty() ? 0 : cps.back().block;

  // ---- segments and blocks ----
  auto segs = list_segments(opt.data_dir);
  std::vector<BlockSeen> seen;
  std::unordered_map<uint64_t, Digest32> digest_of;
  uint64_t max_id = segs.empty() ? 0 : segs.back().id;
  if (!receipts.empty()) max_id = std::max(max_id, receipts.rbegin()->first);
  std::map<uint64_t, const SegmentInfo*> by_id;
  for (const auto& s : segs) by_id[s.id] = &s;
  std::optional<uint64_t> expected_seq = uint64_t{0};
  Digest32 expected_prev{};
  std::optional<std::pair<uint64_t, uint64_t>> last_block;  // (seq, segment)
  // Every block seq in the store, to tell "reordered" from "removed".
  std::unordered_map<uint64_t, uint64_t> all_seqs;
  for (const auto& s : segs) {
    auto r = SegmentReader::open(s);
    if (!r) continue;
    while (auto b = r->next()) all_seqs[b->header.seq] = s.id;
  }
  for (uint64_t id = 1; id <= max_id; id++) {
    auto it = by_id.find(id);
    if (it != by_id.end() && !fs::exists(it->second->path)) {
      if (auto rc = receipt_now(id)) receipts[id] = *rc;
      by_id.erase(it);
      it = by_id.end();
    }
    if (it == by_id.end()) {
      if (!receipts.count(id))
        if (auto rc = receipt_now(id)) receipts[id] = *rc;
      auto rc = receipts.find(id);
      if (rc != receipts.end()) {
        rep.expired_segments++;
        rep.expired_events += rc->second.events;
        if (expected_seq && *expected_seq != rc->second.first_block)
          fail(seg_name(id) + " expired, but its receipt starts at block " + std::to_string(rc->second.first_block) + " where block " +
               std::to_string(*expected_seq) + " was expected");
        expected_seq = rc->second.block + 1;
        std::string d;
        if (unhex(rc->second.head, d) && d.size() == 32) std::memcpy(expected_prev.data(), d.data(), 32);
      } else {
        fail(seg_name(id) + " is missing and no retention receipt covers it: the segment was deleted" +
             (expected_seq ? " (its blocks start at seq " + std::to_string(*expected_seq) + ")" : std::string()));
        expected_seq.reset();
      }
      continue;
    }
    const SegmentInfo& s = *it->second;
    rep.segments++;
    auto r = SegmentReader::open(s);
    if (!r) {
      fail(seg_name(id) + ": " + r.error());
      expected_seq.reset();
      continue;
    }
    if (r->header().id != id)
      fail(seg_name(id) + ": header names segment " + std::to_string(r->header().id) + ": segment files were renamed or swapped");
    size_t ordinal = 0;
    while (auto b = r->next()) {
      ordinal++;
      const BlockHeader& h = b->header;
      std::string where = seg_name(id) + " block #" + std::to_string(ordinal) + " (seq " + std::to_string(h.seq) + ", offset " +
                          std::to_string(b->offset) + ")";
      bool ok = false;
      auto payload = r->read_payload(*b, &ok);
      if (!payload) {
        fail(where + ": unreadable: " + payload.error());
        continue;
      }
      if (!ok) fail(where + ": contents altered (digest mismatch)");
      if (expected_seq && h.seq != *expected_seq && continues_after_recovery(*expected_seq, h)) {
        // numbers skipped by a recorded recovery: noted above
      } else if (expected_seq) {
        if (h.seq != *expected_seq) {
          bool expected_exists = all_seqs.count(*expected_seq) > 0;
          if (h.seq < *expected_seq || expected_exists) {
            fail(where + ": out of order: block seq " + std::to_string(h.seq) + " stands where seq " + std::to_string(*expected_seq) +
                 " belongs: blocks were reordered");
          } else {
            fail(where + ": blocks " + std::to_string(*expected_seq) +
                 (h.seq - 1 > *expected_seq ? ".." + std::to_string(h.seq - 1) : std::string()) + " are missing before it: removed");
          }
        } else if (ok && h.prev != expected_prev) {
          fail(where + ": chain link broken (its prev digest is not the digest of block " + std::to_string(h.seq - 1) +
               "): a block before it was replaced");
        }
      }
      if (ok) {
        // Also prove the payload decodes: a digest over garbage is still garbage.
        auto raw = zstd_decompress(*payload, h.raw_len);
        if (!raw) fail(where + ": payload does not decompress: " + raw.error());
      }
      digest_of[h.seq] = h.digest;
      expected_seq = h.seq + 1;
      expected_prev = h.digest;
      last_block = std::make_pair(h.seq, id);
      rep.blocks++;
      rep.events += h.n_events;
      if (h.n_events) {
        if (!rep.first_ts || h.ts_min < rep.first_ts) rep.first_ts = h.ts_min;
        rep.last_ts = std::max(rep.last_ts, h.ts_max);
      }
    }
    for (const auto& g : r->gaps())
      fail(seg_name(id) + " bytes " + std::to_string(g.from) + "-" + std::to_string(g.to) +
           ": not a block (damaged or altered); the blocks after it are read");
    if (r->truncated()) {
      bool last_segment = id == max_id;
      bool above_checkpoint = !last_block || cps.empty() || last_block->first >= sealed_through;
      if (last_segment && above_checkpoint) {
        // What a running server is appending, or what a crash interrupted: past the last
        // signed checkpoint, never acknowledged; a start recovers it.
        rep.notes.push_back(seg_name(id) + " ends in " + std::to_string(r->size() - r->tail_offset()) +
                            " byte(s) of an unfinished block at offset " + std::to_string(r->tail_offset()) +
                            ", after the last checkpoint: being written now, or cut short by a crash (the next start saves and cuts it)");
      } else {
        fail(seg_name(id) + " truncated at offset " + std::to_string(r->tail_offset()) + " (file is " + std::to_string(r->size()) +
             " bytes): a partial or damaged block follows " +
             (ordinal ? "block #" + std::to_string(ordinal) : std::string("the segment header")));
        expected_seq.reset();
      }
    }
  }

  // ---- checkpoints against blocks ----
  for (const auto& cp : cps) {
    std::string where = "checkpoint seq " + std::to_string(cp.seq) + " (block " + std::to_string(cp.block) + ", " + seg_name(cp.segment) +
                        ", made " + format_rfc3339(cp.at) + ")";
    auto d = digest_of.find(cp.block);
    if (d == digest_of.end()) {
      bool expired = false;
      for (const auto& [sid, rc] : receipts)
        if (cp.block >= rc.first_block && cp.block <= rc.block) expired = true;
      if (expired) continue;
      if (!last_block || cp.block > last_block->first)
        fail(where + ": the store ends at block " + (last_block ? std::to_string(last_block->first) : std::string("(none)")) +
             ": segment " + std::to_string(cp.segment) + " was truncated or blocks were removed from its end");
      else
        fail(where + ": block " + std::to_string(cp.block) + " is not in the store: removed");
      continue;
    }
    if (hex(d->second.data(), 32) != cp.head)
      fail(where + ": the store's block " + std::to_string(cp.block) +
           " has a different digest than the signed checkpoint: history rewritten");
  }
  if (last_block && !cps.empty() && last_block->first > cps.back().block) {
    rep.unsealed_blocks = last_block->first - cps.back().block;
    rep.notes.push_back(std::to_string(rep.unsealed_blocks) +
                        " block(s) written after the last checkpoint (normal while the server runs; they are chained but not yet signed)");
  } else if (last_block && cps.empty()) {
    rep.notes.push_back("no checkpoint yet: blocks are chained but none is signed");
  }

  // ---- witness ----
  if (!opt.witness_path.empty()) {
    bool wtorn = false;
    auto wl = read_lines(opt.witness_path, &wtorn);
    if (wl.empty()) fail("witness " + opt.witness_path + " is empty or unreadable");
    size_t checked = 0;
    for (size_t i = 0; i < wl.size(); i++) {
      std::string where = "witness line " + std::to_string(i + 1);
      auto w = parse_log_record(wl[i]);
      if (!w) {
        fail(where + ": unreadable (" + w.error() + ")");
        continue;
      }
      std::string sig;
      if (!unhex(w->sig, sig) || !key->verify(w->signed_part, sig)) {
        fail(where + " (seq " + std::to_string(w->seq) + "): signature does not verify with this instance's key");
        continue;
      }
      auto s = log_by_seq.find(w->seq);
      if (s == log_by_seq.end()) {
        fail("the store has no checkpoint seq " + std::to_string(w->seq) + " that the witness recorded (made " + format_rfc3339(w->at) +
             "): the store's checkpoint log was cut or replaced after that");
        break;
      }
      if (s->second != wl[i]) {
        fail("the store and the witness part at checkpoint seq " + std::to_string(w->seq) + " (made " + format_rfc3339(w->at) +
             "): the witness says block " + std::to_string(w->block) + " has digest " + w->head.substr(0, 16) +
             "..., the store's checkpoint says otherwise: history after that point was re-signed");
        break;
      }
      if (w->kind == LogRecord::kCheckpoint) {
        auto d = digest_of.find(w->block);
        if (d != digest_of.end() && hex(d->second.data(), 32) != w->head) {
          fail("the store and the witness part at block " + std::to_string(w->block) + " (witness checkpoint seq " +
               std::to_string(w->seq) + "): the block's digest differs from the witnessed head");
          break;
        }
      }
      checked++;
    }
    if (rep.intact) rep.notes.push_back("witness " + opt.witness_path + ": " + std::to_string(checked) + " record(s) agree with the store");
  }
  return rep;
}

}  // namespace wardsec::store
