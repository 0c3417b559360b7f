// Building and writing JSON documents (gridstat::Doc) in a canonical form:
// object members sorted by key (stable for duplicates), no whitespace, strings
// escaped as in RFC 8259 with non-ASCII UTF-8 kept as is, numbers as their source text.
// The event log, the store and the audit export rely on this form: see doc/audit.md.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>

#include "gridstat/document.h"

namespace gridstat::json {

inline Doc Null() { return Doc(); }
inline Doc Str(std::string s) { Doc d; d.kind = Doc::Kind::kString; d.text = std::move(s); return d; }
inline Doc Int(int64_t v) { Doc d; d.kind = Doc::Kind::kNumber; d.text = std::to_string(v); return d; }
inline Doc Bool(bool v) { Doc d; d.kind = Doc::Kind::kBool; d.boolean = v; return d; }
inline Doc Obj(std::initializer_list<std::pair<std::string, Doc>> members = {}) {
  Doc d;
  d.kind = Doc::Kind::kObject;
  for (auto& m : members) d.members.push_back(m);
  return d;
}
inline Doc Arr() { Doc d; d.kind = Doc::Kind::kArray; return d; }
inline Doc OptStr(const std::string& s) { return s.empty() ? Null() : Str(s); }

// Sets (replacing) or adds a member of an object.
void Set(Doc* obj, const std::string& key, Doc value);
const std::string* GetStr(const Doc& obj, const std::string& key);
int64_t GetInt(const Doc& obj, const std::string& key, int64_t fallback = 0);

std::string Canonical(const Doc& d);

}  // namespace gridstat::json
