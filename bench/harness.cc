// make bench: generates the data, measures side by side in one run, writes a
// table to stdout and build/bench/results.json. Every figure is the median of
// several runs; ratios are computed pair by pair within this run.
//
//   gridstat_bench [--quick | --smoke] [--out DIR]
#include <simdjson.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string_view>

#include "common/csv.h"
#include "common/json.h"
#include "common/files.h"
#include "gridstat/engine.h"
#include "gridstat/store.h"
#include "gridstat/validate.h"
#include "bench/bench_data.h"
#include "tests/reference/catalogue.h"
#include "tests/reference/generator.h"

using namespace gridstat;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

const std::string kSrc = GRIDSTAT_SOURCE_DIR;
const std::string kDefs = kSrc + "/definitions/guangxi";
std::string g_bin;  // build/bin

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

template <typename Fn>
double Time(int runs, Fn&& fn) {
  std::vector<double> t;
  for (int i = 0; i < runs; ++i) {
    auto a = Clock::now();
    fn();
    t.push_back(std::chrono::duration<double>(Clock::now() - a).count());
  }
  return Median(t);
}

struct Run {
  double seconds = 0;
  long max_rss_kib = 0;
  int status = 0;
};

// Runs a command with stdout to `out` (or /dev/null), measuring wall time and peak RSS.
Run Exec(const std::vector<std::string>& argv, const std::string& out = "/dev/null") {
  auto a = Clock::now();
  pid_t pid = fork();
  if (pid == 0) {
    FILE* f = std::freopen(out.c_str(), "w", stdout);
    (void)f;
    std::freopen("/dev/null", "w", stderr);
    std::vector<char*> args;
    for (auto& s : argv) args.push_back(const_cast<char*>(s.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  struct rusage ru {};
  wait4(pid, &status, 0, &ru);
  Run r;
  r.seconds = std::chrono::duration<double>(Clock::now() - a).count();
  r.max_rss_kib = ru.ru_maxrss;
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

size_t Generate(const std::string& survey, long count, uint64_t seed, const std::string& path,
                const reference::RefData& ref) {
  if (fs::exists(path)) {
    size_t lines = 0;
    std::ifstream in(path);
    std::string l;
    while (std::getline(in, l)) ++lines;
    if (static_cast<long>(lines) == count) return lines;
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  for (long done = 0, n = 0; done < count; done += 5000, ++n) {
    int k = static_cast<int>(std::min<long>(5000, count - done));
    for (auto& e : reference::Generate(survey, seed * 1000003 + static_cast<uint64_t>(n), k, ref))
      out << reference::EnvelopeToJson(e) << '\n';
  }
  return static_cast<size_t>(count);
}

// The physical limit: simdjson parsing each line and touching every value.
size_t ParseOnly(const std::string& path) {
  simdjson::ondemand::parser parser;
  std::ifstream in(path, std::ios::binary);
  std::string line;
  size_t touched = 0;
  std::function<void(simdjson::ondemand::value)> touch = [&](simdjson::ondemand::value v) {
    switch (v.type()) {
      case simdjson::ondemand::json_type::object:
        for (auto f : v.get_object()) { touched += f.unescaped_key().value().size(); touch(f.value()); }
        break;
      case simdjson::ondemand::json_type::array:
        for (auto x : v.get_array()) touch(x.value());
        break;
      case simdjson::ondemand::json_type::string: touched += v.get_string().value().size(); break;
      case simdjson::ondemand::json_type::number: touched += v.raw_json_token().size(); break;
      case simdjson::ondemand::json_type::boolean: touched += v.get_bool().value(); break;
      default: break;
    }
  };
  while (std::getline(in, line)) {
    simdjson::padded_string p(line);
    auto doc = parser.iterate(p);
    touch(doc.get_value().value());
  }
  return touched;
}

// Report lines -> failing records (status error or warning).
size_t Failing(const std::string& report) {
  std::ifstream in(report);
  std::string l;
  size_t n = 0;
  while (std::getline(in, l)) n += l.find("\"status\":\"pass\"") == std::string::npos;
  return n;
}

std::string GenerateRules(int n) {
  std::string s = "survey big \"生成的大定义\" {\n  period year\n  key division\n";
  for (int i = 0; i < 50; ++i) s += "  field f" + std::to_string(i) + " \"字段" + std::to_string(i) + "\" decimal(2)\n";
  s += "}\nrules for big {\n";
  for (int i = 0; i < n; ++i) {
    int a = i % 50, b = (i * 7 + 3) % 50, c = (i * 13 + 5) % 50;
    s += "  " + std::string(i % 3 ? "warning" : "error") + " GEN-" + std::to_string(i) + " \"第" + std::to_string(i) +
         "条: {f" + std::to_string(a) + "} 与 {f" + std::to_string(b) + " + f" + std::to_string(c) + "}\"\n    when f" +
         std::to_string(a) + " > 0:\n    f" + std::to_string(a) + " <= (f" + std::to_string(b) + " + f" + std::to_string(c) +
         ") * " + std::to_string(i % 5 + 1) + " and f" + std::to_string(c) + " between 0 and 1000000\n";
  }
  return s + "}\n";
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = "full", out_dir = "build/bench";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--quick") mode = "quick";
    else if (a == "--smoke") mode = "smoke";
    else if (a == "--out" && i + 1 < argc) out_dir = argv[++i];
  }
  g_bin = fs::canonical("/proc/self/exe").parent_path().string();
  std::string G = g_bin + "/gridstat";
  fs::create_directories(out_dir + "/data");
  long n_bu = mode == "full" ? 1000000 : mode == "quick" ? 100000 : 1000;
  long n_agri = mode == "smoke" ? 1000 : 16681;
  long n_pop = mode == "full" ? 200000 : mode == "quick" ? 20000 : 1000;
  int runs = mode == "full" ? 5 : 3;
  auto ref = reference::LoadRefData(kDefs + "/data");
  std::string bu = out_dir + "/data/basic_unit.jsonl", ag = out_dir + "/data/agri_village.jsonl",
              pop = out_dir + "/data/pop_change.jsonl";
  std::cerr << "generating data (" << mode << ")...\n";
  {
    auto codes = bench::LoadBenchCodes(kDefs + "/data");
    std::ofstream out(bu, std::ios::binary | std::ios::trunc);
    std::string block;
    for (long i = 0; i < n_bu; ++i) {
      block += bench::BasicUnitRecord(codes, 1, i);
      block += '\n';
      if (block.size() > (1u << 20)) { out << block; block.clear(); }
    }
    out << block;
  }
  Generate("agri_village", n_agri, 2, ag, ref);
  Generate("pop_change", n_pop, 3, pop, ref);

  Doc results = json::Obj({{"mode", json::Str(mode)}});
  auto num = [](double v) { Doc d; d.kind = Doc::Kind::kNumber; char b[64]; std::snprintf(b, sizeof b, "%.4g", v); d.text = b; return d; };
  std::vector<std::pair<std::string, std::string>> table;
  auto row = [&](const std::string& k, const std::string& v) { table.emplace_back(k, v); };

  // 1. Rule evaluation against the hand-written catalogue.
  Doc eval = json::Obj();
  for (auto& [survey, file] : std::vector<std::pair<std::string, std::string>>{{"basic_unit", bu}, {"agri_village", ag}, {"pop_change", pop}}) {
    std::string o = out_dir + "/eval-" + survey + ".json";
    Run r = Exec({g_bin + "/gridstat_eval_bench", file, "-", std::to_string(runs)}, o);
    std::ifstream in(o);
    std::string line;
    std::getline(in, line);
    auto d = ParseJsonDocument(line);
    if (r.status != 0 || !d.ok()) { std::cerr << "eval bench failed for " << survey << " (results differ from the baseline?)\n"; return 1; }
    double ratio = std::stod(d->Find("ratio")->text);
    json::Set(&eval, survey, num(ratio));
    row("eval_vs_handwritten." + survey, d->Find("ratio")->text + "  (target <= 1.5)");
  }
  json::Set(&results, "eval_vs_handwritten", eval);

  // 2. Validating a file of records into report lines, through the library's batch path
  // (ValidateFiles, which `gridstat validate --format json` runs), on one thread and on two;
  // and the parse-only limit. Peak memory is that of `gridstat validate --format json`, whose
  // output must be the library's, byte for byte, as the two-thread output must be.
  std::vector<double> t1, t2;
  std::string rep1 = out_dir + "/report-1.jsonl", rep2 = out_dir + "/report-2.jsonl", rep_cli = out_dir + "/report-cli.jsonl";
  Validator batch_validator(CompileDirectory(kDefs).program);
  auto validate_file = [&](int threads, const std::string& out) {
    std::FILE* f = std::fopen(out.c_str(), "wb");
    if (!f) { std::cerr << "cannot write " << out << "\n"; std::exit(1); }
    BatchOptions options;
    options.threads = threads;
    options.keep_reports = false;  // as the command: the lines are written, the reports dropped
    options.render = [](const Report& r, std::string* text) {
      *text += ReportToJson(r);
      *text += '\n';
    };
    auto a = Clock::now();
    Status st = ValidateFiles(batch_validator, {bu}, options,
                              [&](const Report&, std::string_view line) { std::fwrite(line.data(), 1, line.size(), f); });
    std::fclose(f);
    if (!st.ok()) { std::cerr << st.message() << "\n"; std::exit(1); }
    return std::chrono::duration<double>(Clock::now() - a).count();
  };
  for (int i = 0; i < runs; ++i) {
    t1.push_back(validate_file(1, rep1));
    t2.push_back(validate_file(2, rep2));
  }
  long rss = Exec({G, "validate", "--defs", kDefs, "--format", "json", bu}, rep_cli).max_rss_kib;
  double rate1 = n_bu / Median(t1), rate2 = n_bu / Median(t2);
  bool same_order = [&] {
    std::string out1 = gridstat::ReadFile(rep1, size_t{1} << 34).value();
    return out1 == gridstat::ReadFile(rep2, size_t{1} << 34).value() && out1 == gridstat::ReadFile(rep_cli, size_t{1} << 34).value();
  }();
  size_t failing = Failing(rep1);
  double parse = Time(runs, [&] { ParseOnly(bu); });
  double parse_rate = n_bu / parse;
  json::Set(&results, "validate_records_per_s", num(rate1));
  json::Set(&results, "validate_vs_parse_only", num(rate1 / parse_rate));
  json::Set(&results, "jobs2_speedup", num(rate2 / rate1));
  json::Set(&results, "jobs2_same_output", json::Bool(same_order));
  json::Set(&results, "stream_peak_rss_mib", num(rss / 1024.0));
  json::Set(&results, "basic_unit_failing_records", json::Int(static_cast<int64_t>(failing)));
  row("validate (1 thread)", std::to_string(static_cast<long>(rate1)) + " records/s, " + std::to_string(failing) + " of " + std::to_string(n_bu) + " failing");
  row("parse only (simdjson)", std::to_string(static_cast<long>(parse_rate)) + " records/s");
  row("validate_vs_parse_only", std::to_string(rate1 / parse_rate) + "  (target >= 0.33)");
  row("jobs2_speedup", std::to_string(rate2 / rate1) + (same_order ? "  (same output, and the CLI's)" : "  (OUTPUT DIFFERS)") + "  (target >= 1.7)");
  row("stream_peak_rss_mib", std::to_string(rss / 1024.0) + "  (target < 64)");

  // 3. Compilation.
  double compile_shipped = Time(runs, [&] { CompileDirectory(kDefs); }) * 1000;
  std::string big = GenerateRules(10000);
  double compile_big = Time(std::max(1, runs - 2), [&] { auto r = CompileSources({{"big.gs", big}}, kDefs); if (!r.program) std::abort(); }) * 1000;
  json::Set(&results, "compile_shipped_ms", num(compile_shipped));
  json::Set(&results, "compile_10k_rules_ms", num(compile_big));
  row("compile_shipped_ms", std::to_string(compile_shipped) + "  (target < 100)");
  row("compile_10k_rules_ms", std::to_string(compile_big) + "  (target < 2000)");

  // 4. Durable workflow steps against raw SQLite commits in the same mode.
  int steps = mode == "full" ? 400 : mode == "quick" ? 200 : 40;
  std::string db = out_dir + "/bench.db";
  for (auto ext : {"", "-wal", "-shm"}) fs::remove(db + ext);
  // An organisation with a coordinator for every village of 南宁市 and a statistician
  // for every township, so that each step is a real submit or approve.
  auto csv = gridstat::ParseCsv(gridstat::ReadFile(kDefs + "/data/guangxi_divisions.csv", 64u << 20).value()).value();
  std::string org = "users:\n  - {id: region, name: r, role: region_statistician, division: \"450000000000\"}\n";
  std::vector<std::pair<std::string, std::string>> villages;  // village, township
  for (auto& r : csv.rows) {
    if (r[0].compare(0, 4, "4501") != 0) continue;
    if (r[2] == "4") org += "  - {id: t" + r[0] + ", name: t, role: township_statistician, division: \"" + r[0] + "\"}\n";
    if (r[2] == "5") {
      org += "  - {id: c" + r[0] + ", name: c, role: coordinator, division: \"" + r[0] + "\"}\n";
      villages.emplace_back(r[0], r[3]);
    }
  }
  std::string org_file = out_dir + "/org.yaml";
  std::ofstream(org_file) << org;
  auto store = Store::Create(db, kDefs, org_file);
  if (!store.ok()) { std::cerr << store.status().message() << "\n"; return 1; }
  // Releasing to the whole region writes one event per village (16,681) in one command.
  (*store)->Release("region", "agri_village", "2021", "450000000000", "");
  std::vector<Envelope> ag_envs;
  ReadSubmissions(kSrc + "/examples/workflow/agri-450123100201.json", [&](Envelope e) { ag_envs.push_back(e); }, [](Report) {});
  auto t_steps = Clock::now();
  int done_steps = 0;
  for (size_t i = 0; i < villages.size() && done_steps < steps; ++i) {
    Envelope e = ag_envs[0];
    e.division = villages[i].first;
    e.id = "AG-" + villages[i].first;
    auto r1 = (*store)->Submit("c" + villages[i].first, {e}, "", false, "");
    ActRequest r;
    r.actor = "t" + villages[i].second;
    r.instances = {"agri_report/2021/" + villages[i].first};
    r.action = "approve";
    auto r2 = (*store)->Act(r);
    if (r1[0].outcome != Outcome::kDone || r2[0].outcome != Outcome::kDone) { std::cerr << "bench step refused: " << r1[0].message << r2[0].message << "\n"; return 1; }
    done_steps += 2;
  }
  double durable_rate = done_steps / std::chrono::duration<double>(Clock::now() - t_steps).count();
  sqlite3* raw = nullptr;
  std::string rawdb = out_dir + "/raw.db";
  for (auto ext : {"", "-wal", "-shm"}) fs::remove(rawdb + ext);
  sqlite3_open(rawdb.c_str(), &raw);
  sqlite3_exec(raw, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE t(seq INTEGER PRIMARY KEY, body TEXT, h TEXT)", nullptr, nullptr, nullptr);
  std::string body(600, 'x');
  auto t_raw = Clock::now();
  for (int i = 0; i < steps; ++i) {
    sqlite3_exec(raw, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    sqlite3_stmt* st;
    sqlite3_prepare_v2(raw, "INSERT INTO t(body, h) VALUES(?, ?)", -1, &st, nullptr);
    sqlite3_bind_text(st, 1, body.c_str(), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", -1, SQLITE_STATIC);
    sqlite3_step(st);
    sqlite3_finalize(st);
    sqlite3_exec(raw, "COMMIT", nullptr, nullptr, nullptr);
  }
  double raw_rate = steps / std::chrono::duration<double>(Clock::now() - t_raw).count();
  sqlite3_close(raw);
  json::Set(&results, "durable_vs_sqlite", num(durable_rate / raw_rate));
  row("durable_vs_sqlite", std::to_string(durable_rate / raw_rate) + "  (" + std::to_string(static_cast<long>(durable_rate)) + " vs " +
                               std::to_string(static_cast<long>(raw_rate)) + " commits/s; target >= 0.5)");

  // 5. Audit verification (on a log grown by two bulk commands over every instance:
  // refused attempts are events too) and re-validation.
  {
    Query all;
    auto insts = (*store)->List(all);
    ActRequest bulk;
    bulk.actor = "region";
    bulk.action = "approve";
    for (auto& d : *insts) bulk.instances.push_back(*json::GetStr(d, "id"));
    (*store)->Act(bulk);
    bulk.action = "archive";
    (*store)->Act(bulk);
  }
  VerifyResult vr;
  double verify_s = Time(runs, [&] { vr = (*store)->Verify(); });
  json::Set(&results, "verify_events_per_s", num(vr.events / verify_s));
  row("verify_events_per_s", std::to_string(static_cast<long>(vr.events / verify_s)) + (vr.ok ? "" : " (VERIFY FAILED)") + "  (target >= 100000)");
  std::vector<Envelope> envs;
  ReadSubmissions(bu, [&](Envelope e) { if (envs.size() < 50000) envs.push_back(std::move(e)); }, [](Report) {});
  auto compiled = CompileDirectory(kDefs);
  Validator v(compiled.program);
  double reval = Time(runs, [&] { for (auto& e : envs) ReportToJson(v.Validate(e)); });
  json::Set(&results, "revalidate_per_s", num(envs.size() / reval));
  row("revalidate_per_s", std::to_string(static_cast<long>(envs.size() / reval)) + "  (target >= 30000)");

  // 6. The peers, installed with npm into the build tree. Each reads the same file and
  // reports its count of failing records, which must equal gridstat's for the same
  // checks before any rate is compared.
  std::vector<char> field_fail, rule_fail;  // per record of the basic_unit report
  {
    std::ifstream in(rep1);
    std::string l;
    while (std::getline(in, l)) {
      bool f = false, r = false;
      size_t pos = 0;
      while ((pos = l.find("\"rule\":\"", pos)) != std::string::npos) {
        pos += 8;
        std::string code = l.substr(pos, l.find('"', pos) - pos);
        if (code.find('-') == std::string::npos) f = true;
        for (auto& c : bench::PeerRuleCodes()) r |= c == code;
      }
      field_fail.push_back(f);
      rule_fail.push_back(r);
    }
  }
  std::string peers = out_dir + "/peers";
  fs::create_directories(peers);
  for (auto& f : {"package.json", "lines.js", "rules.js", "ajv.js", "json_logic.js", "rules_engine.js"})
    fs::copy_file(kSrc + "/bench/peers/" + f, peers + "/" + f, fs::copy_options::overwrite_existing);
  bool have_peers = fs::exists(peers + "/node_modules/ajv") ||
                    std::system(("cd '" + peers + "' && npm install --no-audit --no-fund --silent >/dev/null 2>&1").c_str()) == 0;
  std::string node = fs::exists("/usr/bin/node") ? "/usr/bin/node" : "/usr/local/bin/node";
  bool peers_ok = true;
  auto peer = [&](const std::string& script, const std::string& key, const std::vector<char>& flags) {
    if (!have_peers) { json::Set(&results, key, json::Null()); row(key, "not measured (npm install failed)"); return; }
    auto run_peer = [&](long limit) -> Doc {
      std::vector<double> secs;
      Doc last;
      for (int i = 0; i < runs; ++i) {
        std::string o = out_dir + "/peer.json";
        Exec({node, peers + "/" + script, bu, std::to_string(limit)}, o);
        std::ifstream in(o);
        std::string l;
        std::getline(in, l);
        auto d = ParseJsonDocument(l);
        if (!d.ok()) return Doc();
        secs.push_back(std::stod(d->Find("seconds")->text));
        last = *d;
      }
      json::Set(&last, "seconds", num(Median(secs)));
      return last;
    };
    // A peer slower than 50,000 records a second runs on the first 100,000 records only.
    Doc d = run_peer(std::min<long>(n_bu, 100000));
    if (d.kind != Doc::Kind::kObject) { peers_ok = false; row(key, "FAILED to run " + script); return; }
    double rate = json::GetInt(d, "records") / std::stod(d.Find("seconds")->text);
    if (rate >= 50000 && n_bu > 100000) {
      d = run_peer(n_bu);
      rate = json::GetInt(d, "records") / std::stod(d.Find("seconds")->text);
    }
    long records = json::GetInt(d, "records");
    long want = 0;
    for (long i = 0; i < records && i < static_cast<long>(flags.size()); ++i) want += flags[i];
    long got = json::GetInt(d, "failing");
    if (got != want) {
      peers_ok = false;
      row(key, "COUNT MISMATCH: " + script + " found " + std::to_string(got) + " failing records, gridstat " + std::to_string(want));
      json::Set(&results, key, json::Null());
      return;
    }
    json::Set(&results, key, num(rate1 / rate));
    row(key, std::to_string(rate1 / rate) + "  (" + std::to_string(static_cast<long>(rate)) + " records/s on " + std::to_string(records) +
                 ", " + std::to_string(got) + " failing, same as gridstat)");
  };
  peer("ajv.js", "validate_vs_ajv", field_fail);
  peer("rules_engine.js", "validate_vs_json_rules_engine", rule_fail);
  peer("json_logic.js", "validate_vs_json_logic", rule_fail);

  std::ofstream(out_dir + "/results.json") << json::Canonical(results) << "\n";
  std::cout << "gridstat benchmark (" << mode << ": " << n_bu << " basic_unit, " << n_agri << " agri_village, " << n_pop
            << " pop_change; median of " << runs << ")\n";
  for (auto& [k, v] : table) std::printf("  %-34s %s\n", k.c_str(), v.c_str());
  std::cout << "results: " << out_dir << "/results.json\n";
  return peers_ok ? 0 : 1;
}
