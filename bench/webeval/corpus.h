// The labeled web-attack evaluation corpus, built the same way for the wardsec-only test
// (tests/web_eval) and the side-by-side benchmark against ModSecurity + CRS (bench/web_peer):
//  - blazehttp (../shared/reference/web-eval/blazehttp): raw requests, *.black attacks and
//    *.white benign; attack classes inferred (see infer_class) since the files carry none;
//  - gotestwaf (../shared/reference/web-eval/gotestwaf/testcases): payloads placed into requests
//    the way gotestwaf does (URL parameter, URL path, form, multipart, JSON, header, user agent,
//    XML body), URL-encoded or plain as each file says; its false-pos texts as benign;
//  - hospital: benign traffic of the demo hospital's web systems (appointment forms with Chinese
//    names and addresses, medical record numbers, JSON APIs, clinical free text), generated.
#pragma once
#include <string>
#include <vector>

namespace wardsec::webeval {

struct Sample {
  std::string raw;  // one raw HTTP/1.1 request
  bool attack = false;
  std::string cls;  // attack class of the dataset (sqli, xss, traversal, lfi, cmdi, xxe, ssti, crlf, nosql, ldap, mail, scanner, other); ""
                    // when benign
  std::string source;  // blazehttp, gotestwaf, hospital
  std::string id;      // file or payload reference
};

struct Corpus {
  std::vector<Sample> samples;
  std::vector<std::string> notes;  // what was skipped and why
};

// shared: the ../shared/reference directory's parent (the folder holding reference/).
Corpus load(const std::string& shared, size_t hospital_requests = 5000);

// Building requests: percent-encoding (`all_reserved` false keeps what a request line may
// carry as it is), JSON string escaping, and a whole HTTP/1.1 request with a browser's headers.
std::string pct(const std::string& s, bool all_reserved);
std::string json_escape(const std::string& s);
std::string request(const std::string& method, const std::string& target, const std::string& host,
                    const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body);

// The class of a blazehttp attack, from its target (DVWA's /vulnerabilities/<kind>/) and
// otherwise its payload's strongest marker.
std::string infer_class(const std::string& raw);

}  // namespace wardsec::webeval

namespace wardsec::webeval {

// Tallies of one detector over the corpus.
struct Score {
  struct Count {
    size_t n = 0, hit = 0;
  };
  std::vector<std::pair<std::string, Count>> by_class;   // attacks, per class
  std::vector<std::pair<std::string, Count>> by_source;  // benign, per source (hit = false positive)
  Count attacks, benign;
  double seconds = 0;
  void add(const Sample& s, bool flagged);
  double tpr() const { return attacks.n ? double(attacks.hit) / attacks.n : 0; }
  double fpr() const { return benign.n ? double(benign.hit) / benign.n : 0; }
};

}  // namespace wardsec::webeval
