// What gridstat writes for readers, against hostile data: masked ID numbers that the rest of
// the row cannot reverse, CSV cells that a spreadsheet does not run as formulas, and text
// that cannot drive a terminal.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include "common/json.h"
#include "common/text.h"
#include "gridstat/store.h"

using namespace gridstat;
namespace fs = std::filesystem;

namespace {

const std::string kSrc = GRIDSTAT_SOURCE_DIR;
const std::string kDefs = kSrc + "/definitions/guangxi";
const std::string kV = "450123100201";

std::string TempPath(const std::string& name) {
  static int n = 0;
  fs::path dir = fs::temp_directory_path() / ("gridstat-out-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::string p = (dir / (name + "-" + std::to_string(++n))).string();
  fs::remove_all(p);
  return p;
}

std::unique_ptr<Store> NewStore(const std::string& defs = kDefs) {
  ::setenv("GRIDSTAT_NOW", "2024-01-10T02:00:00Z", 1);
  auto s = Store::Create(TempPath("store.db"), defs, kSrc + "/tests/data/org.yaml");
  REQUIRE(s.ok());
  return std::move(*s);
}

// ---- GB 11643 --------------------------------------------------------------

char CheckChar(const std::string& first17) {
  static const int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (first17[i] - '0') * kWeights[i];
  return "10X98765432"[sum % 11];
}

int DaysInMonth(int y, int m) {
  static const int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

std::string Pad(int v, int width) {
  std::string s = std::to_string(v);
  return std::string(width - s.size(), '0') + s;
}

struct Person {
  std::string id, birth, sex;  // birth as YYYY-MM, sex 1 (male, odd) or 2
};

Person MakePerson(std::mt19937& rng, int year, int month, int sex) {
  int day = std::uniform_int_distribution<int>(1, DaysInMonth(year, month))(rng);
  int seq = std::uniform_int_distribution<int>(0, 499)(rng) * 2 + (sex == 1 ? 1 : 0);
  std::string first17 = "450123" + Pad(year, 4) + Pad(month, 2) + Pad(day, 2) + Pad(seq, 3);
  return {first17 + CheckChar(first17), Pad(year, 4) + "-" + Pad(month, 2), std::to_string(sex)};
}

// The attacker's side: every 18-character ID number that agrees with a masked one (its kept
// characters, '*' hiding one character each) and with what the same row shows (the birth
// month and the sex), and that is valid (a real birth date, the right check character).
// The region code must be kept; the rest is enumerated in full: day x sequence number.
int64_t Candidates(const std::string& masked, const std::string& birth, const std::string& sex) {
  if (masked.size() != 18) return -1;
  for (int i = 0; i < 6; ++i)
    if (masked[i] == '*') return -1;
  int year = std::stoi(birth.substr(0, 4)), month = std::stoi(birth.substr(5, 2));
  auto agrees = [&](const std::string& s, size_t at) {
    for (size_t k = 0; k < s.size(); ++k)
      if (masked[at + k] != '*' && masked[at + k] != s[k]) return false;
    return true;
  };
  int64_t n = 0;
  for (int day = 1; day <= DaysInMonth(year, month); ++day) {
    std::string date = Pad(year, 4) + Pad(month, 2) + Pad(day, 2);
    if (!agrees(date, 6)) continue;
    for (int seq = 0; seq < 1000; ++seq) {
      if ((seq % 2 == 1) != (sex == "1")) continue;
      std::string s = Pad(seq, 3);
      if (!agrees(s, 14)) continue;
      std::string first17 = masked.substr(0, 6) + date + s;
      if (!agrees(std::string(1, CheckChar(first17)), 17)) continue;
      ++n;
    }
  }
  return n;
}

// RFC 4180 rows of an export (its BOM skipped).
std::vector<std::vector<std::string>> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1);
  std::string cell;
  bool quoted = false;
  size_t i = text.rfind("\xEF\xBB\xBF", 0) == 0 ? 3 : 0;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') { cell += '"'; ++i; }
      else if (c == '"') quoted = false;
      else cell += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().push_back(cell);
      cell.clear();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      rows.back().push_back(cell);
      cell.clear();
      rows.emplace_back();
      ++i;
    } else {
      cell += c;
    }
  }
  if (rows.back().empty()) rows.pop_back();
  return rows;
}

size_t Column(const std::vector<std::string>& head, const std::string& label) {
  auto it = std::find(head.begin(), head.end(), label);
  REQUIRE(it != head.end());
  return static_cast<size_t>(it - head.begin());
}

Doc PersonDoc(const std::string& name, const std::string& relation, const Person& p, const std::string& marital) {
  return json::Obj({{"name", json::Str(name)}, {"relation", json::Str(relation)}, {"sex", json::Str(p.sex)},
                    {"birth", json::Str(p.birth)}, {"ethnicity", json::Str("08")}, {"id_number", json::Str(p.id)},
                    {"marital", json::Str(marital)}});
}

