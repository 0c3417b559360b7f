// gridstat: a thin command line over the public API in include/gridstat/.
// Data goes to stdout, diagnostics to stderr; exit codes are documented in README.md.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <streambuf>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <iostream>

#include "gridstat/diagnostic.h"
#include "gridstat/engine.h"
#include "gridstat/rule_tests.h"
#include "gridstat/store.h"
#include "common/json.h"
#include "common/text.h"
#include "gridstat/validate.h"
#include "gridstat/version.h"

namespace {

using namespace gridstat;

constexpr int kExitOk = 0, kExitFindings = 1, kExitCannotRun = 2;

// Help and usage messages follow --lang, Chinese by default: Run() looks for `--lang en`
// before it builds the command line.
bool g_help_en = false;
const char* H(const char* zh, const char* en) { return g_help_en ? en : zh; }

struct Common {
  std::string lang = "zh";
  std::string format = "text";
  Lang L() const { return lang == "en" ? Lang::kEn : Lang::kZh; }
  bool json() const { return format == "json"; }
};

void AddCommon(CLI::App* cmd, Common* c) {
  cmd->add_option("--lang", c->lang, H("消息语言:zh(默认)或 en", "message language: zh (default) or en"))->check(CLI::IsMember({"zh", "en"}));
  cmd->add_option("--format", c->format, H("输出格式:text(默认)或 json(export 为 csv)", "output format: text (default) or json (export: csv)"))
      ->check(CLI::IsMember({"text", "json", "csv"}));
}

void PrintDiagnostics(const std::vector<Diagnostic>& diags, const Common& c) {
  for (const auto& d : diags) {
    if (c.json()) std::cout << RenderDiagnosticJson(d, c.L()) << "\n";
    else std::cerr << RenderDiagnosticText(d, c.L());
  }
  std::cout.flush();
}

// Compiles, printing diagnostics; null when the definitions have errors.
std::shared_ptr<const Program> Compile(const std::string& dir, const Common& c, bool quiet_warnings) {
  auto r = CompileDirectory(dir);
  if (!r.program || !quiet_warnings) PrintDiagnostics(r.diagnostics, c);
  return r.program;
}

int RunCheck(const std::string& dir, const Common& c) {
  auto r = CompileDirectory(dir);
  PrintDiagnostics(r.diagnostics, c);
  if (r.program) return kExitOk;
  return r.cannot_read ? kExitCannotRun : kExitFindings;
}

int RunValidate(const std::string& defs, const std::vector<std::string>& previous_files,
                const std::vector<std::string>& files, int jobs, const Common& c) {
  auto program = Compile(defs, c, true);
  if (!program) return kExitCannotRun;
  bool en = c.L() == Lang::kEn;
  int exit = kExitOk;
  PreviousSet previous(program);
  Validator keys(program);
  int conflicts = 0;
  // Two different records for one survey, key and period: either could be the accepted
  // one, so cross-period rules could not be trusted. The run is refused, naming both.
  auto add_previous = [&](Envelope e) {
    std::string file = e.file, key = keys.RecordKey(e).value_or(""), survey = e.survey, period = e.period;
    int line = e.line;
    const Envelope* held = previous.Add(std::move(e));
    if (!held) return;
    if (++conflicts > 20) return;
    std::string there = EscapeControls(held->file) + ":" + std::to_string(held->line);
    std::string here = EscapeControls(file) + ":" + std::to_string(line);
    std::string what = EscapeControls(survey) + " " + EscapeControls(period) + " " + EscapeControls(key);
    if (en)
      std::cerr << "ambiguous previous-period data: two different records for " << what << ": " << there << " and " << here << "\n";
    else
      std::cerr << "上期数据有歧义: " << what << " 有两份不同的记录: " << there << " 与 " << here << "\n";
  };
  for (const auto& pf : previous_files) {
    // Earlier submissions are taken as accepted, as they stand: not validated.
    Status st = ReadSubmissions(pf, add_previous,
                                [&](Report r) {  // not fatal, but never silent: AG-W04 cannot use it
                                  std::cerr << (en ? "previous-period record skipped: " : "上期记录无法使用,已跳过: ") << EscapeControls(r.file)
                                            << ":" << r.line << " " << (r.findings.empty() ? "" : EscapeControls(r.findings[0].message)) << "\n";
                                }, c.L());
    if (!st.ok()) {
      std::cerr << (en ? "cannot read previous-period file: " : "无法读取上期数据文件: ") << EscapeControls(pf) << " (" << EscapeControls(st.message()) << ")\n";
      exit = kExitCannotRun;
    }
  }
  if (conflicts > 0) {
    if (conflicts > 20) std::cerr << (en ? "… and " : "……另有 ") << conflicts - 20 << (en ? " more\n" : " 处\n");
    std::cerr << (en ? "nothing was validated: keep one record per survey, key and period in the --previous files\n"
                     : "未执行审核:--previous 文件中每个调查表、记录键和报告期只能有一份记录\n");
    return kExitCannotRun;
  }
  Validator validator(program, c.L());
  size_t counts[3] = {0, 0, 0};
  // Records are split out in order into batches, each batch packed into one buffer;
  // `jobs` worker threads validate batches, and the results are written in input
  // order. Memory is bounded by the batches in flight.
  struct Batch {
    std::string path;
    std::string text;  // the records' JSON, back to back
    struct Item {
      size_t offset = 0, size = 0;
      int line = 0;
      int other = -1;  // index into `others` for a record that is not JSON text
    };
    std::vector<Item> items;
    std::vector<RawRecord> others;
  };
  struct Done {
    std::string out;
    size_t counts[3] = {0, 0, 0};
  };
  // Without --previous there is nothing to look up: cross-period rules see no earlier report.
  const PreviousSource* prev = previous_files.empty() ? nullptr : &previous;
  auto run = [&validator, prev, &c](Batch& b) {
    Done d;
    auto emit = [&](const gridstat::Report& r) {
      d.counts[static_cast<int>(r.status)]++;
      d.out += c.json() ? ReportToJson(r) + "\n" : ReportToText(r, c.L());
    };
    auto on_env = [&](Envelope e) { emit(validator.Validate(e, prev)); };
    for (auto& it : b.items) {
      if (it.other >= 0) DecodeRawRecord(b.path, std::move(b.others[it.other]), on_env, emit, c.L());
      else validator.ValidateText(b.path, std::string_view(b.text).substr(it.offset, it.size), b.text.capacity() - it.offset,
                                  it.line, prev, emit);
    }
    return d;
  };
  auto write = [&](const Done& d) {
    std::cout << d.out;
    for (int k = 0; k < 3; ++k) counts[k] += d.counts[k];
  };
  // The pool: a queue of numbered batches, and their results kept until their turn.
  std::mutex mu;
  std::condition_variable cv_work, cv_done;
  std::deque<std::pair<size_t, Batch>> queue;
  std::map<size_t, Done> results;
  bool closing = false;
  size_t next_seq = 0, next_out = 0;
  const size_t window = static_cast<size_t>(jobs) * 4;
  std::vector<std::thread> workers;
  if (jobs > 1)
    for (int t = 0; t < jobs; ++t)
      workers.emplace_back([&] {
        std::unique_lock<std::mutex> lock(mu);
        while (true) {
          cv_work.wait(lock, [&] { return closing || !queue.empty(); });
          if (queue.empty()) return;
          auto job = std::move(queue.front());
          queue.pop_front();
          lock.unlock();
          Done d = run(job.second);
          lock.lock();
          results.emplace(job.first, std::move(d));
          cv_done.notify_all();
        }
      });
  // Writes the results that are next in order; with `wait`, until `until` batches are out.
  auto drain = [&](size_t until) {
    std::unique_lock<std::mutex> lock(mu);
    while (next_out < until) {
      cv_done.wait(lock, [&] { return results.count(next_out) > 0; });
      Done d = std::move(results[next_out]);
      results.erase(next_out++);
      lock.unlock();
      write(d);
      lock.lock();
    }
  };
  const size_t batch_size = 512;
  // Decoded YAML records can be far larger than their text: batches and what is in
  // flight are bounded in bytes as well.
  const size_t batch_bytes = size_t{4} << 20, inflight_bytes = size_t{64} << 20;
  std::deque<std::pair<size_t, size_t>> inflight;  // (batch number, bytes)
  size_t inflight_total = 0, weight = 0;
  for (const auto& f : files) {
    Batch batch{f, {}, {}, {}};
    auto flush = [&]() {
      if (batch.items.empty()) return;
      size_t w = weight + batch.text.size();
      weight = 0;
      batch.text.reserve(batch.text.size() + 64);  // the parser's padding after the last record
      if (jobs <= 1) {
        write(run(batch));
      } else {
        {
          std::lock_guard<std::mutex> lock(mu);
          queue.emplace_back(next_seq++, std::move(batch));
        }
        cv_work.notify_one();
        inflight.emplace_back(next_seq - 1, w);
        inflight_total += w;
        if (next_seq - next_out > window) drain(next_seq - window);
        while (!inflight.empty()) {
          if (inflight.front().first >= next_out) {
            if (inflight.size() == 1 || inflight_total <= inflight_bytes) break;
            drain(inflight.front().first + 1);
          }
          inflight_total -= inflight.front().second;
          inflight.pop_front();
        }
      }
      batch = Batch{f, {}, {}, {}};
    };
    Status st = SplitSubmissionTexts(f,
        [&](std::string_view text, int line) {
          batch.items.push_back({batch.text.size(), text.size(), line, -1});
          batch.text.append(text);
          if (batch.items.size() >= batch_size || batch.text.size() >= batch_bytes) flush();
        },
        [&](RawRecord r) {
          weight += r.weight + r.text.size();
          batch.items.push_back({0, 0, r.line, static_cast<int>(batch.others.size())});
          batch.others.push_back(std::move(r));
          if (batch.items.size() >= batch_size || weight + batch.text.size() >= batch_bytes) flush();
        }, c.L());
    flush();
    if (!st.ok()) {
      drain(next_seq);
      std::cout.flush();
      std::cerr << (en ? "cannot read input file: " : "无法读取输入文件: ") << EscapeControls(f) << " (" << EscapeControls(st.message()) << ")\n";
      exit = kExitCannotRun;
    }
  }
  drain(next_seq);
  {
    std::lock_guard<std::mutex> lock(mu);
    closing = true;
  }
  cv_work.notify_all();
  for (auto& w : workers) w.join();
  if (counts[2] > 0 && exit == kExitOk) exit = kExitFindings;
  std::cout.flush();
  if (!c.json()) {
    size_t total = counts[0] + counts[1] + counts[2];
    if (en)
      std::cerr << total << " submissions: " << counts[0] << " pass, " << counts[1] << " warning, " << counts[2] << " error\n";
    else
      std::cerr << "共 " << total << " 份: 通过 " << counts[0] << ",警告 " << counts[1] << ",错误 " << counts[2] << "\n";
  }
  return exit;
}

int RunTests(const std::string& dir, const Common& c) {
  auto program = Compile(dir, c, true);
  if (!program) return kExitCannotRun;
  auto results = RunRuleTests(dir, program);
  if (!results.ok()) {
    std::cerr << EscapeControls(results.status().message()) << "\n";
    return kExitCannotRun;
  }
  size_t passed = 0, failed = 0;
  bool en = c.L() == Lang::kEn;
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (auto& x : v) s += (s.empty() ? "" : ", ") + EscapeControls(x);
    return s.empty() ? "(none)" : s;
  };
  for (const auto& r : *results) {
    if (r.passed) { ++passed; continue; }
    ++failed;
    std::cerr << EscapeControls(r.file) << ":" << r.line << ": " << (en ? "FAIL " : "未通过 ") << EscapeControls(r.name) << "\n";
    if (!r.problem.empty()) { std::cerr << "  " << EscapeControls(r.problem) << "\n"; continue; }
    std::cerr << (en ? "  expected: " : "  应触发: ") << join(r.expected);
    if (!r.expected_status.empty()) std::cerr << " (" << EscapeControls(r.expected_status) << ")";
    std::cerr << (en ? "\n  actual:   " : "\n  实际触发: ") << join(r.actual) << " (" << EscapeControls(r.actual_status) << ")\n";
  }
  std::cout << passed << " passed, " << failed << " failed\n";
  return failed == 0 ? kExitOk : kExitFindings;
}


