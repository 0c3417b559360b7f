// An independent reference implementation of the Guangxi rule catalogue
// (SURVEYS.md: basic_unit, agri_village, pop_change), used as a differential
// test oracle against the engine.
//
// It deliberately shares nothing with the engine's evaluator: every field check
// and every rule is written out by hand, one function per survey, straight from
// the catalogue text. Only the engine's public data types (Envelope, Doc) and the
// exact Decimal type are used.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "gridstat/document.h"
#include "gridstat/validate.h"

namespace gridstat::reference {

// The reference data the catalogue needs, read from the CSV files directly.
struct RefData {
  std::map<std::string, int> division_level;  // code -> level (1..5)
  std::map<std::string, int> industry_level;  // code -> level (1..4)
  std::vector<std::string> villages;          // level-5 division codes, in file order
  std::vector<std::string> upper_divisions;   // level 1..4 division codes
  std::vector<std::string> industry_classes;  // level-4 industry codes
  std::vector<std::string> industry_upper;    // level 1..3 industry codes
};

// A small RFC 4180 reader: quoted fields, doubled quotes, CRLF, newlines inside
// quotes. Returns the rows (header included). Throws std::runtime_error when the
// file cannot be read.
std::vector<std::vector<std::string>> ReadCsv(const std::string& path);

// Loads guangxi_divisions.csv and industry_gbt4754_2017.csv from `data_dir`.
RefData LoadRefData(const std::string& data_dir);

struct Outcome {
  std::set<std::string> rules;         // catalogue rule codes that fire ("BU-E01")
  std::set<std::string> field_errors;  // paths with a field-level error ("persons[2].sex")
};

// `previous`: the accepted submission of the same record key in the previous
// period (agri_village only), or null.
Outcome Check(const gridstat::Envelope& env, const gridstat::Envelope* previous, const RefData& data);

// Check characters, written from the standards' text (exposed for a self-test).
bool Gb32100Valid(const std::string& code);
bool Gb11643Valid(const std::string& id);
// The GB 32100 check character for a 17-character body (0 when a character is
// outside the code set); the GB 11643 check character for a 17-digit body.
char Gb32100CheckChar(const std::string& body17);
char Gb11643CheckChar(const std::string& body17);

// JSON rendering, for mismatch reports.
std::string DocToJson(const gridstat::Doc& doc);
std::string EnvelopeToJson(const gridstat::Envelope& env);

}  // namespace gridstat::reference