Envelope Household(int no, std::vector<Doc> persons) {
  Envelope e;
  e.id = "PC-" + std::to_string(no);
  e.survey = "pop_change";
  e.period = "2023";
  e.division = kV;
  Doc rows = json::Arr();
  rows.items = std::move(persons);
  e.data = json::Obj({{"district_code", json::Str(kV + "001")}, {"household_no", json::Str(Pad(no, 3))},
                      {"household_type", json::Str("1")}, {"deaths_count", json::Int(0)}, {"persons", rows}});
  return e;
}

// Submits the households and takes them to `accepted`; returns the export.
std::string AcceptAndExport(Store& s, const std::vector<Envelope>& hh) {
  auto sub = s.Submit("coord_v", hh, "", false, "");
  REQUIRE(sub.size() == hh.size());
  std::vector<std::string> ids;
  for (auto& r : sub) {
    INFO(r.message << (r.report ? ReportToText(*r.report, Lang::kEn) : ""));
    REQUIRE(r.outcome == Outcome::kDone);
    ids.push_back(r.instance);
  }
  for (auto [who, action, comment] : {std::tuple{"coord_v", "recheck", "已入户复查"}, {"town_t", "approve", ""}, {"county_c", "accept", ""}}) {
    ActRequest req;
    req.actor = who;
    req.action = action;
    req.comment = comment;
    req.instances = ids;
    for (auto& r : s.Act(req)) REQUIRE(r.outcome == Outcome::kDone);
  }
  Query q;
  q.survey = "pop_change";
  q.period = "2023";
  auto csv = s.ExportCsv(q);
  REQUIRE(csv.ok());
  return *csv;
}

}  // namespace

TEST_CASE("privacy: a masked ID number in an export cannot be recovered from the rest of its row", "[privacy]") {
  std::mt19937 rng(20240110);
  std::vector<Envelope> hh;
  std::vector<Person> all;
  // Every month of the year for both sexes, February of a common and of a leap year among them:
  // the fewest days leave the fewest candidates.
  int no = 0;
  for (int month = 1; month <= 12; ++month)
    for (int year : {1955, 1968, 1980, 1999, 2000}) {
      Person head = MakePerson(rng, year - 5, month, 1 + (no % 2));
      Person spouse = MakePerson(rng, year, 13 - month, head.sex == "1" ? 2 : 1);
      all.push_back(head);
      all.push_back(spouse);
      hh.push_back(Household(++no, {PersonDoc("户主" + std::to_string(no), "0", head, "2"), PersonDoc("配偶", "1", spouse, "2")}));
    }
  auto s = NewStore();
  std::string csv = AcceptAndExport(*s, hh);
  auto rows = ParseCsv(csv);
  REQUIRE(rows.size() == all.size() + 1);
  size_t c_id = Column(rows[0], "公民身份号码"), c_birth = Column(rows[0], "出生年月"), c_sex = Column(rows[0], "性别");
  int64_t fewest = -1;
  for (size_t r = 1; r < rows.size(); ++r) {
    const auto& row = rows[r];
    INFO(row[c_id] << " " << row[c_birth] << " " << row[c_sex]);
    for (auto& p : all) CHECK(csv.find(p.id) == std::string::npos);
    int64_t n = Candidates(row[c_id], row[c_birth], row[c_sex]);
    CHECK(n >= 1000);
    fewest = fewest < 0 ? n : std::min(fewest, n);
  }
  // 28 days of a common February x 500 sequence numbers of the person's sex.
  CHECK(fewest == 14000);

  // The attacker's count is honest: the true number is always among the candidates, and
  // the mask of messages (6 + 4 kept) would give it away within a handful.
  int64_t most_old = 0;
  for (auto& p : all) {
    INFO(p.id);
    CHECK(Candidates(MaskIdNumberForView(p.id), p.birth, p.sex) >= 14000);
    int64_t old = Candidates(MaskIdNumber(p.id), p.birth, p.sex);
    CHECK(old >= 1);
    most_old = std::max(most_old, old);
  }
  CHECK(most_old < 10);
}

TEST_CASE("privacy: the view mask keeps at most the region code, whatever the value", "[privacy]") {
  CHECK(MaskIdNumberForView("450102198003150011") == "450102************");
  CHECK(MaskIdNumberForView("45010219800315001X") == "450102************");
  CHECK(MaskIdNumberForView("450102198002310011") == "450102************");  // no such date: masked all the same
  CHECK(MaskIdNumberForView("45010219800315001") == "*****************");    // 17: nothing kept
  CHECK(MaskIdNumberForView("1234") == "****");
  CHECK(MaskIdNumberForView("") == "");
  CHECK(MaskIdNumberForView("4501021980031500112345") == "450102****************");
  CHECK(MaskIdNumberForView("身份证号码四五零一零二一九八零零三一五") == "身份证号码四*************");
  // Messages keep their own form.
  CHECK(MaskIdNumber("450102198003150011") == "450102********0011");
}

