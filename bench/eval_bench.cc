// Rule evaluation on already-decoded records: gridstat's interpreter against the
// hand-written C++ implementation of the same catalogue (tests/reference), both
// from decoded envelopes to (rule, fields) results without messages. Their results
// must agree on every record before any time is compared.
//
//   gridstat_eval_bench FILE.jsonl [PREVIOUS.jsonl] -> one JSON line
#include <chrono>
#include <cstdio>
#include <iostream>
#include <algorithm>
#include <map>
#include <set>

#include "gridstat/engine.h"
#include "gridstat/validate.h"
#include "tests/reference/catalogue.h"

using namespace gridstat;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  if (argc < 2) { std::cerr << "usage: gridstat_eval_bench FILE [PREVIOUS] [RUNS]\n"; return 2; }
  std::string src = GRIDSTAT_SOURCE_DIR;
  auto compiled = CompileDirectory(src + "/definitions/guangxi");
  if (!compiled.program) return 2;
  auto ref = reference::LoadRefData(src + "/definitions/guangxi/data");
  std::vector<Envelope> envs;
  ReadSubmissions(argv[1], [&](Envelope e) { envs.push_back(std::move(e)); }, [](Report) {});
  PreviousSet previous(compiled.program);
  std::vector<Envelope> prev_list;
  if (argc > 2 && std::string(argv[2]) != "-")
    ReadSubmissions(argv[2], [&](Envelope e) { prev_list.push_back(e); previous.Add(std::move(e)); }, [](Report) {});
  int runs = argc > 3 ? std::atoi(argv[3]) : 5;
  Validator v(compiled.program);
  v.set_messages(false);
  // Previous-period look-ups for the baseline, as the engine does them.
  std::map<std::string, const Envelope*> prev_by_key;
  for (auto& p : prev_list) prev_by_key[p.division + "|" + p.period] = &p;
  auto prev_of = [&](const Envelope& e) -> const Envelope* {
    if (e.survey != "agri_village" || e.period.size() != 4) return nullptr;
    auto it = prev_by_key.find(e.division + "|" + std::to_string(std::stoi(e.period) - 1));
    return it == prev_by_key.end() ? nullptr : it->second;
  };
  // Agreement first.
  size_t mismatches = 0, failing = 0;
  for (auto& e : envs) {
    Report r = v.Validate(e, &previous);
    std::set<std::string> rules, fields;
    for (auto& f : r.findings) {
      if (f.rule.find('-') != std::string::npos) rules.insert(f.rule);
      else fields.insert(f.fields.begin(), f.fields.end());
    }
    auto o = reference::Check(e, prev_of(e), ref);
    if (rules != o.rules || fields != o.field_errors) ++mismatches;
    failing += !r.findings.empty();
  }
  auto time_it = [&](auto&& fn) {
    std::vector<double> t;
    for (int k = 0; k < runs; ++k) {
      auto a = Clock::now();
      fn();
      t.push_back(std::chrono::duration<double>(Clock::now() - a).count());
    }
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
  };
  size_t sink = 0;
  double engine = time_it([&] { for (auto& e : envs) sink += v.Validate(e, &previous).findings.size(); });
  double baseline = time_it([&] { for (auto& e : envs) sink += reference::Check(e, prev_of(e), ref).rules.size(); });
  std::printf("{\"records\":%zu,\"failing\":%zu,\"mismatches\":%zu,\"engine_s\":%.6f,\"handwritten_s\":%.6f,\"ratio\":%.3f,\"sink\":%zu}\n",
              envs.size(), failing, mismatches, engine, baseline, engine / baseline, sink % 2);
  return mismatches == 0 ? 0 : 1;
}