// ---- workflow commands --------------------------------------------------------

int OutcomeExit(const std::vector<ActionResult>& results) {
  bool cannot = false, conflict = false, refused = false;
  for (auto& r : results) {
    cannot |= r.outcome == Outcome::kCannotRun;
    conflict |= r.outcome == Outcome::kConflict;
    refused |= r.outcome == Outcome::kRefused;
  }
  return cannot ? 2 : conflict ? 3 : refused ? 1 : 0;
}

const char* OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kDone: return "done";
    case Outcome::kRefused: return "refused";
    case Outcome::kConflict: return "conflict";
    case Outcome::kCannotRun: return "error";
  }
  return "error";
}

// One result as a JSON line (README, "Exit codes and JSON results").
std::string ResultJson(const ActionResult& r) {
  Doc d = json::Obj({{"instance", r.instance.empty() ? json::Null() : json::Str(r.instance)}, {"outcome", json::Str(OutcomeName(r.outcome))},
                     {"code", r.code.empty() ? json::Null() : json::Str(r.code)}, {"message", r.message.empty() ? json::Null() : json::Str(r.message)},
                     {"changed", json::Bool(r.changed)}, {"repeated", json::Bool(r.repeated)}});
  if (r.report) {
    auto report = ParseJsonDocument(ReportToJson(*r.report));
    if (report.ok()) json::Set(&d, "report", *report);
  }
  return json::Canonical(d);
}

