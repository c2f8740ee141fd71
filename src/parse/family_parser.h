// The device families (family.h) as one message parser in the registry, and their samples run
// as tests (`wardsec parsers test`, `make test`).
#pragma once
#include <string>
#include <vector>

#include "parse/family.h"
#include "parse/parser.h"

namespace wardsec {

// Compiles the families' regexes (an error names the file and the pattern); the parser tries
// them in order and the first that recognises a body fills its fields.
Result<MessageParserPtr> make_family_parser(std::vector<Family> families);

// Decodes every sample line with the built-in parsers and these families and lists each
// sample whose fields differ from what it names ("file:line: field: want X, got Y"). Empty:
// every sample yields its fields.
std::vector<std::string> test_families(const std::vector<Family>& families);

}  // namespace wardsec
