#include "webeval/corpus.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

namespace fs = std::filesystem;

namespace wardsec::webeval {

std::string pct(const std::string& s, bool all_reserved) {
  static const char* hx = "0123456789ABCDEF";
  std::string o;
  for (unsigned char c : s) {
    bool keep = std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
    if (!all_reserved && (c == '/' || c == '=' || c == '&' || c == '?' || c == ':' || c == '%' || c == '\'' || c == '(' || c == ')' ||
                          c == '*' || c == ',' || c == ';' || c == '!' || c == '$' || c == '@' || c == '+' || c == '<' || c == '>' ||
                          c == '"' || c == '{' || c == '}' || c == '[' || c == ']' || c == '|' || c == '\\' || c == '^' || c == '`'))
      keep = true;
    if (keep) {
      o.push_back(static_cast<char>(c));
    } else {
      o.push_back('%');
      o.push_back(hx[c >> 4]);
      o.push_back(hx[c & 15]);
    }
  }
  return o;
}

std::string json_escape(const std::string& s) {
  std::string o;
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      o.push_back('\\');
      o.push_back(static_cast<char>(c));
    } else if (c < 0x20) {
      char b[8];
      std::snprintf(b, sizeof b, "\\u%04x", c);
      o += b;
    } else {
      o.push_back(static_cast<char>(c));
    }
  }
  return o;
}

constexpr const char* kUA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/118.0 Safari/537.36";

