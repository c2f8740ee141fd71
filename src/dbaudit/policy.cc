#include "dbaudit/policy.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "core/strutil.h"

namespace wardsec::dbaudit {

namespace {

std::string bare(const std::string& name) {
  size_t d = name.rfind('.');
  return d == std::string::npos ? name : name.substr(d + 1);
}

bool has(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }

std::string join(const std::vector<std::string>& v) {
  std::string o;
  for (const auto& x : v) o += (o.empty() ? "" : ", ") + x;
  return o;
}

}  // namespace

std::string load_policy(const std::string& path, Policy& out) {
  try {
    YAML::Node y = YAML::LoadFile(path);
    auto list = [&](const YAML::Node& n, std::vector<std::string>& into) {
      if (!n) return;
      for (const auto& x : n) {
        std::string v = to_lower(x.as<std::string>());
        if (!has(into, v)) into.push_back(v);
      }
    };
    for (const auto& prof : y["profiles"]) {
      const YAML::Node& p = prof.second;
      list(p["prescription_tables"], out.prescription_tables);
      list(p["patient_tables"], out.patient_tables);
      list(p["doctor_columns"], out.doctor_columns);
      list(p["drug_columns"], out.drug_columns);
    }
    list(y["tools"], out.tools);
    if (y["bulk_patient_rows"]) out.bulk_patient_rows = y["bulk_patient_rows"].as<int64_t>();
  } catch (const YAML::Exception& e) {
    return path + ": " + e.what();
  }
  if (out.prescription_tables.empty()) return path + ": no profile names prescription tables";
  return {};
}

std::vector<DbAlert> check_statement(const Statement& s, const Policy& p) {
  std::vector<DbAlert> out;
  const SqlInfo& q = s.sql;
  std::vector<std::string> presc, patients;
  for (const auto& t : q.tables) {
    if (has(p.prescription_tables, bare(t))) presc.push_back(t);
    if (has(p.patient_tables, bare(t))) patients.push_back(t);
  }
  // 统方: prescriptions aggregated by doctor and/or drug.
  if (q.operation == "select" && !presc.empty() && !q.aggregates.empty()) {
    std::vector<std::string> by_doctor, by_drug;
    for (const auto& g : q.group_by) {
      if (has(p.doctor_columns, g)) by_doctor.push_back(g);
      if (has(p.drug_columns, g)) by_drug.push_back(g);
    }
    if (!by_doctor.empty() && !by_drug.empty())
      out.push_back({"tongfang", "critical", "prescriptions (" + join(presc) + ") aggregated (" + join(q.aggregates) + ") by doctor (" +
                                                   join(by_doctor) + ") and drug (" + join(by_drug) + ")"});
    else if (!by_doctor.empty() || !by_drug.empty())
      out.push_back({"tongfang", "high", "prescriptions (" + join(presc) + ") aggregated (" + join(q.aggregates) + ") by " +
                                             (by_doctor.empty() ? "drug (" + join(by_drug) : "doctor (" + join(by_doctor)) + ")"});
  }
  if (q.operation == "select" && !patients.empty() && s.rows > p.bulk_patient_rows)
    out.push_back({"bulk_patient_read", "high", std::to_string(s.rows) + " rows of patient records (" + join(patients) + ")"});
  if (s.session) {
    std::string prog = to_lower(s.session->program);
    for (const auto& t : p.tools)
      if (!prog.empty() && prog.find(t) != std::string::npos && (!presc.empty() || !patients.empty())) {
        out.push_back({"tool_access", "medium", "clinical tables used from " + s.session->program + " instead of the HIS application"});
        break;
      }
  }
  if ((q.operation == "update" || q.operation == "delete") && !q.has_where)
    out.push_back({"no_where", "high", q.operation + " without WHERE on " + join(q.tables)});
  if (q.into_outfile) out.push_back({"export", "high", "data exported to a file (" + join(q.tables) + ")"});
  if (q.operation == "drop" || q.operation == "truncate" || q.operation == "alter")
    out.push_back({"ddl", "medium", q.operation + " " + join(q.tables)});
  if (q.operation == "grant" || q.operation == "revoke") out.push_back({"privilege", "high", q.operation});
  return out;
}

}  // namespace wardsec::dbaudit
