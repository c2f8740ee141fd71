// What the management records say about the hospital, worked out from them: which catalog items
// each record evidences and whether it is still fresh (the workbench's record evidence), training
// coverage per department, accounts still live for people who left or suppliers whose contract
// ended, and the reminders (a policy's yearly review, a supplier's assessment, a key post
// without its agreements). Pure functions over the records: the callers read the stores.
#pragma once
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "mgmt/store.h"

namespace wardsec::mgmt {

// Every current record of every kind, by kind name.
using RecordSets = std::map<std::string, std::vector<Record>>;
Result<RecordSets> read_all(Records& rs);

struct RecordLink {
  std::string kind;
  int64_t id = 0;
  std::string title, date;  // date: what freshness counts from ("" for records that do not age)
  std::string expires;      // the last day it counts as fresh ("" when it does not age)
  bool fresh = false;
  std::string why_stale_zh, why_stale_en;
  std::string system;  // the system the record is about; "" for the whole hospital's
};

// The last day a record counts as fresh evidence: its date plus its kind's window; "" when its
// kind does not age or it has none of its dates.
std::string fresh_until(const Kind& k, const nlohmann::json& data);
// Whether it is past that day, or has none of the dates its kind ages by.
bool stale(const Kind& k, const nlohmann::json& data, const std::string& today);

// For each catalog item, the active records that evidence it, fresh or stale. `today` YYYY-MM-DD.
std::map<std::string, std::vector<RecordLink>> evidence_index(const RecordSets& sets, const std::string& today);
// One item's links for one system: the hospital's records and that system's own.
std::vector<RecordLink> links_for(const std::map<std::string, std::vector<RecordLink>>& index, const std::string& item,
                                  const std::string& system);

struct Coverage {
  std::string department;
  int staff = 0, trained = 0;
  std::vector<std::string> untrained;
};
// Staff on post in `year` (joined by its end, not left before its start) against the attendees
// of that year's trainings, per department; names are matched exactly.
std::vector<Coverage> training_coverage(const RecordSets& sets, int year);

// An account that still works somewhere: the center's accounts (not disabled), bastion grants
// and keys, ...: `where` names it.
struct LiveAccount {
  std::string user, where;
};
struct AccountGap {
  std::string kind;  // person or supplier
  int64_t id = 0;
  std::string owner, ended, user, where;  // ended: the date left / the contract's end
};
// Accounts of people who have left, and of suppliers whose contract has ended, still live.
std::vector<AccountGap> revocation_gaps(const RecordSets& sets, const std::vector<LiveAccount>& live, const std::string& today);
// Live accounts that no current person or supplier record names (nobody answers for them).
std::vector<LiveAccount> unowned_accounts(const RecordSets& sets, const std::vector<LiveAccount>& live, const std::string& today);

// A system's classified data (数据分类分级) as the grading reasons use it: how many data assets of
// each grade and with sensitive personal information, and a sentence saying so ("" when none).
struct DataSummary {
  int assets = 0, core = 0, important = 0, personal = 0, sensitive_personal = 0;
  std::vector<const Record*> items;
  std::string text_zh, text_en;
};
DataSummary data_summary(const RecordSets& sets, const std::string& system);

// The database tables of the data classified 核心数据 or 重要数据 or holding sensitive personal
// information (lower case, without their schema): the database audit's sensitive objects.
std::vector<std::string> sensitive_tables(const RecordSets& sets);

// Whether a change is approved (已批准, 已实施 or 已回退).
bool change_approved(const nlohmann::json& data);
// When a change was approved in wardsec by an account other than the one that filed it (its
// versions, oldest first): the time of the first approved version, or 0 when it was not (filed
// already approved, from paper or an import, or approved by its own filer). Only such an approval
// lets a change cover work as planned: a record anyone can type cannot silence an alert.
int64_t approved_by_another(const std::vector<Record>& versions);
// The approved change whose targets name one of `names` (or "*") and whose window holds `local`
// (YYYY-MM-DD HH:MM, local time), and that `accept` takes (the caller's check of how it was
// approved); nullptr when none does.
const Record* covering_change(const RecordSets& sets, const std::vector<std::string>& names, const std::string& local,
                              const std::function<bool(const Record&)>& accept);

struct Reminder {
  std::string kind;
  int64_t id = 0;
  std::string title, what_zh, what_en;
  std::string due;  // "" when already missing
  bool overdue = false;
};
// The standard checks of each inspection scope: the page fills an inspection's checklist from
// them (machine room, workstations, servers, network, backup, policies, medical devices).
const std::vector<std::pair<std::string, std::vector<std::string>>>& inspection_checklists();

// What needs doing within `ahead_days`: reviews, assessments, agreements, training this year;
// what is missing: a policy of each category the hospital documents name, this year's training,
// a routine inspection each quarter and a full one each year.
std::vector<Reminder> reminders(const RecordSets& sets, const std::string& today, int ahead_days = 30);

// A graded system as the compliance store has it: its level and the date of its latest grading
// ("" when none is recorded).
struct Graded {
  std::string system, name;
  int level = 0;
  std::string graded;
};
// Every inventoried system with its level and the date (local, `tz_sec`) of its latest grading,
// from the compliance store.
Result<std::vector<Graded>> read_graded(const std::string& compliance_db, int tz_sec);
// The filing (备案) of every system at level 2 and above: due within 30 days of its grading or of
// going live, whichever is later (信息安全等级保护管理办法, art. 15), until the public security
// organ's certificate is recorded; a filing whose level differs from the grading's.
std::vector<Reminder> filing_reminders(const RecordSets& sets, const std::vector<Graded>& systems, const std::string& today);

}  // namespace wardsec::mgmt