// Ids of created or moved instances on stdout; refusals and notes on stderr. With
// --format json: one JSON line per result on stdout, and nothing else.
int PrintResults(const std::vector<ActionResult>& results, const Common& c, bool print_ids) {
  bool en = c.L() == Lang::kEn;
  if (c.json()) {
    for (auto& r : results) std::cout << ResultJson(r) << "\n";
    std::cout.flush();
    return OutcomeExit(results);
  }
  for (auto& r : results) {
    if (r.outcome == Outcome::kDone) {
      if (print_ids && r.changed && !r.instance.empty()) std::cout << EscapeControls(r.instance) << "\n";
      if (!r.message.empty()) std::cerr << EscapeControls(r.message) << "\n";
      continue;
    }
    const char* what = r.outcome == Outcome::kConflict ? (en ? "conflict" : "冲突")
                     : r.outcome == Outcome::kRefused ? (en ? "refused" : "拒绝") : (en ? "error" : "错误");
    std::cerr << what;
    if (!r.instance.empty()) std::cerr << " " << EscapeControls(r.instance);
    std::cerr << " [" << EscapeControls(r.code) << "]: " << EscapeControls(r.message) << (r.repeated ? (en ? " (repeated request)" : "(重复请求)") : "") << "\n";
    if (r.report && !r.report->findings.empty()) std::cerr << ReportToText(*r.report, c.L());
  }
  std::cout.flush();
  return OutcomeExit(results);
}

// The result of audit verify: exit 0 verified, 1 something does not hold, 2 an input (a
// checkpoint, its key, the export) could not be read. The output always says what was proved.
int PrintVerify(const VerifyResult& r, const Common& c) {
  bool en = c.L() == Lang::kEn;
  bool cp = r.ok && r.checkpoints_checked > 0;
  if (c.json()) {
    Doc checkpoint = cp ? json::Obj({{"file", json::Str(r.checkpoint_file)}, {"version", json::Int(r.checkpoint_version)},
                                     {"events", json::Int(r.checkpoint_events)}, {"head", json::Str(r.checkpoint_head)},
                                     {"signed_at", json::OptStr(r.checkpoint_at)}, {"checked", json::Int(r.checkpoints_checked)},
                                     {"key", json::Str(r.checkpoint_key)}})
                        : json::Null();
    std::cout << json::Canonical(json::Obj({{"ok", json::Bool(r.ok)}, {"events", json::Int(r.events)}, {"instances", json::Int(r.instances)},
                                            {"submissions", json::Int(r.submissions)},
                                            {"first_bad_seq", r.ok || r.cannot_run ? json::Null() : json::Int(r.first_bad_seq)},
                                            {"problem", json::OptStr(r.problem)}, {"cannot_run", json::Bool(r.cannot_run)},
                                            {"proved", r.ok ? json::Str(cp ? "checkpoint" : "internal_consistency") : json::Null()},
                                            {"checkpoint", checkpoint}, {"note", json::OptStr(r.note)}}))
              << "\n";
  } else if (r.ok) {
    std::cout << (en ? "ok: " : "通过: ") << r.events << " events, " << r.instances << " instances, " << r.submissions << " submissions\n";
    if (cp) {
      std::string at = r.checkpoint_at.empty() ? (en ? "not signed (a version 1 checkpoint)" : "未签名(第 1 版检查点)") : r.checkpoint_at;
      std::cout << (en ? "checkpoint: " : "检查点: ") << EscapeControls(r.checkpoint_file) << " (v" << r.checkpoint_version << ")"
                << (en ? " signs events 1-" : " 签名覆盖事件 1-") << r.checkpoint_events << (en ? ", head hash " : ",头哈希 ") << r.checkpoint_head
                << (en ? ", signed at " : ",签名时间 ") << at << "\n";
      std::cout << (en ? "proved: the log still extends " : "已证明: 日志仍延续 ") << r.checkpoints_checked
                << (en ? " signed checkpoint(s); key: " : " 个签名检查点;公钥: ") << EscapeControls(r.checkpoint_key) << "\n";
      if (r.checkpoint_events < r.events)
        std::cout << (en ? "events after the checkpoint (" : "检查点之后的事件(") << r.checkpoint_events + 1 << "-" << r.events
                  << (en ? ") are proved internally consistent only\n" : ")只证明了内部一致\n");
    } else {
      if (!r.note.empty()) std::cout << EscapeControls(r.note) << "\n";
      std::cout << (en ? "proved internal consistency only: no checkpoint was checked, so a history rewritten as a whole "
                         "(events re-chained) would pass; use --checkpoint or auto-checkpoint\n"
                       : "只证明了内部一致: 没有检查签名检查点,整体改写并重算哈希链的历史也会通过;请用 --checkpoint 或自动检查点\n");
    }
  } else if (r.cannot_run) {
    std::cerr << (en ? "cannot verify: " : "无法验证: ") << EscapeControls(r.problem) << "\n";
  } else {
    std::cout << (en ? "FAILED at event " : "验证失败,第一个不成立的事件: #") << r.first_bad_seq << ": " << EscapeControls(r.problem) << "\n";
  }
  std::cout.flush();
  return r.ok ? kExitOk : r.cannot_run ? kExitCannotRun : kExitFindings;
}

std::unique_ptr<Store> OpenStore(const std::string& db, const Common& c, bool read_only) {
  auto s = read_only ? Store::OpenReadOnly(db, c.L()) : Store::Open(db, c.L());
  if (!s.ok()) {
    std::cerr << (c.L() == Lang::kEn ? "cannot open store: " : "无法打开数据库: ") << EscapeControls(s.status().message()) << "\n";
    return nullptr;
  }
  return std::move(*s);
}

void PrintDocs(const std::vector<Doc>& docs, const Common& c, const std::function<std::string(const Doc&)>& text) {
  for (auto& d : docs) std::cout << (c.json() ? json::Canonical(d) : text(d)) << "\n";
  std::cout.flush();
}

std::string S(const Doc& d, const char* k) {
  const std::string* v = json::GetStr(d, k);
  return v ? EscapeControls(*v) : std::string("-");
}

// A string member's label when the definitions give one, else the member itself.
std::string Labelled(const Doc& d, const char* label, const char* name) {
  return json::GetStr(d, label) ? S(d, label) : S(d, name);
}

// An event's time in Asia/Shanghai, or as recorded when it is not a time gridstat can read.
std::string LocalAt(const Doc& e) { return Labelled(e, "at_local", "at"); }

// `韦海涛 county-450123(县级统计员)`: the name in force when the event was recorded, the id, the role.
std::string Who(const Doc& e) {
  std::string who = json::GetStr(e, "actor_name") ? S(e, "actor_name") + " " : "";
  return who + S(e, "actor") + "(" + Labelled(e, "role_label", "role") + ")";
}

// A submitted value as a reader sees it: `1 家庭户`, `3000.0 亩`, or `-` when missing.
std::string Cell(const Doc& c, const Doc* unit) {
  const Doc* v = c.Find("value");
  if (!v || v->kind == Doc::Kind::kNull) return "-";
  std::string out = v->kind == Doc::Kind::kString || v->kind == Doc::Kind::kNumber ? EscapeControls(v->text) : EscapeControls(json::Canonical(*v));
  if (json::GetStr(c, "code_label")) out += " " + S(c, "code_label");
  if (unit && unit->kind == Doc::Kind::kString) out += " " + EscapeControls(unit->text);
  return out;
}

