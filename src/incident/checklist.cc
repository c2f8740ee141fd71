// An incident's checklist: the steps of the emergency plan it started from, ticked off as the
// handling goes (each tick is a timeline entry).
#include <sqlite3.h>

#include "core/sqlite.h"
#include "core/strutil.h"
#include "incident/model.h"

namespace wardsec::incident {

Result<std::vector<CheckItem>> Store::checklist(int64_t id) {
  std::lock_guard lk(mu_);
  std::vector<CheckItem> out;
  Status s =
      sqlite::query(db_, "SELECT idx, title, owner, detail, minutes, done_at, done_by, note FROM checklist WHERE incident = ? ORDER BY idx",
                    {std::to_string(id)}, [&](const sqlite::Stmt& st) {
                      out.push_back({static_cast<int>(st.i64(0)), st.text(1), st.text(2), st.text(3), static_cast<int>(st.i64(4)),
                                     st.i64(5), st.text(6), st.text(7)});
                    });
  if (!s) return Error{s.error()};
  return out;
}

Status Store::tick(int64_t id, int index, bool done, const std::string& note, const std::string& who) {
  std::lock_guard lk(mu_);
  if (!valid_utf8(note) || note.size() > 4000) return Error{"the note is not valid UTF-8 or longer than 4000 bytes"};
  if (!done && trim(note).empty()) return Error{"opening a checked step again needs a note saying why"};
  auto inc = get(id);
  if (!inc) return Error{inc.error()};
  if (inc->stage == Stage::kClosed) return Error{"incident " + std::to_string(id) + " is closed"};
  auto list = checklist(id);
  if (!list) return Error{list.error()};
  if (index < 1 || index > static_cast<int>(list->size()))
    return Error{"incident " + std::to_string(id) + " has no checklist step " + std::to_string(index)};
  const CheckItem& c = (*list)[index - 1];
  if (done == (c.done_at != 0)) return Error{"step " + std::to_string(index) + " is already " + (done ? "done" : "open")};
  if (auto st = sqlite::exec(db_, "BEGIN IMMEDIATE"); !st) return st;
  sqlite::Stmt up(db_, "UPDATE checklist SET done_at = ?, done_by = ?, note = ? WHERE incident = ? AND idx = ?");
  Status st =
      up.bind(1, done ? now() : int64_t{0}).bind(2, done ? who : std::string()).bind(3, note).bind(4, id).bind(5, int64_t{index}).run();
  if (st)
    st = entry(id, who, "checklist",
               std::string(done ? "完成 / done: " : "重新打开 / reopened: ") + std::to_string(index) + ". " + c.title +
                   (note.empty() ? "" : " — " + note));
  if (st) st = touch(id);
  return finish(std::move(st));
}

}  // namespace wardsec::incident