std::string request(const std::string& method, const std::string& target, const std::string& host,
                    const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body) {
  std::string r = method + " " + target + " HTTP/1.1\r\nHost: " + host + "\r\n";
  bool has_ua = std::any_of(headers.begin(), headers.end(), [](const auto& h) { return h.first == "User-Agent"; });
  if (!has_ua) r += std::string("User-Agent: ") + kUA + "\r\n";
  r += "Accept: */*\r\nAccept-Language: zh-CN,zh;q=0.9\r\n";
  for (const auto& [k, v] : headers) r += k + ": " + v + "\r\n";
  if (!body.empty() || method == "POST") r += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  r += "\r\n" + body;
  return r;
}

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string read(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// A payload in a request, as gotestwaf's placeholders put it.
bool place(const std::string& placeholder, const std::string& payload, bool url_encode, std::string& out) {
  std::string enc = url_encode ? pct(payload, true) : pct(payload, false);
  if (!url_encode) {
    // Plain: only what cannot stand in a request line at all is escaped.
    std::string o;
    for (unsigned char c : payload) {
      if (c == ' ' || c < 0x20 || c >= 0x7f) {
        char b[4];
        std::snprintf(b, sizeof b, "%%%02X", c);
        o += b;
      } else {
        o.push_back(static_cast<char>(c));
      }
    }
    enc = o;
  }
  const std::string host = "www.demo-hospital.cn";
  if (placeholder == "URLParam") {
    out = request("GET", "/index.php?id=" + enc, host, {}, "");
  } else if (placeholder == "URLPath") {
    out = request("GET", "/" + enc, host, {}, "");
  } else if (placeholder == "HTMLForm") {
    out = request("POST", "/form", host, {{"Content-Type", "application/x-www-form-urlencoded"}}, "field=" + pct(payload, true));
  } else if (placeholder == "HTMLMultipartForm") {
    std::string b = "----WardsecEvalBoundary7MA4YWxkTrZu0gW";
    std::string body = "--" + b + "\r\nContent-Disposition: form-data; name=\"field\"\r\n\r\n" + payload + "\r\n--" + b + "--\r\n";
    out = request("POST", "/form", host, {{"Content-Type", "multipart/form-data; boundary=" + b}}, body);
  } else if (placeholder == "JSONRequest" || placeholder == "JSONBody") {
    out = request("POST", "/api/v1/items", host, {{"Content-Type", "application/json"}},
                  "{\"test\": true, \"value\": \"" + json_escape(payload) + "\"}");
  } else if (placeholder == "Header") {
    if (payload.find('\n') != std::string::npos) return false;
    out = request("GET", "/", host, {{"X-Payload", payload}}, "");
  } else if (placeholder == "UserAgent") {
    if (payload.find('\n') != std::string::npos) return false;
    out = request("GET", "/", host, {{"User-Agent", payload}}, "");
  } else if (placeholder == "XMLBody") {
    out = request("POST", "/xml", host, {{"Content-Type", "text/xml"}}, payload);
  } else {
    return false;
  }
  return true;
}

std::string class_of_type(const std::string& file, const std::string& type) {
  std::string t = lower(type), f = lower(file);
  if (f.find("nosql") != std::string::npos) return "nosql";
  if (t.find("sql") != std::string::npos || f.find("sqli") != std::string::npos) return "sqli";
  if (t.find("xss") != std::string::npos || f.find("xss") != std::string::npos) return "xss";
  if (t.find("path traversal") != std::string::npos) return "traversal";
  if (t == "lfi" || f.find("lfi") != std::string::npos) return "lfi";
  if (t.find("xxe") != std::string::npos) return "xxe";
  if (t.find("sst") != std::string::npos) return "ssti";
  if (t.find("ss injection") != std::string::npos) return "cmdi";
  if (t.find("rce") != std::string::npos || t.find("shell") != std::string::npos || f.find("rce") != std::string::npos) return "cmdi";
  if (t.find("crlf") != std::string::npos) return "crlf";
  if (t.find("ldap") != std::string::npos) return "ldap";
  if (t.find("mail") != std::string::npos) return "mail";
  if (t.find("useragent") != std::string::npos || f.find("user-agent") != std::string::npos) return "scanner";
  return "other";
}

void load_gotestwaf(const fs::path& dir, Corpus& c) {
  std::vector<fs::path> files;
  for (const char* sub : {"owasp", "community"}) {
    if (!fs::exists(dir / sub)) continue;
    for (const auto& e : fs::directory_iterator(dir / sub))
      if (e.path().extension() == ".yml") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& p : files) {
    std::string name = p.filename().string();
    if (name.find("kb-") != std::string::npos) {
      c.notes.push_back("gotestwaf " + name + ": skipped (body-size limit tests, not detection)");
      continue;
    }
    YAML::Node y;
    try {
      y = YAML::LoadFile(p.string());
    } catch (const YAML::Exception& e) {
      c.notes.push_back("gotestwaf " + name + ": " + e.what());
      continue;
    }
    std::string type = y["type"] ? y["type"].as<std::string>("") : "";
    std::string cls = class_of_type(name, type);
    std::vector<std::string> encoders, placeholders;
    for (const auto& e : y["encoder"]) encoders.push_back(e.as<std::string>(""));
    for (const auto& ph : y["placeholder"])
      if (ph.IsScalar()) placeholders.push_back(ph.as<std::string>());
    size_t n = 0;
    for (const auto& pl : y["payload"]) {
      std::string payload = pl.as<std::string>("");
      n++;
      for (const auto& enc : encoders) {
        if (enc == "Base64Flat") continue;  // only an application that marks the field could decode it
        for (const auto& ph : placeholders) {
          Sample s;
          if (!place(ph, payload, enc == "URL", s.raw)) continue;
          s.attack = true;
          s.cls = cls;
          s.source = "gotestwaf";
          s.id = name + "#" + std::to_string(n) + "/" + ph + "/" + enc;
          c.samples.push_back(std::move(s));
        }
      }
    }
  }
  c.notes.push_back("gotestwaf: Base64Flat encodings skipped (a WAF cannot know a field is base64 unless the application says so)");
  // Benign text that looks suspicious.
  fs::path fp = dir / "false-pos" / "texts.yml";
  if (fs::exists(fp)) {
    auto y = YAML::LoadFile(fp.string());
    size_t n = 0;
    for (const auto& pl : y["payload"]) {
      std::string payload = pl.as<std::string>("");
      n++;
      for (const char* ph : {"URLParam", "HTMLForm", "JSONRequest"}) {
        Sample s;
        if (!place(ph, payload, true, s.raw)) continue;
        s.source = "gotestwaf-falsepos";
        s.id = "texts.yml#" + std::to_string(n) + "/" + ph;
        c.samples.push_back(std::move(s));
      }
    }
  }
}

// ---- the demo hospital's own benign traffic --------------------------------------------

const char* kSurnames[] = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴",   "徐",
                           "孙", "胡", "朱", "高", "林", "何", "郭", "马", "罗", "欧阳", "司马"};