std::string ShowText(const Doc& d, Lang lang) {
  bool en = lang == Lang::kEn;
  std::string out = S(d, "id") + "\n";
  auto titled = [&](const char* name, const char* label) {
    return S(d, name) + (json::GetStr(d, label) ? " " + S(d, label) : "");
  };
  out += (en ? "  workflow: " : "  流程: ") + titled("workflow", "workflow_label") + (en ? "  survey: " : "  调查表: ") +
         titled("survey", "survey_label") + (en ? "  period: " : "  报告期: ") + S(d, "period") + "\n";
  out += (en ? "  jurisdiction: " : "  所在区划: ") + S(d, "division") + " " + S(d, "division_name") + (en ? "  state: " : "  状态: ") +
         Labelled(d, "state_label", "state") + (en ? "  version: " : "  版本: ") + S(d, "version") + "\n";
  if (const Doc* sub = d.Find("submission"); sub && sub->kind == Doc::Kind::kObject) {
    out += (en ? "  latest submission: revision " : "  最新报表: 第 ") + S(*sub, "revision") + (en ? ", " : " 版,") + S(*sub, "status") +
           (sub->Find("draft") && sub->Find("draft")->boolean ? (en ? " (draft)" : "(草稿)") : "") + "\n";
    if (const Doc* fs = sub->Find("findings"))
      for (auto& f : fs->items) {
        out += "    " + S(f, "severity") + " " + S(f, "rule") + "  " + S(f, "message") + "\n";
        if (json::GetStr(f, "explanation")) out += (en ? "      explanation: " : "      说明: ") + S(f, "explanation") + "\n";
      }
    const Doc* figures = sub->Find("figures");
    const Doc* rosters = sub->Find("rosters");
    if (figures && figures->kind == Doc::Kind::kArray) {
      out += en ? "  figures:\n" : "  填报数据:\n";
      for (auto& f : figures->items) out += "    " + Labelled(f, "label", "name") + ": " + Cell(f, f.Find("unit")) + "\n";
    }
    if (rosters && rosters->kind == Doc::Kind::kArray)
      for (auto& r : rosters->items) {
        const Doc* cols = r.Find("columns");
        const Doc* rows = r.Find("rows");
        if (!cols || !rows) continue;
        out += "    " + Labelled(r, "label", "name") + (en ? " (" : "(") + std::to_string(rows->items.size()) + (en ? " rows):\n" : " 行):\n");
        std::string head = "      ";
        for (size_t k = 0; k < cols->items.size(); ++k) {
          const Doc& c = cols->items[k];
          head += (k ? " | " : "") + Labelled(c, "label", "name") + (json::GetStr(c, "unit") ? "(" + S(c, "unit") + ")" : "");
        }
        out += head + "\n";
        for (auto& row : rows->items) {
          std::string line = "      ";
          for (size_t k = 0; k < row.items.size(); ++k) line += (k ? " | " : "") + Cell(row.items[k], nullptr);
          out += line + "\n";
        }
      }
  }
  out += en ? "  history:\n" : "  历史:\n";
  if (const Doc* evs = d.Find("events"))
    for (auto& e : evs->items) {
      bool refused = e.Find("refused") && e.Find("refused")->boolean;
      out += "    #" + S(e, "seq") + " " + LocalAt(e) + " " + Who(e) + " " + Labelled(e, "action_label", "action") + " ";
      out += refused ? (en ? "REFUSED: " : "被拒绝: ") + S(e, "message") : Labelled(e, "from_label", "from") + " → " + Labelled(e, "to_label", "to");
      if (json::GetStr(e, "comment")) out += (en ? "  comment: " : "  意见: ") + S(e, "comment");
      out += "\n";
    }
  return out;
}

// Every byte bound for stdout or stderr passes through TerminalSafe, whatever printed it
// (our own output, CLI11's usage errors, an exception's text): text from input can never
// drive the terminal, even where a call site forgot to escape it. Call sites still escape
// the text they embed, so that a line feed in input cannot start a line of its own.
class TerminalSafeBuf : public std::streambuf {
 public:
  explicit TerminalSafeBuf(std::FILE* f) : f_(f) {}
  // Writes what is held back (an incomplete UTF-8 sequence or a CR comes out escaped).
  void Finish() { Emit(true); std::fflush(f_); }

 protected:
  int_type overflow(int_type c) override {
    if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
    pending_.push_back(traits_type::to_char_type(c));
    if (pending_.size() >= kChunk) Emit(false);
    return c;
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    pending_.append(s, static_cast<size_t>(n));
    if (pending_.size() >= kChunk) Emit(false);
    return n;
  }
  int sync() override {
    Emit(false);
    return std::fflush(f_) == 0 ? 0 : -1;
  }

 private:
  static constexpr size_t kChunk = 1 << 16;
  void Emit(bool at_end) {
    std::string out;
    size_t used = AppendTerminalSafe(&out, pending_, at_end);
    pending_.erase(0, used);
    if (!out.empty()) std::fwrite(out.data(), 1, out.size(), f_);
  }
  std::FILE* f_;
  std::string pending_;
};

int Run(int argc, char** argv);

}  // namespace

int main(int argc, char** argv) {
  TerminalSafeBuf out(stdout), err(stderr);
  std::streambuf* old_out = std::cout.rdbuf(&out);
  std::streambuf* old_err = std::cerr.rdbuf(&err);
  int code = Run(argc, argv);
  std::cout.flush();
  out.Finish();
  err.Finish();
  std::cout.rdbuf(old_out);
  std::cerr.rdbuf(old_err);
  return code;
}

namespace {

int Run(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--lang=en" || (a == "--lang" && i + 1 < argc && std::string(argv[i + 1]) == "en")) g_help_en = true;
  }
  CLI::App app{H("gridstat:统计网格调查的定义、审核规则与业务流程", "gridstat: survey definitions, validation rules and workflows for statistical grid work")};
  app.require_subcommand(1);
  // Set before the subcommands exist, which take them over.
  app.option_defaults()->group(H("选项", "Options"));
  app.set_help_flag("-h,--help", H("显示帮助后退出", "Print this help message and exit"));
  if (!g_help_en) {
    auto f = app.get_formatter();
    // Not the column of value types (TEXT, REQUIRED): its alignment counts bytes.
    for (auto [from, to] : {std::pair<const char*, const char*>{"Usage", "用法"}, {"OPTIONS", "选项"}, {"SUBCOMMANDS", "子命令"},
                            {"SUBCOMMAND", "子命令"}, {"POSITIONALS", "位置参数"}, {"Positionals", "位置参数"}, {"Subcommands", "子命令"}})
      f->label(from, to);
  }
  app.set_version_flag("--version", "gridstat " GRIDSTAT_VERSION, H("显示版本后退出", "Display program version information and exit"))
      ->group(H("选项", "Options"));
  // Usage errors quote the arguments: escaped, so that a line feed in one cannot fake a line.
  app.failure_message([](const CLI::App* a, const CLI::Error& e) {
    std::string msg = EscapeControls(e.what()) + "\n";
    if (a->get_help_ptr() != nullptr)
      msg += std::string(H("用 ", "Run with ")) + a->get_help_ptr()->get_name() + H(" 查看帮助。\n", " for more information.\n");
    return msg;
  });
  Common common;

  std::string check_dir;
  auto* check = app.add_subcommand("check", H("编译定义并报告问题", "compile definitions and report problems"));
  check->add_option("DIR", check_dir, H("定义目录", "definitions directory"))->required();
  AddCommon(check, &common);

