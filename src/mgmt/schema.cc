#include "mgmt/schema.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "compliance/assessment.h"
#include "core/strutil.h"

namespace wardsec::mgmt {

namespace {

using json = nlohmann::json;

constexpr size_t kTextMax = 200, kLongMax = 4000, kListMax = 2000;

Error field_error(const Field& f, const std::string& zh, const std::string& en) {
  return Error{"字段 " + f.name + "（" + f.zh + "）" + zh + " / field " + f.name + " (" + f.en + ") " + en};
}

// "YYYY-MM-DD HH:MM" with a real date and time.
bool is_datetime(const std::string& s) {
  if (s.size() != 16 || s[10] != ' ' || s[13] != ':') return false;
  if (!compliance::is_date(s.substr(0, 10))) return false;
  for (size_t i : {11, 12, 14, 15})
    if (!is_digit(s[i])) return false;
  int h = std::atoi(s.substr(11, 2).c_str()), m = std::atoi(s.substr(14, 2).c_str());
  return h < 24 && m < 60;
}

Result<json> check_string(const Field& f, const json& v) {
  if (!v.is_string()) return field_error(f, "须为文本", "must be text");
  std::string s(trim(v.get<std::string>()));
  if (!valid_utf8(s)) return field_error(f, "不是有效的 UTF-8", "is not valid UTF-8");
  if (std::any_of(s.begin(), s.end(), [&](char c) {
        return static_cast<unsigned char>(c) < 0x20 && !(f.type == FieldType::kLongText && (c == '\n' || c == '\t'));
      }))
    return field_error(f, "含有控制字符", "holds control characters");
  size_t max = f.type == FieldType::kLongText ? kLongMax : kTextMax;
  if (s.size() > max) return field_error(f, "超过 " + std::to_string(max) + " 字节", "is longer than " + std::to_string(max) + " bytes");
  switch (f.type) {
    case FieldType::kDate:
      if (!s.empty() && !compliance::is_date(s))
        return field_error(f, "须为 YYYY-MM-DD 日期，而非 '" + s + "'", "must be a real YYYY-MM-DD date, not '" + s + "'");
      break;
    case FieldType::kDateTime:
      if (!s.empty() && !is_datetime(s))
        return field_error(f, "须为 YYYY-MM-DD HH:MM，而非 '" + s + "'", "must be YYYY-MM-DD HH:MM, not '" + s + "'");
      break;
    case FieldType::kEnum:
      if (!s.empty() && std::find(f.options.begin(), f.options.end(), s) == f.options.end()) {
        std::string opts;
        for (const auto& o : f.options) opts += (opts.empty() ? "" : "、") + o;
        return field_error(f, "须为以下之一：" + opts + "，而非 '" + s + "'", "must be one of " + opts + ", not '" + s + "'");
      }
      break;
    default: break;
  }
  return json(s);
}

Result<json> check_list(const Field& f, const json& v, const Lookup& known) {
  if (!v.is_array()) return field_error(f, "须为列表", "must be a list");
  if (v.size() > kListMax)
    return field_error(f, "超过 " + std::to_string(kListMax) + " 项", "has more than " + std::to_string(kListMax) + " entries");
  json out = json::array();
  Field one = f;
  one.type = FieldType::kText;
  for (const auto& e : v) {
    auto s = check_string(one, e);
    if (!s) return s;
    std::string x = s->get<std::string>();
    if (x.empty()) continue;
    if (f.type == FieldType::kItems && !(known.item && known.item(x)))
      return field_error(f, "的 '" + x + "' 不是要求目录中的条目", "names '" + x + "', which is not a catalog item");
    if (std::find(out.begin(), out.end(), json(x)) == out.end()) out.push_back(x);
  }
  return out;
}

}  // namespace

const Field* Kind::field(const std::string& n) const {
  for (const auto& f : fields)
    if (f.name == n) return &f;
  return nullptr;
}

std::vector<std::string> Kind::items_of(const json& data) const {
  std::vector<std::string> out = items;
  if (more_items)
    for (auto& i : more_items(data)) out.push_back(std::move(i));
  for (const auto& f : fields)
    if (f.type == FieldType::kItems && data.contains(f.name) && data[f.name].is_array())
      for (const auto& i : data[f.name])
        if (i.is_string()) out.push_back(i.get<std::string>());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string Kind::system_of(const json& data) const {
  for (const auto& f : fields)
    if (f.type == FieldType::kSystem && data.contains(f.name) && data[f.name].is_string()) return data[f.name].get<std::string>();
  return "";
}

std::string Kind::date_of(const json& data) const {
  for (const auto& f : date_fields)
    if (data.contains(f) && data[f].is_string() && !data[f].get<std::string>().empty()) return data[f].get<std::string>().substr(0, 10);
  return "";
}

const Kind* find_kind(const std::string& name) {
  for (const auto& k : kinds())
    if (k.name == name) return &k;
  return nullptr;
}

const char* type_name(FieldType t) {
  switch (t) {
    case FieldType::kText: return "text";
    case FieldType::kLongText: return "longtext";
    case FieldType::kDate: return "date";
    case FieldType::kDateTime: return "datetime";
    case FieldType::kEnum: return "enum";
    case FieldType::kList: return "list";
    case FieldType::kItems: return "items";
    case FieldType::kNumber: return "number";
    case FieldType::kBool: return "bool";
    case FieldType::kSystem: return "system";
  }
  return "text";
}

Result<json> validate(const Kind& k, const json& data, const Lookup& known) {
  if (!data.is_object()) return Error{"记录须为 JSON 对象 / a record is a JSON object"};
  for (const auto& [key, v] : data.items())
    if (!k.field(key)) return Error{"“" + k.zh + "”没有字段 " + key + " / a " + k.en + " record has no field " + key};
  json out = json::object();
  for (const auto& f : k.fields) {
    auto it = data.find(f.name);
    bool missing =
        it == data.end() || it->is_null() || (it->is_string() && trim(it->get<std::string>()).empty()) || (it->is_array() && it->empty());
    if (missing) {
      if (f.required) return field_error(f, "为必填项", "is required");
      continue;
    }
    Result<json> v = json(nullptr);
    switch (f.type) {
      case FieldType::kList:
      case FieldType::kItems: v = check_list(f, *it, known); break;
      case FieldType::kNumber:
        if (!it->is_number() || !std::isfinite(it->get<double>()) || it->get<double>() < f.min || it->get<double>() > f.max)
          return field_error(
              f, "须为 " + std::to_string(static_cast<int>(f.min)) + " 到 " + std::to_string(static_cast<int>(f.max)) + " 的数",
              "must be a number in " + std::to_string(static_cast<int>(f.min)) + "-" + std::to_string(static_cast<int>(f.max)));
        v = *it;
        break;
      case FieldType::kBool:
        if (!it->is_boolean()) return field_error(f, "须为是或否", "must be true or false");
        v = *it;
        break;
      case FieldType::kSystem:
        v = check_string(f, *it);
        if (v && !(known.system && known.system(v->get<std::string>())))
          return field_error(f, "的 '" + v->get<std::string>() + "' 不是资产清单中的定级系统",
                             "names '" + v->get<std::string>() + "', which is not an inventoried system");
        break;
      default: v = check_string(f, *it);
    }
    if (!v) return v;
    if (f.required && v->is_array() && v->empty()) return field_error(f, "为必填项", "is required");
    if (!(v->is_array() && v->empty())) out[f.name] = std::move(*v);
  }
  if (k.check)
    if (Status st = k.check(out); !st) return Error{st.error()};
  return out;
}

Result<json> from_cell(const Field& f, const std::string& raw) {
  std::string cell(trim(raw));
  if (cell.size() > 1 && cell[0] == '\'' && std::string("=+-@").find(cell[1]) != std::string::npos)
    cell.erase(0, 1);  // our export's defusal
  if (cell.empty()) return json(nullptr);
  for (size_t p; (p = cell.find("\r\n")) != std::string::npos;) cell.erase(p, 1);  // a multi-line cell from a CRLF file
  switch (f.type) {
    case FieldType::kList:
    case FieldType::kItems: {
      json a = json::array();
      std::string norm = cell;
      for (const char* sep : {"；", "、", "\n"})
        for (size_t p; (p = norm.find(sep)) != std::string::npos;) norm.replace(p, std::string(sep).size(), ";");
      for (auto part : split_view(norm, ';'))
        if (!trim(part).empty()) a.push_back(std::string(trim(part)));
      return a;
    }
    case FieldType::kNumber: {
      char* end = nullptr;
      double d = std::strtod(cell.c_str(), &end);
      if (end != cell.c_str() + cell.size() || !std::isfinite(d))
        return field_error(f, "须为数字，而非 '" + cell + "'", "must be a number, not '" + cell + "'");
      return json(d);
    }
    case FieldType::kBool: {
      std::string l = to_lower(cell);
      if (l == "是" || l == "true" || l == "yes" || l == "1" || l == "y") return json(true);
      if (l == "否" || l == "false" || l == "no" || l == "0" || l == "n") return json(false);
      return field_error(f, "须为 是 或 否，而非 '" + cell + "'", "must be yes or no, not '" + cell + "'");
    }
    default: return json(cell);
  }
}

std::string to_cell(const Field& f, const json& v) {
  if (v.is_null()) return "";
  if (v.is_array()) {
    std::string s;
    for (const auto& e : v) s += (s.empty() ? "" : ";") + (e.is_string() ? e.get<std::string>() : e.dump());
    return s;
  }
  if (f.type == FieldType::kBool && v.is_boolean()) return v.get<bool>() ? "是" : "否";
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

}  // namespace wardsec::mgmt
