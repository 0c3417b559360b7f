// A decoded input document (from JSON or YAML) before it meets a survey.
// Numbers keep their exact source text: nothing is ever turned into a double.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace gridstat {

struct Doc {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  bool boolean = false;
  std::string text;  // a string's value, or a number's source text
  std::vector<Doc> items;
  std::vector<std::pair<std::string, Doc>> members;  // in source order; duplicates kept
  int line = 0;      // 1-based line where the value starts, when known

  const Doc* Find(const std::string& key) const {
    for (const auto& m : members)
      if (m.first == key) return &m.second;
    return nullptr;
  }
};

}  // namespace gridstat
