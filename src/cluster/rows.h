// The rows of the regional store (docs/cluster.md): how an event becomes a row of ClickHouse's
// `events` table, the text both ends write and read (ClickHouse's TabSeparated, byte for byte),
// and the canonical bytes a batch's digest covers.
//
// A row keeps the event whole: its times, flags, the raw message and every field as a
// (name, value) pair in the order the event holds them. The search columns (host, addresses,
// user, dataset, action, outcome, day) are derived from those and checked by `verify`.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/event.h"
#include "core/result.h"

namespace wardsec::cluster {

struct Row {
  uint64_t ref = 0;  // the event's place in the site's store: (block << 20) | row
  int64_t ts = 0, received = 0;
  uint32_t flags = 0;
  std::string raw;
  std::vector<std::pair<std::string, std::string>> attrs;
};

Row row_from_event(const Event& ev, uint64_t ref);
Event event_from_row(const Row& r);

// The derived search columns, in the table's order after `flags`.
struct Derived {
  std::string day;  // YYYY-MM-DD (UTC) of ts: the partition
  std::string host, source_ip, destination_ip, user, dataset, action, outcome;
};
Derived derive(const Row& r);
// YYYY-MM-DD (UTC) of a time in nanoseconds since the epoch: the `day` partition.
std::string utc_day(int64_t ts_ns);
// The columns derived and searched, by field name (host.name -> host); "" when not one.
std::string_view column_of_field(std::string_view field);

// The canonical bytes of a row for the batch digest (lengths before every variable part).
void canonical(const Row& r, std::string& out);

// ClickHouse TabSeparated: escaping as its text formats do, arrays as ['a','b'].
void tsv_escape(std::string_view s, std::string& out);
void tsv_array(const std::vector<std::pair<std::string, std::string>>& kv, bool keys, std::string& out);

// The wire rows a collector sends: ref, ts, received, flags, raw, attrs.k, attrs.v.
void write_wire_row(const Row& r, std::string& out);
// Parses one wire line (without its newline); errors name the column.
Result<Row> parse_wire_row(std::string_view line);

// A full `events` row as the sink inserts it (site, the derived columns, the batch id).
void write_table_row(std::string_view site, const Row& r, std::string_view batch, std::string& out);
// The select list that reads a table row back in write_table_row's order.
std::string_view table_columns();
struct TableRow {
  std::string site, batch;
  Derived derived;
  Row row;
};
Result<TableRow> parse_table_row(std::string_view line);

// One TSV field: unescaped text and where the next starts. Used by both parsers.
Result<std::string> tsv_unescape(std::string_view field);
Result<std::vector<std::string>> tsv_parse_array(std::string_view field);

}  // namespace wardsec::cluster
