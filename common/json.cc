#include "common/json.h"

#include <algorithm>
#include <vector>

#include "common/text.h"

namespace gridstat::json {
namespace {

void Write(const Doc& d, std::string* out) {
  switch (d.kind) {
    case Doc::Kind::kNull: *out += "null"; return;
    case Doc::Kind::kBool: *out += d.boolean ? "true" : "false"; return;
    case Doc::Kind::kNumber: *out += d.text; return;
    case Doc::Kind::kString: AppendJsonString(out, d.text); return;
    case Doc::Kind::kArray:
      *out += '[';
      for (size_t i = 0; i < d.items.size(); ++i) {
        if (i) *out += ',';
        Write(d.items[i], out);
      }
      *out += ']';
      return;
    case Doc::Kind::kObject: {
      std::vector<const std::pair<std::string, Doc>*> ms;
      for (auto& m : d.members) ms.push_back(&m);
      std::stable_sort(ms.begin(), ms.end(), [](auto* a, auto* b) { return a->first < b->first; });
      *out += '{';
      for (size_t i = 0; i < ms.size(); ++i) {
        if (i) *out += ',';
        AppendJsonString(out, ms[i]->first);
        *out += ':';
        Write(ms[i]->second, out);
      }
      *out += '}';
      return;
    }
  }
}

}  // namespace

void Set(Doc* obj, const std::string& key, Doc value) {
  for (auto& m : obj->members)
    if (m.first == key) { m.second = std::move(value); return; }
  obj->members.emplace_back(key, std::move(value));
}

const std::string* GetStr(const Doc& obj, const std::string& key) {
  const Doc* d = obj.Find(key);
  return d && (d->kind == Doc::Kind::kString || d->kind == Doc::Kind::kNumber) ? &d->text : nullptr;
}

int64_t GetInt(const Doc& obj, const std::string& key, int64_t fallback) {
  const Doc* d = obj.Find(key);
  if (!d || d->kind != Doc::Kind::kNumber) return fallback;
  try {
    return std::stoll(d->text);
  } catch (...) {
    return fallback;
  }
}

std::string Canonical(const Doc& d) {
  std::string out;
  Write(d, &out);
  return out;
}

}  // namespace gridstat::json