TEST_CASE("privacy: show and units mask the masked fields of tasks and registry entries", "[privacy]") {
  // The shipped basic_unit has no masked field: a copy of the definitions masks legal_rep.
  std::string defs = TempPath("defs");
  fs::copy(kDefs, defs, fs::copy_options::recursive);
  {
    std::ifstream in(defs + "/basic_unit.gs");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto at = text.find("\"法定代表人(单位负责人)\" text required");
    REQUIRE(at != std::string::npos);
    text.insert(text.find('\n', at), " masked");
    std::ofstream(defs + "/basic_unit.gs") << text;
  }
  const std::string secret = "450123199002290013";
  std::string ledger = TempPath("tasks.jsonl");
  std::ofstream(ledger) << "{\"id\": \"T-9\", \"kind\": \"verify\", \"division\": \"" << kV
                        << "\", \"data\": {\"uscc\": \"91450102MA5L0001XM\", \"legal_rep\": \"" << secret << "\"}}\n";
  auto s = NewStore(defs);
  auto imported = s->Import("region", "unit_task", "2024-06", ledger);
  REQUIRE(imported.size() == 1);
  REQUIRE(imported[0].outcome == Outcome::kDone);
  auto shown = s->Show(imported[0].instance, std::nullopt);
  REQUIRE(shown.ok());
  std::string text = json::Canonical(*shown);
  CHECK(text.find(secret) == std::string::npos);
  CHECK(text.find("450123************") != std::string::npos);
}

TEST_CASE("injection: CSV cells never open as formulas, and numbers stay numbers", "[injection]") {
  // OWASP's triggers, alone, after white space, after control characters, full-width.
  for (std::string hostile : {"=1+1", "+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1", "\r\n=1", "\n=1", " =1", "\xE3\x80\x80=1",
                              "=HYPERLINK(\"http://x\",\"y\")", "-1+cmd|' /C calc'!A0", "-2-cmd|'/C calc'!A0", "+1.5", "-",
                              "--1", "-1.5e3", "-.5", "-1.", "@", "\xEF\xBC\x9D" "1+1", "\xEF\xBC\x8B" "1", "\xEF\xBC\x8D" "1",
                              "\xEF\xBC\xA0" "x", "\tx"}) {
    INFO(EscapeControls(hostile));
    std::string cell = CsvCell(hostile);
    REQUIRE(cell.size() >= 3);
    CHECK(cell.substr(0, 2) == "\"'");
    CHECK(cell.back() == '"');
  }
  // Plain numbers, negative ones included, are left alone; so is ordinary text.
  for (std::string plain : {"-1.5", "-0", "-12", "0", "3.25", "120.5", "abc", "1+1", "a=b", "韦建国", "1e5", ""}) {
    INFO(plain);
    CHECK(CsvCell(plain) == plain);
  }
  // Separators and quotes are quoted, quotes doubled.
  CHECK(CsvCell("a,b") == "\"a,b\"");
  CHECK(CsvCell("a;b") == "\"a;b\"");
  CHECK(CsvCell("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(CsvCell("=\"x\",1") == "\"'=\"\"x\"\",1\"");
  // Control characters are escaped: a record is one line.
  CHECK(CsvCell("two\r\nlines") == "two\\r\\nlines");
  CHECK(CsvCell("a\tb") == "a\\tb");
  CHECK(CsvCell("\t=1") == "\"'\\t=1\"");
}