const char* kGiven[] = {"伟", "芳", "娜", "秀英", "敏", "静", "丽", "强",   "磊", "军",   "洋",
                        "勇", "艳", "杰", "娟",   "涛", "明", "超", "秀兰", "霞", "子涵", "浩然"};
const char* kDepts[] = {"心内科", "消化内科", "呼吸内科", "神经内科", "内分泌科", "普外科", "骨科",     "泌尿外科", "妇产科",
                        "儿科",   "眼科",     "耳鼻喉科", "口腔科",   "皮肤科",   "急诊科", "发热门诊", "中医科",   "康复医学科"};
const char* kStreets[] = {"北京市朝阳区建国路88号SOHO现代城3号楼502室",
                          "上海市浦东新区张江路1388弄12号",
                          "广州市天河区体育西路191号中石化大厦B座1801",
                          "成都市武侯区人民南路四段27号",
                          "杭州市西湖区文三路478号华星时代广场A座",
                          "南京市鼓楼区中山北路30号(近鼓楼广场)",
                          "深圳市南山区科技园南区R2-B栋3楼",
                          "武汉市洪山区珞喻路1037号",
                          "西安市雁塔区小寨东路126号百隆广场#2-1101",
                          "天津市和平区南京路219号（天津中心）"};
const char* kComplaints[] = {
    "头痛、发热（38.5℃）3天，伴咳嗽、咳痰；否认药物过敏史。",
    "胸闷气短1周，活动后加重，夜间可平卧。既往高血压病史10年，规律服用氨氯地平5mg qd。",
    "腹痛2天，以右下腹为主，伴恶心，无呕吐；T 37.8, P 92, BP 128/76 mmHg",
    "复诊：血糖控制可，空腹6.8 mmol/L，餐后2h 9.1 mmol/L；继续二甲双胍0.5g tid",
    "孕28+3周，常规产检；OGTT 5.1/10.0/8.5",
    "患儿咳嗽5天，夜间为甚，听诊双肺可闻及少许湿啰音。",
    "术后第3天，切口愈合良好，无红肿渗出 -- 建议出院后2周拆线",
    "patient O'Brien, allergic to penicillin; 1 or 2 tablets p.o. q.d. (max 4/day)",
    "Drop off the sample at window 3; pick up the report after 2pm & bring the receipt",
    "请在 8:00-11:30 之间就诊 & 携带医保卡、身份证",
    "select a time slot from the list below, then confirm",
    "union of the fracture was confirmed on X-ray; cast removed",
    "主诉: \"右膝关节疼痛\" 半年, 上下楼加重; MRI 示: 半月板损伤 (II 度)",
    "用法：1# p.o. bid × 7d；若出现皮疹请立即停药 -- 并复诊",
    "echo of the heart (UCG) shows EF 62%, no regional wall motion abnormality",
    "家属签字确认：同意手术/麻醉方案，知晓相关风险 <已告知>",
    "CT: 左肺上叶见一约 8mm×6mm 磨玻璃结节，建议 3-6 个月复查",
    "血常规: WBC 11.2×10^9/L, N% 82%, CRP 36 mg/L",
    "drug: 阿莫西林胶囊 0.25g*24粒/盒 (OTC); 布洛芬缓释胶囊 0.3g*20粒",
    "Dr. D'Angelo's clinic -- room 2-305; call ext. 8023 or 8024",
};
const char* kDrugs[] = {"阿莫西林胶囊", "头孢克肟片",     "奥美拉唑肠溶胶囊", "阿托伐他汀钙片",   "二甲双胍缓释片",
                        "氨氯地平片",   "布洛芬缓释胶囊", "蒙脱石散",         "复方甘草口服溶液", "胰岛素注射液(门冬)"};

