// Device families as data (issue #18): one YAML file under parsers/ describes how to recognise
// a vendor's lines, how to pull values out of them and which ECS fields those values become,
// with sample lines that are its tests. A field engineer adds a device without C++:
//
//   family: huawei-vrp
//   title: {zh: 华为 VRP 交换机/路由器, en: Huawei VRP switches and routers}
//   source: https://support.huawei.com/...      # where the sample lines come from
//   dataset: huawei.vrp                          # event.dataset (event.module: the part before '.')
//   match:                                       # any one of these recognises a line
//     - {regex: '%%\d+[A-Z0-9_]+/\d/[A-Z0-9_]+'}
//     - {program: ['sshd', 'vsftpd*'], contains: 'authentication failure'}
//     - {field: SourceModuleType, equals: [im_msvistalog]}   # a decoded JSON event's field
//   extract:                                     # in order; each adds what it finds
//     - regex: '%%\d+(?<module>[A-Z0-9_]+)/(?<severity>\d)/(?<mnemonic>[A-Z0-9_]+)'
//     - kv: {assign: '=', separators: ' ,;', within: '\((.*)\)'}
//     - csv: {columns: ['', receive_time, serial, type], separator: ','}   # positional
//   map: {UserName: user.name, Ip: source.ip, mnemonic: event.action}
//   values:                                      # value maps: vendor words onto ECS values
//     event.outcome: {field: Result, failure: [failed, fail], success: [succeeded, success]}
//     log.level: {field: severity, map: {'0': emergency, '3': error, '4': warning, '6': info}}
//   set: {event.category: authentication}
//   time: {field: [date, time], format: '%m/%d/%y %H:%M:%S'}   # when the line has no envelope time
//   multiline: {start: '^\d{4}-\d{2}-\d{2} '}          # lines that arrive one per message, joined
//   samples:
//     - line: '...'
//       fields: {user.name: admin, source.ip: 10.1.2.3, event.outcome: failure}
//
// Loading checks everything (unknown keys, bad regexes, fields that are not names, samples that
// do not yield their fields) and names the file and line. docs/parsers.md.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "core/result.h"
#include "parse/kv.h"

namespace YAML {
class Node;
}

namespace wardsec {

struct FamilyMatch {
  std::vector<std::string> programs;  // globs on the syslog program name ("" any)
  std::string contains;               // a literal the body must hold
  std::string regex;                  // PCRE2, searched in the body (or in `field`'s value)
  // A match on a field a structured format decoded (JSON from NXLog, Winlogbeat, Suricata):
  // the family then reads the event's fields (its map and values name them), not a body.
  std::string field;
  std::vector<std::string> equals;  // the field's value is one of these (case-insensitive)
};

struct FamilyExtract {
  std::string regex;  // named groups become values under their names
  bool kv = false;    // key=value pairs (KvOptions) become values under their keys
  KvOptions kv_opt;
  std::vector<std::string> csv;  // separated values: the columns' names in order ("" skips one)
  char csv_sep = ',';
  std::string within;  // a regex whose first group is the text the extraction reads ("" whole body)
};

struct ValueMap {
  std::string field;                          // the vendor value it reads
  std::vector<std::string> failure, success;  // for event.outcome
  std::map<std::string, std::string> map;     // value → ECS value (case-insensitive)
};

// The vendor's own time of the event, for lines whose envelope gave none (a file of error-log
// lines, a CSV audit log): the values of `fields` joined with a blank, read with the first of
// `formats` that fits (core/timeutil.h parse_time_format: '%Y/%m/%d %H:%M:%S', rfc3339, epoch...).
struct FamilyTime {
  std::vector<std::string> fields, formats;
  bool always = false;  // also over an envelope's time (the syslog header of a forwarder that read a file)
};

// Multi-line events (stack traces, pretty-printed XML) that arrive a line per message: the lines
// of one sender and program are joined into one event until the next line that starts one
// (`start`), or while lines continue it (`continue`); `end` closes an event at once. Bounded
// in lines, bytes and time: a cut event goes on as a new one, no line is dropped. Read from a
// family's `multiline:` (its programs by default) and from the config's `multiline:` list;
// joined by ingest/multiline.h before the events are stored.
struct MultilineSpec {
  std::string name;
  std::vector<std::string> sources;   // sender addresses or CIDRs; imported files: path globs
  std::vector<std::string> programs;  // syslog program globs; "" = lines without a syslog header
  std::string start, cont, end;       // PCRE2; exactly one of start and cont
  size_t max_lines = 1000;
  size_t max_bytes = 256u << 10;
  int timeout_ms = 2000;
  std::string where;  // file:line, for errors
};

struct FamilySample {
  std::string line;
  std::map<std::string, std::string> fields;  // each must be set to exactly this
  int line_no = 0;
};

struct Family {
  std::string name, title_zh, title_en, source, dataset;
  std::vector<FamilyMatch> match;
  std::vector<FamilyExtract> extract;
  // vendor name → field (a name may map to several: a list in the file). In a family that reads
  // decoded fields, "prefix.*" copies every field under the prefix: to "*" its rest, to "x.*"
  // under x. (winlog.event_data.TargetUserName → TargetUserName, the name Sigma's rules use).
  std::multimap<std::string, std::string> map;
  std::map<std::string, ValueMap> values;  // ECS field → how its value is derived
  std::map<std::string, std::string> set;  // constant fields
  FamilyTime time;
  std::vector<FamilySample> samples;
  std::string file;
  std::vector<MultilineSpec> multiline;  // none, or one (programs default to the family's)
};

// One `multiline:` mapping (keys: name, sources, programs, start, continue, end, max_lines,
// max_bytes, timeout_ms), checked; `file` names where it is in errors. Regexes are compiled by
// ingest::MultilineRules.
Result<MultilineSpec> parse_multiline(const YAML::Node& n, const std::string& file);

Result<Family> parse_family(std::string_view yaml_text, const std::string& file);
// Every *.yaml below `dir` (sorted); names must be unique.
Result<std::vector<Family>> load_families(const std::string& dir);

}  // namespace wardsec