  std::string defs;
  std::vector<std::string> previous, inputs;
  auto* validate = app.add_subcommand("validate", H("审核报表(JSON、JSON Lines 或 YAML)", "validate submissions (JSON, JSON Lines or YAML)"));
  validate->add_option("--defs", defs, H("定义目录", "definitions directory"))->required();
  validate->add_option("--previous", previous, H("上期报表,视为已验收(可写多次)", "earlier periods' submissions, taken as accepted (repeatable)"))
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  validate->add_option("FILE", inputs, H("报表文件(- 表示标准输入)", "submission files"))->required();
  int jobs = 1;
  validate->add_option("--jobs", jobs, H("审核用的线程数(输出仍按输入顺序)", "threads to validate with (output keeps the input order)"))->check(CLI::Range(1, 64));
  AddCommon(validate, &common);

  std::string test_dir;
  auto* test = app.add_subcommand("test", H("运行定义目录中的规则测试", "run the rule tests stored beside the definitions"));
  test->add_option("DIR", test_dir, H("定义目录", "definitions directory"))->required();
  AddCommon(test, &common);

  // ---- workflow commands ----
  std::string db, as, survey, period, under, org_file, workflow_name, comment, to, request_id, state, key_file, out, pubkey,
      checkpoint, checkpoint_dir, export_dir, uscc;
  std::optional<std::string> as_opt;
  std::vector<std::string> files, instances;
  bool draft = false;
  int64_t if_version = -1;
  int level = 0;
  std::string as_of;
  auto add_db = [&](CLI::App* cmd) { cmd->add_option("--db", db, H("存储文件", "store file"))->required(); AddCommon(cmd, &common); };
  auto* init = app.add_subcommand("init", H("建立存储", "create a store"));
  add_db(init);
  init->add_option("--defs", defs, H("定义目录", "definitions directory"))->required();
  init->add_option("--org", org_file, H("组织机构文件(YAML)", "organisation file (YAML)"))->required();
  auto* release = app.add_subcommand("release", H("向某区划下的每个村下发调查表", "release a survey to every village under a division"));
  add_db(release);
  release->add_option("--as", as, H("用户", "user"))->required();
  release->add_option("--survey", survey, H("调查表", "survey"))->required();
  release->add_option("--period", period, H("报告期", "period"))->required();
  release->add_option("--under", under, H("区划代码(只看其下)", "division code (only what lies under it)"))->required();
  release->add_option("--request-id", request_id, H("请求号:重复提交同一请求不会重复执行", "request id: the same request again has no second effect"));
  auto* import = app.add_subcommand("import", H("导入任务台账(JSON Lines)", "import task-ledger rows (JSON Lines)"));
  add_db(import);
  import->add_option("--as", as, H("用户", "user"))->required();
  import->add_option("--workflow", workflow_name, H("业务流程", "workflow"))->required();
  import->add_option("--period", period, H("报告期", "period"))->required();
  import->add_option("FILE", files, H("文件(- 表示标准输入)", "file (- for standard input)"))->required();
  auto* submit = app.add_subcommand("submit", H("审核、存储并上报报表(--draft 时只保存)", "validate, store and submit (or with --draft, save) submissions"));
  add_db(submit);
  submit->add_option("--as", as, H("用户", "user"))->required();
  submit->add_option("--instance", to, H("直接指定实例", "the instance, named outright"));
  submit->add_flag("--draft", draft, H("只保存草稿,不改变状态", "save a draft; no state changes"));
  submit->add_option("--request-id", request_id, H("请求号:重复提交同一请求不会重复执行", "request id: the same request again has no second effect"));
  submit->add_option("FILE", files, H("文件(- 表示标准输入)", "file (- for standard input)"))->required();
  auto* act = app.add_subcommand("act", H("对一个或多个实例执行动作", "take an action on one or more instances"));
  add_db(act);
  act->add_option("--as", as, H("用户", "user"))->required();
  act->add_option("ARGS", instances, H("实例... 动作", "INSTANCE... ACTION"))->required();
  act->add_option("--comment", comment, H("意见", "comment"));
  act->add_option("--to", under, H("目标区划", "target division"));
  act->add_option("--request-id", request_id, H("请求号:重复提交同一请求不会重复执行", "request id: the same request again has no second effect"));
  act->add_option("--if-version", if_version, H("仅当实例仍是这一版时才执行(非负整数)", "act only if the instance is at this version (0 or more)"))->check(CLI::Validator(
      [](std::string& v) {
        bool digits = !v.empty() && v.size() <= 18 && v.find_first_not_of("0123456789") == std::string::npos;
        return digits ? std::string() : std::string("a version is a whole number, 0 or more (版本号应为非负整数)");
      },
      "VERSION"));
  auto* inbox = app.add_subcommand("inbox", H("等待该用户处理的实例", "what awaits this user's action"));
  add_db(inbox);
  inbox->add_option("--as", as, H("用户", "user"))->required();
  auto* show = app.add_subcommand("show", H("一个实例:数据、审核结果和全部经过", "an instance, its findings and its whole history"));
  add_db(show);
  show->add_option("INSTANCE", workflow_name, H("实例", "instance"))->required();
  show->add_option("--as", as_opt, H("只列出该用户可见的", "limit to what this user may see"));
  auto* list = app.add_subcommand("list", H("列出实例", "instances"));
  add_db(list);
  list->add_option("--survey", survey, H("调查表", "survey"));
  list->add_option("--period", period, H("报告期", "period"));
  list->add_option("--state", state, H("状态", "state"));
  list->add_option("--under", under, H("区划代码(只看其下)", "division code (only what lies under it)"));
  list->add_option("--as", as_opt, H("只列出该用户可见的", "limit to what this user may see"));
  auto* progress = app.add_subcommand("progress", H("按状态和辖区统计进度,列出逾期", "counts per state and jurisdiction, and the overdue"));
  add_db(progress);
  progress->add_option("--survey", survey, H("调查表", "survey"))->required();
  progress->add_option("--period", period, H("报告期", "period"))->required();
  progress->add_option("--under", under, H("区划代码(只看其下)", "division code (only what lies under it)"));
  progress->add_option("--by", level, H("按哪一级区划汇总(1–5)", "division level to group by (1-5)"));
  progress->add_option("--as-of", as_of, H("YYYY-MM-DD(北京时间)", "YYYY-MM-DD (Asia/Shanghai)"));
  progress->add_option("--as", as_opt, H("只列出该用户可见的", "limit to what this user may see"));
  auto* exportc = app.add_subcommand("export", H("导出已验收的数据(CSV,中文列名)", "accepted figures as CSV with Chinese labels"));
  add_db(exportc);
  exportc->add_option("--survey", survey, H("调查表", "survey"))->required();
  exportc->add_option("--period", period, H("报告期", "period"))->required();
  exportc->add_option("--under", under, H("区划代码(只看其下)", "division code (only what lies under it)"));
  exportc->add_option("--as", as_opt, H("只列出该用户可见的", "limit to what this user may see"));
  bool unmasked = false;
  exportc->add_flag("--unmasked", unmasked, H("身份证号码完整导出(须最上级用户 --as;记入日志)", "ID numbers in full (a top-tier user, --as; recorded)"));
  auto* units = app.add_subcommand("units", H("单位名录库", "the unit registry"));
  add_db(units);
  units->add_option("--uscc", uscc, H("统一社会信用代码", "unified social credit code"));
  units->add_option("--under", under, H("区划代码(只看其下)", "division code (only what lies under it)"));
  auto* audit = app.add_subcommand("audit", H("核验、导出、签名和查阅事件日志", "verify, export, sign and read the event log"));
  audit->require_subcommand(1);
  auto* averify = audit->add_subcommand("verify", H("核验哈希链、状态和审核结果", "check the hash chain, states and findings"));
  averify->add_option("--db", db, H("存储文件", "store file"));
  averify->add_option("--checkpoint", checkpoint, H("日志必须仍然延续的已签名检查点", "a signed checkpoint the log must still extend"));
  averify->add_option("--checkpoint-dir", checkpoint_dir, H("该目录中的全部检查点(默认:已配置的目录)", "every checkpoint in this directory (default: the configured one)"));
  averify->add_option("--pubkey", pubkey, H("检查点的公钥(PEM)", "the checkpoints' public key (PEM)"));
  averify->add_option("--export", export_dir, H("核验审计导出目录,而不是存储", "verify an audit export instead of a store"));
  AddCommon(averify, &common);
  auto* ahistory = audit->add_subcommand("history", H("一个实例的全部经过", "an instance's timeline"));
  add_db(ahistory);
  ahistory->add_option("INSTANCE", workflow_name, H("实例", "instance"))->required();
  auto* aexport = audit->add_subcommand("export", H("为审计人员导出事件、定义和组织机构(记入日志)", "write events, definitions and organisation for an auditor (recorded)"));
  add_db(aexport);
  aexport->add_option("--as", as, H("用户(须为最上级)", "user (of the top tier)"))->required();
  aexport->add_option("--out", out, H("新的或空的目录", "a new or empty directory"))->required();
  AutoCheckpoint auto_cp;
  auto* aauto = audit->add_subcommand("auto-checkpoint", H("自动签名检查点,存入写入者无法改动的目录", "sign checkpoints automatically into a directory out of the writers' reach"));
  add_db(aauto);
  aauto->add_option("--as", as, H("用户(须为最上级)", "user (of the top tier)"))->required();
  aauto->add_option("--dir", auto_cp.dir, H("检查点存放目录", "where the checkpoints go"));
  aauto->add_option("--key", auto_cp.key, H("Ed25519 私钥(PEM)", "Ed25519 private key (PEM)"));
  aauto->add_option("--every-events", auto_cp.every_events, H("每新增这么多条事件", "after this many new events"))->check(CLI::NonNegativeNumber);
  aauto->add_option("--every-minutes", auto_cp.every_minutes, H("每隔这么多分钟(在下一条命令时)", "after this many minutes, at the next command"))->check(CLI::NonNegativeNumber);
  aauto->add_flag("--off", auto_cp.off, H("停止自动检查点", "stop automatic checkpoints"));
  auto* acheck = audit->add_subcommand("checkpoint", H("签名事件数和最新哈希(Ed25519)", "sign the event count and head hash (Ed25519)"));
  add_db(acheck);
  acheck->add_option("--key", key_file, H("Ed25519 私钥(PEM)", "Ed25519 private key (PEM)"))->required();
  acheck->add_option("--out", out, H("输出文件或目录", "output file or directory"))->required();
  auto* replay = app.add_subcommand("replay", H("假设分析:用另一套定义重新审核已存报表", "what-if: re-run stored submissions under other definitions"));
  add_db(replay);
  replay->add_option("--defs", defs, H("定义目录", "definitions directory"))->required();
  auto* publish = app.add_subcommand("publish", H("发布定义版本并设为当前版本", "record a definitions version and make it current"));
  add_db(publish);
  publish->add_option("--defs", defs, H("定义目录", "definitions directory"))->required();
  publish->add_option("--as", as, H("用户(须为最上级)", "user (of the top tier)"))->required();
  bool skip_tests = false;
  publish->add_flag("--skip-tests", skip_tests, H("规则测试未通过也发布(须 --comment;记入日志)", "publish although rule tests fail (needs --comment; recorded)"));
  publish->add_option("--comment", comment, H("意见(跳过规则测试的理由)", "why the rule tests are skipped"));
  auto* migrate = app.add_subcommand("migrate", H("把实例迁移到当前定义版本", "move instances to the current definitions version"));
  add_db(migrate);
  migrate->add_option("--as", as, H("用户(须为最上级)", "user (of the top tier)"))->required();
  migrate->add_option("--instance", instances, H("实例(可写多次;默认全部)", "instance (repeatable; default: all)"));
  std::vector<std::string> maps;
  migrate->add_option("--map", maps, H("旧状态=新状态 或 流程.旧状态=新状态:当前定义中改了名的状态的新名称(可写多次)", "OLD=NEW or WORKFLOW.OLD=NEW: the new name of a state the current definitions renamed (repeatable)"))
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  auto* backup = app.add_subcommand("backup", H("在他人工作时备份存储(SQLite 在线备份)", "copy the store while others work (SQLite online backup)"));
  add_db(backup);
  backup->add_option("--out", out, H("输出文件或目录", "output file or directory"))->required();
  auto* org = app.add_subcommand("org", H("组织机构", "the organisation"));
  org->require_subcommand(1);
  auto* orgup = org->add_subcommand("update", H("更新用户和网格(记入日志)", "record changes to users and grids"));
  add_db(orgup);
  orgup->add_option("--org", org_file, H("组织机构文件(YAML)", "organisation file (YAML)"))->required();
  orgup->add_option("--as", as, H("用户(须为最上级)", "user (of the top tier)"))->required();