std::string id_card(std::mt19937& rng) {
  std::string s = std::to_string(110101 + rng() % 500000) + std::to_string(1950 + rng() % 70);
  char b[32];
  std::snprintf(b, sizeof b, "%02u%02u%03u", unsigned(1 + rng() % 12), unsigned(1 + rng() % 28), unsigned(rng() % 1000));
  s += b;
  s += "0123456789X"[rng() % 11];
  return s;
}

void load_hospital(size_t n, Corpus& c) {
  std::mt19937 rng(20261129);
  auto pick = [&](auto& arr) { return arr[rng() % (sizeof(arr) / sizeof(arr[0]))]; };
  const std::string host = "www.demo-hospital.cn";
  for (size_t i = 0; i < n; i++) {
    std::string name = std::string(pick(kSurnames)) + pick(kGiven);
    std::string mrn = "MR" + std::to_string(2026000000 + rng() % 999999);
    std::string phone = "1" + std::to_string(3 + rng() % 7) + std::to_string(100000000 + rng() % 899999999);
    std::string dept = pick(kDepts);
    std::string date = "2026-12-" + std::to_string(10 + rng() % 18);
    std::string cookie = "JSESSIONID=" + std::to_string(rng()) + std::to_string(rng()) + "; lang=zh-CN; _hid=" + std::to_string(rng());
    std::string raw;
    switch (i % 8) {
      case 0:
        raw = request(
            "GET", "/api/appointment/slots?dept=" + pct(dept, true) + "&date=" + date + "&doctorId=D" + std::to_string(rng() % 900 + 100),
            host, {{"Cookie", cookie}, {"Referer", "https://" + host + "/appointment"}}, "");
        break;
      case 1: {
        std::string body = "{\"patientName\":\"" + name + "\",\"idCard\":\"" + id_card(rng) + "\",\"phone\":\"" + phone +
                           "\",\"address\":\"" + json_escape(pick(kStreets)) + "\",\"dept\":\"" + dept + "\",\"date\":\"" + date +
                           "\",\"symptom\":\"" + json_escape(pick(kComplaints)) + "\",\"mrn\":\"" + mrn +
                           "\",\"insurance\":{\"type\":\"城镇职工\",\"no\":\"" + std::to_string(rng()) + "\"}}";
        raw = request("POST", "/api/appointment", host,
                      {{"Content-Type", "application/json;charset=UTF-8"},
                       {"Cookie", cookie},
                       {"Origin", "https://" + host},
                       {"X-CSRF-Token", std::to_string(rng())}},
                      body);
        break;
      }
      case 2: {
        std::string body = "name=" + pct(name, true) + "&sex=" + pct(rng() % 2 ? "男" : "女", true) +
                           "&age=" + std::to_string(rng() % 90 + 1) + "&complaint=" + pct(pick(kComplaints), true) +
                           "&address=" + pct(pick(kStreets), true) + "&csrf_token=" + std::to_string(rng());
        raw = request("POST", "/his/outpatient/register.do", "his.demo-hospital.local",
                      {{"Content-Type", "application/x-www-form-urlencoded"}, {"Cookie", cookie}}, body);
        break;
      }
      case 3:
        raw = request("GET", "/emr/record/view?mrn=" + mrn + "&visit=" + std::to_string(rng() % 20 + 1) + "&tab=" + pct("病程记录", true),
                      "emr.demo-hospital.local", {{"Cookie", cookie}}, "");
        break;
      case 4:
        raw = request("GET", "/api/drug/search?q=" + pct(std::string(pick(kDrugs)) + " 0.25g*24粒", true) + "&page=1&size=20", host,
                      {{"X-Requested-With", "XMLHttpRequest"}}, "");
        break;
      case 5: {
        std::string b = "----WebKitFormBoundary" + std::to_string(rng());
        std::string body = "--" + b + "\r\nContent-Disposition: form-data; name=\"mrn\"\r\n\r\n" + mrn + "\r\n--" + b +
                           "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"检查报告_" + name +
                           ".pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n\r\n--" + b +
                           "\r\nContent-Disposition: form-data; name=\"remark\"\r\n\r\n" + pick(kComplaints) + "\r\n--" + b + "--\r\n";
        raw =
            request("POST", "/api/report/upload", host, {{"Content-Type", "multipart/form-data; boundary=" + b}, {"Cookie", cookie}}, body);
        break;
      }
      case 6:
        raw = request("GET",
                      "/portal/news/list?category=" + pct("医院新闻", true) + "&keyword=" + pct(pick(kComplaints), true) +
                          "&page=" + std::to_string(rng() % 9 + 1),
                      host, {}, "");
        break;
      default: {
        std::string body = "{\"orderNo\":\"PAY" + std::to_string(rng()) + "\",\"amount\":" + std::to_string(rng() % 50000) + "." +
                           std::to_string(rng() % 100) + ",\"items\":[{\"code\":\"" + std::to_string(rng() % 99999) + "\",\"name\":\"" +
                           pick(kDrugs) + "\",\"qty\":" + std::to_string(rng() % 5 + 1) + "}],\"payer\":\"" + name + "\",\"note\":\"" +
                           json_escape(pick(kComplaints)) + "\"}";
        raw = request("POST", "/api/pay/create", host, {{"Content-Type", "application/json"}, {"Cookie", cookie}}, body);
      }
    }
    Sample s;
    s.raw = std::move(raw);
    s.source = "hospital";
    s.id = "hospital#" + std::to_string(i);
    c.samples.push_back(std::move(s));
  }
}

}  // namespace

