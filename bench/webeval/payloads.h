// The generalization set of issue #21: attacks the web detector was not built on, and benign
// hospital inputs that look like them, each split once and for all into a development part
// (tuned on) and a held-out part (measured on at the end only).
//  - attacks: the payload lists under ../shared/reference/web-eval/payloads (payloadbox,
//    PayloadsAllTheThings; MIT), by class, each payload placed in one of six places a request
//    carries user input (query value, form field, JSON value, header, cookie, path segment)
//    chosen by its hash; XXE as an XML body. Every non-empty line that is not a comment counts
//    as an attack; fragments that are no attack by themselves (three characters or fewer, or
//    one bare word: "'", "ORDER", "<div"; a cheat-sheet token, a tab and its explanation) are
//    counted apart as "<class>-fragment", and so are XSS lines of inert markup (no script, handler,
//    URL or style attribute, entity or escape: "<br>", "<div id=x>x</div>"); the LDAP
//    attribute-name list is left out. Duplicates across lists count once. Classes with tens of
//    thousands of lines (traversal) are sampled to a cap.
//  - benign: blazehttp's white requests and gotestwaf's false-positive texts (split by hash), the
//    classic generated hospital traffic, and a harder hospital set (clinical notes with quotes
//    and SQL words, drug names with brackets and '*', nurses' rich-text HTML, base64 images in
//    JSON, JWTs, long ids, search boxes), generated with a seed per split.
#pragma once
#include <string>

#include "webeval/corpus.h"

namespace wardsec::webeval {

enum class Split { kDev, kHoldout };

// `cap`: at most this many attacks of a class per split.
Corpus load_generalization(const std::string& shared, Split split, size_t cap = 2000);

// Attack lines from any file, one payload a line, placed as above and counted as class `cls`
// (fragments apart): for lists that are not in ../shared (a Debian package's, a new project's).
Corpus load_lines(const std::string& file, const std::string& cls, bool urlencoded = false);

// The split of a text: about 30% held out, decided by a hash of the text alone.
Split split_of(const std::string& text);

}  // namespace wardsec::webeval
