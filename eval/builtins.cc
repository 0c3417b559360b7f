#include "eval/builtins.h"

#include <cstdio>

#include "common/calendar.h"

namespace gridstat {

bool Gb32100Valid(std::string_view code) {
  static const char kChars[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  if (code.size() != 18) return false;
  auto value = [](char c) -> int {
    for (int i = 0; i < 31; ++i)
      if (kChars[i] == c) return i;
    return -1;
  };
  int sum = 0, w = 1;
  for (int i = 0; i < 17; ++i) {
    int v = value(code[i]);
    if (v < 0) return false;
    sum += v * w;
    w = (w * 3) % 31;
  }
  int check = 31 - sum % 31;
  if (check == 31) check = 0;
  return value(code[17]) == check;
}

bool Gb11643Valid(std::string_view id) {
  if (id.size() != 18) return false;
  for (int i = 0; i < 17; ++i)
    if (id[i] < '0' || id[i] > '9') return false;
  auto num = [&](int at, int n) {
    int v = 0;
    for (int i = at; i < at + n; ++i) v = v * 10 + (id[i] - '0');
    return v;
  };
  if (!ValidDate(num(6, 4), num(10, 2), num(12, 2))) return false;
  static const int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  static const char kCheck[] = "10X98765432";
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (id[i] - '0') * kWeights[i];
  return id[17] == kCheck[sum % 11];
}

}  // namespace gridstat