std::string infer_class(const std::string& raw) {
  std::string first = lower(raw.substr(0, raw.find('\n')));
  std::string all = lower(raw);
  if (first.find("/vulnerabilities/xss") != std::string::npos) return "xss";
  if (first.find("/vulnerabilities/sqli") != std::string::npos) return "sqli";
  if (first.find("/vulnerabilities/exec") != std::string::npos) return "cmdi";
  if (first.find("/vulnerabilities/upload") != std::string::npos) return "upload";
  if (first.find("/vulnerabilities/fi") != std::string::npos) return "lfi";
  if (all.find("<!entity") != std::string::npos) return "xxe";
  if (all.find("../") != std::string::npos || all.find("%2e%2e") != std::string::npos || all.find("..%2f") != std::string::npos)
    return "traversal";
  if (all.find("${") != std::string::npos || all.find("java.lang") != std::string::npos || all.find("<void") != std::string::npos ||
      all.find("ognl") != std::string::npos || all.find("233*233") != std::string::npos || all.find("system(") != std::string::npos)
    return "cmdi";
  if (all.find("select") != std::string::npos || all.find("union") != std::string::npos) return "sqli";
  if (all.find("<script") != std::string::npos || all.find("onerror") != std::string::npos) return "xss";
  return "other";
}

Corpus load(const std::string& shared, size_t hospital_requests) {
  Corpus c;
  fs::path base = fs::path(shared) / "reference" / "web-eval";
  fs::path bz = base / "blazehttp";
  if (fs::exists(bz)) {
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(bz))
      if (e.path().extension() == ".black" || e.path().extension() == ".white") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& p : files) {
      Sample s;
      s.raw = read(p);
      s.attack = p.extension() == ".black";
      if (s.attack) s.cls = infer_class(s.raw);
      s.source = "blazehttp";
      s.id = fs::relative(p, bz).string();
      c.samples.push_back(std::move(s));
    }
  } else {
    c.notes.push_back("blazehttp not found under " + bz.string());
  }
  load_gotestwaf(base / "gotestwaf" / "testcases", c);
  load_hospital(hospital_requests, c);
  return c;
}

}  // namespace wardsec::webeval

namespace wardsec::webeval {

void Score::add(const Sample& s, bool flagged) {
  auto bump = [&](std::vector<std::pair<std::string, Count>>& v, const std::string& k) {
    auto it = std::find_if(v.begin(), v.end(), [&](const auto& p) { return p.first == k; });
    if (it == v.end()) {
      v.push_back({k, {}});
      it = v.end() - 1;
    }
    it->second.n++;
    it->second.hit += flagged;
  };
  if (s.attack) {
    attacks.n++;
    attacks.hit += flagged;
    bump(by_class, s.cls);
  } else {
    benign.n++;
    benign.hit += flagged;
    bump(by_source, s.source);
  }
}

}  // namespace wardsec::webeval