TEST_CASE("injection: CSV cells and terminal output carry no control character", "[injection]") {
  const std::string hostile[] = {
      "\x1b[31mred", "\x1b]0;title\x07", "\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\", "\xc2\x9b" "2J", "\x9b" "2J",
      "\x90q\x9c", "bell\x07", "back\x08space", "del\x7f", "nul" + std::string(1, '\0') + "x", "\xff\xfe", "\xe4\xb8",
      "\xe2\x80\xae" "txt.exe", "line\xe2\x80\xa8sep", "\x1b" "P+q\x1b\\"};
  auto raw_control = [](const std::string& s, bool allow_lf_tab, bool allow_crlf) {
    for (size_t i = 0; i < s.size(); ++i) {
      auto b = static_cast<unsigned char>(s[i]);
      if (b == '\n' || b == '\t') { if (!allow_lf_tab) return true; continue; }
      if (b == '\r' && allow_crlf && i + 1 < s.size() && s[i + 1] == '\n') continue;
      if (b < 0x20 || b == 0x7F) return true;
      if (b == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
          static_cast<unsigned char>(s[i + 1]) < 0xA0)
        return true;
      if (b == 0xE2 && s.compare(i, 3, "\xe2\x80\xae") == 0) return true;
      if (b == 0xE2 && s.compare(i, 3, "\xe2\x80\xa8") == 0) return true;
    }
    return FindInvalidUtf8(s) != std::string_view::npos;
  };
  for (const std::string& h : hostile) {
    INFO(EscapeControls(h));
    CHECK_FALSE(raw_control(EscapeControls(h), false, false));
    CHECK_FALSE(raw_control(CsvCell(h), false, false));
    CHECK_FALSE(raw_control(TerminalSafe(h), true, true));
    // The streaming form gives the same text however the output is cut into writes.
    std::string whole = TerminalSafe(h + "\r\n" + h);
    for (size_t cut = 0; cut <= h.size() + 2; ++cut) {
      std::string in = h + "\r\n" + h, out;
      size_t used = AppendTerminalSafe(&out, std::string_view(in).substr(0, cut), false);
      std::string rest = in.substr(used);
      AppendTerminalSafe(&out, rest, true);
      CHECK(out == whole);
    }
  }
  CHECK(TerminalSafe("表\t头\r\n行\n") == "表\t头\r\n行\n");
  CHECK(TerminalSafe("over\rwrite") == "over\\rwrite");
  CHECK(TerminalSafe("\xc2\x9b" "2J") == "\\u009b2J");
  CHECK(TerminalSafe("\x9b" "2J") == "\\x9b2J");
  CHECK(EscapeControls("a\xe2\x80\xae" "b") == "a\\u202eb");
}

TEST_CASE("injection: hostile text in an export is neither a formula nor a terminal control", "[injection]") {
  std::mt19937 rng(7);
  const std::vector<std::string> names = {"=HYPERLINK(\"http://evil\",\"点我\")", "-1+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|'/C calc'!A0",
                                          "+1", "\t=1+1", "\r=1+1", " =1+1", "\x1b]0;pwned\x07名", "\x1b[2J\x1b[H清屏",
                                          "\xc2\x9b" "31m", "a,\"=1\"", "\xEF\xBC\x9D" "1+1"};
  std::vector<Envelope> hh;
  int no = 0;
  for (auto& name : names) {
    Person p = MakePerson(rng, 1970, 5, 1);
    hh.push_back(Household(++no, {PersonDoc(name, "0", p, "1")}));
  }
  auto s = NewStore();
  std::string csv = AcceptAndExport(*s, hh);
  for (size_t i = 0; i < csv.size(); ++i) {
    auto b = static_cast<unsigned char>(csv[i]);
    INFO(i);
    if (b == '\r') CHECK(csv[i + 1] == '\n');  // only at the end of a record
    else if (b == '\n') CHECK(csv[i - 1] == '\r');
    else CHECK((b >= 0x20 && b != 0x7F));
    if (b == 0xC2 && i + 1 < csv.size()) CHECK_FALSE((static_cast<unsigned char>(csv[i + 1]) >= 0x80 && static_cast<unsigned char>(csv[i + 1]) < 0xA0));
  }
  CHECK(FindInvalidUtf8(csv) == std::string_view::npos);
  auto rows = ParseCsv(csv);
  REQUIRE(rows.size() == names.size() + 1);
  size_t c_name = Column(rows[0], "姓名");
  std::set<std::string> seen;
  for (size_t r = 1; r < rows.size(); ++r) {
    for (auto& cell : rows[r]) {
      INFO(cell);
      // Every cell is a plain number or does not start a formula.
      bool number = !cell.empty() && cell.find_first_not_of("-.0123456789") == std::string::npos;
      if (!number) {
        std::string t = cell;
        while (!t.empty() && (t[0] == ' ' || t[0] == '\t' || t[0] == '\n')) t.erase(0, 1);
        if (t.rfind("\xE3\x80\x80", 0) == 0) t.erase(0, 3);
        CHECK((t.empty() || std::string("=+-@").find(t[0]) == std::string::npos));
        CHECK(t.rfind("\xEF\xBC\x9D", 0) != 0);
        CHECK((cell.empty() || (cell[0] != '\t' && cell[0] != '\n' && cell[0] != '\r')));
      }
    }
    seen.insert(rows[r][c_name]);
  }
  CHECK(seen.count("'=HYPERLINK(\"http://evil\",\"点我\")") == 1);
  CHECK(seen.count("'-1+cmd|' /C calc'!A0") == 1);
  CHECK(seen.count("'+1") == 1);
  CHECK(seen.count("'\\r=1+1") == 1);
  CHECK(seen.count("'\\t=1+1") == 1);
  CHECK(seen.count("\\u001b]0;pwned\\u0007名") == 1);
  CHECK(seen.count("a,\"=1\"") == 1);
}