  // The groups of the help screens, in the language of the help.
  std::function<void(CLI::App*)> regroup = [&](CLI::App* a) {
    if (a->get_help_ptr()) a->get_help_ptr()->group(H("选项", "Options"));
    for (CLI::App* sub : a->get_subcommands([](CLI::App*) { return true; })) {
      sub->group(H("子命令", "Subcommands"));
      regroup(sub);
    }
  };
  regroup(&app);
  // One example per command, under its help.
  for (auto [cmd, line] : std::initializer_list<std::pair<CLI::App*, const char*>>{
           {check, "gridstat check definitions/guangxi"},
           {validate, "gridstat validate --defs definitions/guangxi --previous agri-2020.jsonl agri-2021.jsonl"},
           {test, "gridstat test definitions/guangxi"},
           {init, "gridstat init --db bureau.db --defs definitions/guangxi --org org.yaml"},
           {release, "gridstat release --db bureau.db --as region-45 --survey agri_village --period 2021 --under 450123100000"},
           {import, "gridstat import --db bureau.db --as region-45 --workflow unit_task --period 2024-06 tasks.jsonl"},
           {submit, "gridstat submit --db bureau.db --as coord-450123100202 agri-450123100202.json"},
           {act, "gridstat act --db bureau.db --as town-450123100 agri_report/2021/450123100202 approve"},
           {inbox, "gridstat inbox --db bureau.db --as town-450123100"},
           {show, "gridstat show --db bureau.db agri_report/2021/450123100202"},
           {list, "gridstat list --db bureau.db --survey agri_village --period 2021 --state submitted"},
           {progress, "gridstat progress --db bureau.db --survey agri_village --period 2021 --under 450123000000"},
           {exportc, "gridstat export --db bureau.db --survey agri_village --period 2021 > agri-2021.csv"},
           {units, "gridstat units --db bureau.db --under 450123000000"},
           {audit, "gridstat audit verify --db bureau.db"},
           {averify, "gridstat audit verify --db bureau.db"},
           {ahistory, "gridstat audit history --db bureau.db agri_report/2021/450123100202"},
           {aexport, "gridstat audit export --db bureau.db --as region-45 --out audit-2021"},
           {aauto, "gridstat audit auto-checkpoint --db bureau.db --as region-45 --dir /srv/checkpoints --key key.pem --every-events 1000"},
           {acheck, "gridstat audit checkpoint --db bureau.db --key key.pem --out checkpoint-2021-12-31.txt"},
           {replay, "gridstat replay --db bureau.db --defs new-definitions"},
           {publish, "gridstat publish --db bureau.db --as region-45 --defs definitions/guangxi"},
           {migrate, "gridstat migrate --db bureau.db --as region-45 --map accepted=county_accepted"},
           {backup, "gridstat backup --db bureau.db --out bureau-copy.db"},
           {org, "gridstat org update --db bureau.db --as region-45 --org org.yaml"},
           {orgup, "gridstat org update --db bureau.db --as region-45 --org org.yaml"}})
    cmd->footer(std::string(H("例: ", "Example: ")) + line + "\n");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : kExitCannotRun;
  }
  // A --format a command does not give is a usage error, never silently ignored: export
  // writes CSV only; init, backup and audit checkpoint write files and print nothing to format.
  {
    bool en = common.L() == Lang::kEn;
    bool csv_only = static_cast<bool>(*exportc), plain = *init || *backup || *acheck;
    if ((common.format == "csv" && !csv_only) || (common.format == "json" && (csv_only || plain))) {
      const char* why = common.format == "csv" ? (en ? " (only export writes CSV)" : "(只有 export 输出 CSV)")
                        : csv_only             ? (en ? " (export writes CSV)" : "(export 只输出 CSV)")
                                               : (en ? " (it prints nothing to format)" : "(它没有可格式化的输出)");
      std::cerr << (en ? "usage: this command has no --format " : "用法: 此命令没有 --format ") << common.format << why << "\n";
      return kExitCannotRun;
    }
  }
  try {
    if (*check) return RunCheck(check_dir, common);
    if (*validate) return RunValidate(defs, previous, inputs, jobs, common);
    if (*test) return RunTests(test_dir, common);
    bool en = common.L() == Lang::kEn;
    if (*init) {
      auto s = Store::Create(db, defs, org_file, common.L());
      if (!s.ok()) { std::cerr << EscapeControls(s.status().message()) << "\n"; return kExitCannotRun; }
      return kExitOk;
    }
    VerifyOptions vopts;
    vopts.checkpoint = checkpoint;
    vopts.checkpoint_dir = checkpoint_dir;
    vopts.pubkey = pubkey;
    vopts.configured_dir = checkpoint.empty() && checkpoint_dir.empty();
    vopts.lang = common.L();
    if (*averify && (!checkpoint.empty() || !checkpoint_dir.empty() || !pubkey.empty()) &&
        (pubkey.empty() || (checkpoint.empty() == checkpoint_dir.empty()))) {
      std::cerr << (en ? "usage: --pubkey with one of --checkpoint or --checkpoint-dir\n" : "用法: --pubkey 须与 --checkpoint 或 --checkpoint-dir 之一同用\n");
      return kExitCannotRun;
    }
    if (*averify && !export_dir.empty()) {
      if (!db.empty()) { std::cerr << (en ? "usage: --db or --export, not both\n" : "用法: --db 与 --export 只能用一个\n"); return kExitCannotRun; }
      return PrintVerify(VerifyExport(export_dir, vopts), common);
    }
    if (db.empty()) { std::cerr << (en ? "--db is required\n" : "需要 --db\n"); return kExitCannotRun; }
    // Commands that only read open the store read-only, so that it can sit on read-only media.
    bool reads_only = *averify || *list || *show || *inbox || *progress || (*exportc && !unmasked) || *units || *ahistory ||
                      *replay || *backup;
    auto store = OpenStore(db, common, reads_only);
    if (!store) return kExitCannotRun;
    // Problems met after a command was committed (an automatic checkpoint not written).
    struct Warnings {
      Store* s;
      ~Warnings() { for (auto& w : s->TakeWarnings()) std::cerr << EscapeControls(w) << "\n"; }
    } warnings{store.get()};
    if (*release) return PrintResults(store->Release(as, survey, period, under, request_id), common, true);
    if (*import) {
      std::vector<ActionResult> all;
      for (auto& f : files) {
        auto r = store->Import(as, workflow_name, period, f);
        all.insert(all.end(), r.begin(), r.end());
      }
      return PrintResults(all, common, true);
    }
    if (*submit) {
      std::vector<Envelope> envs;
      std::vector<ActionResult> bad;
      for (auto& f : files) {
        Status st = ReadSubmissions(f, [&](Envelope e) { envs.push_back(std::move(e)); },
                                    [&](gridstat::Report r) {
                                      ActionResult a;
                                      a.instance = r.file + ":" + std::to_string(r.line);
                                      a.outcome = Outcome::kRefused;
                                      a.code = "envelope";
                                      a.message = r.findings.empty() ? "" : r.findings[0].message;
                                      // Recorded like every refused attempt.
                                      Status rs = store->RecordRefusal(as, draft ? "save" : "submit", a.instance, a.code, a.message);
                                      if (!rs.ok()) { a.outcome = Outcome::kCannotRun; a.message = rs.message(); }
                                      bad.push_back(a);
                                    }, common.L());
        if (!st.ok()) {
          ActionResult a;
          a.instance = f;
          a.outcome = Outcome::kCannotRun;
          a.code = "unreadable";
          a.message = st.message();
          bad.push_back(a);
        }
      }
      auto results = envs.empty() ? std::vector<ActionResult>{} : store->Submit(as, envs, to, draft, request_id);
      results.insert(results.end(), bad.begin(), bad.end());
      return PrintResults(results, common, true);
    }
    if (*act) {
      if (instances.size() < 2) { std::cerr << (en ? "usage: act INSTANCE... ACTION\n" : "用法: act 实例... 动作\n"); return kExitCannotRun; }
      ActRequest req;
      req.actor = as;
      req.action = instances.back();
      req.instances.assign(instances.begin(), instances.end() - 1);
      req.comment = comment;
      req.target = under;
      req.request_id = request_id;
      if (if_version >= 0) req.if_version = if_version;
      return PrintResults(store->Act(req), common, false);
    }
    auto fail = [&](const Status& st) { std::cerr << EscapeControls(st.message()) << "\n"; return st.code() == Status::Code::kNotFound ? kExitFindings : kExitCannotRun; };
    if (*inbox) {
      auto r = store->Inbox(as);
      if (!r.ok()) return fail(r.status());
      PrintDocs(*r, common, [](const Doc& d) {
        std::string acts;
        for (auto& a : d.Find("actions")->items) acts += (acts.empty() ? "" : ",") + EscapeControls(a.text);
        return S(d, "id") + "\t" + S(d, "state") + "\t" + acts;
      });
      return kExitOk;
    }
    if (*show) {
      auto r = store->Show(workflow_name, as_opt);
      if (!r.ok()) return fail(r.status());
      std::cout << (common.json() ? json::Canonical(*r) + "\n" : ShowText(*r, common.L()));
      return kExitOk;
    }
    if (*list) {
      Query q{as_opt, survey, period, state, under};
      auto r = store->List(q);
      if (!r.ok()) return fail(r.status());
      PrintDocs(*r, common, [](const Doc& d) { return S(d, "id") + "\t" + S(d, "division") + "\t" + S(d, "state") + "\tv" + S(d, "version"); });
      return kExitOk;
    }
    if (*progress) {
      Query q{as_opt, survey, period, "", under};
      auto r = store->Progress(q, level, as_of);
      if (!r.ok()) return fail(r.status());
      if (common.json()) { std::cout << json::Canonical(*r) << "\n"; return kExitOk; }
      std::cout << S(*r, "survey") << " " << S(*r, "period") << (en ? "  as of " : "  截至 ") << S(*r, "as_of") << (en ? ", total " : ",共 ") << S(*r, "total") << "\n";
      for (auto& g : r->Find("by_division")->items) {
        std::cout << "  " << S(g, "division") << " " << S(g, "name") << "  " << S(g, "total") << ":";
        for (auto& [k, v] : g.Find("states")->members) std::cout << " " << EscapeControls(k) << "=" << EscapeControls(v.text);
        std::cout << "\n";
      }
      const auto& od = r->Find("overdue")->items;
      std::cout << (en ? "overdue: " : "逾期: ") << od.size() << "\n";
      for (auto& o : od) std::cout << "  " << S(o, "id") << " " << S(o, "division_name") << " " << S(o, "state") << (en ? " (due " : "(应于 ") << S(o, "due") << (en ? " to " : " 前 ") << S(o, "action") << ")\n";
      return kExitOk;
    }
    if (*exportc) {
      Query q{as_opt, survey, period, "", under};
      if (unmasked) {
        std::string csv;
        ActionResult r = store->ExportUnmasked(q, &csv);
        std::cout << csv;
        return PrintResults({r}, common, false);
      }
      auto r = store->ExportCsv(q);
      if (!r.ok()) return fail(r.status());
      std::cout << *r;
      return kExitOk;
    }
    if (*units) {
      auto r = store->Units(uscc, under);
      if (!r.ok()) return fail(r.status());
      PrintDocs(*r, common, [](const Doc& d) {
        const Doc* data = d.Find("data");
        return S(d, "uscc") + "\t" + (data ? S(*data, "name") : "-") + "\t" + S(d, "division") + "\t" + S(d, "instance");
      });
      return kExitOk;
    }
    if (*averify) return PrintVerify(store->Verify(vopts), common);
    if (*ahistory) {
      auto r = store->History(workflow_name);
      if (!r.ok()) return fail(r.status());
      if (r->empty()) { std::cerr << (en ? "no events for " : "没有该实例的事件: ") << EscapeControls(workflow_name) << "\n"; return kExitFindings; }
      PrintDocs(*r, common, [&](const Doc& e) {
        bool refused = e.Find("refused") && e.Find("refused")->boolean;
        std::string line = "#" + S(e, "seq") + "  " + LocalAt(e) + "  " + Who(e) + "  " + Labelled(e, "action_label", "action") + "  ";
        line += refused ? (en ? "REFUSED [" : "被拒绝 [") + S(e, "reason") + "] " + S(e, "message")
                        : Labelled(e, "from_label", "from") + " → " + Labelled(e, "to_label", "to") + "  @" + S(e, "jurisdiction");
        if (json::GetStr(e, "comment")) line += (en ? "  comment: " : "  意见: ") + S(e, "comment");
        return line;
      });
      return kExitOk;
    }
    if (*aexport) return PrintResults({store->ExportAudit(as, out)}, common, false);
    if (*aauto) return PrintResults({store->ConfigureAutoCheckpoint(as, auto_cp)}, common, false);
    if (*backup) { Status st = store->Backup(out); if (!st.ok()) return fail(st); return kExitOk; }
    if (*acheck) { Status st = store->Checkpoint(key_file, out); if (!st.ok()) return fail(st); return kExitOk; }
    if (*replay) {
      std::vector<Diagnostic> diags;
      auto r = store->Replay(defs, &diags);
      PrintDiagnostics(diags, common);
      if (!r.ok()) return kExitCannotRun;
      PrintDocs(*r, common, [](const Doc& d) {
        std::string added, removed;
        for (auto& x : d.Find("rules_added")->items) added += " +" + EscapeControls(x.text);
        for (auto& x : d.Find("rules_removed")->items) removed += " -" + EscapeControls(x.text);
        return S(d, "id") + "\t" + S(d, "status_before") + " → " + S(d, "status_after") + "\t" + added + removed;
      });
      if (!common.json()) std::cerr << r->size() << (en ? " instances would change\n" : " 个实例的审核结果会改变\n");
      return kExitOk;
    }
    if (*publish) {
      std::vector<Diagnostic> diags;
      PublishRequest req;
      req.actor = as;
      req.defs_dir = defs;
      req.skip_tests = skip_tests;
      req.comment = comment;
      std::string hash;
      ActionResult r = store->Publish(req, &diags, &hash);
      PrintDiagnostics(diags, common);
      if (r.outcome != Outcome::kDone) return PrintResults({r}, common, false);
      if (common.json()) std::cout << json::Canonical(json::Obj({{"definitions", json::Str(hash)}})) << "\n";
      else std::cout << EscapeControls(hash) << "\n";
      return kExitOk;
    }
    if (*migrate) {
      MigrateRequest req;
      req.actor = as;
      req.instances = instances;
      for (auto& m : maps) {
        size_t eq = m.find('=');
        std::string from = eq == std::string::npos ? "" : m.substr(0, eq), to = eq == std::string::npos ? "" : m.substr(eq + 1);
        if (from.empty() || to.empty()) {
          std::cerr << (en ? "usage: --map OLD=NEW or --map WORKFLOW.OLD=NEW, not " : "用法: --map 旧状态=新状态 或 --map 流程.旧状态=新状态,而不是 ")
                    << EscapeControls(m) << "\n";
          return kExitCannotRun;
        }
        auto [it, added] = req.states.emplace(from, to);
        if (!added && it->second != to) {
          std::cerr << (en ? "usage: --map gives two new names for " : "用法: --map 给了 ") << EscapeControls(from)
                    << (en ? "\n" : " 两个新名称\n");
          return kExitCannotRun;
        }
      }
      return PrintResults(store->Migrate(req), common, true);
    }
    if (*orgup) {
      std::vector<Doc> changes;
      ActionResult r = store->OrgUpdate(as, org_file, &changes);
      if (r.outcome != Outcome::kDone) return PrintResults({r}, common, false);
      PrintDocs(changes, common, [](const Doc& d) { return S(d, "change") + "\t" + (json::GetStr(d, "id") ? S(d, "id") : S(d, "code")); });
      return kExitOk;
    }
  } catch (const std::exception& e) {
    std::cerr << "gridstat: internal error: " << EscapeControls(e.what()) << "\n";
    return kExitCannotRun;
  }
  return kExitCannotRun;
}

}  // namespace
