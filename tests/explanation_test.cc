// Explanations belong to the values they explain (doc/language.md, "Explanations"): a
// warning's digest is of the values that decided it; a resubmission that changes them
// cannot carry the old explanation over word for word; a new explanation, or the old one
// re-confirmed with the current digest, counts. The store and audit verify agree.
#include "tests/store_fixture.h"

#include "common/decimal.h"

using namespace gridstat;
using namespace gridstat::testing;

namespace {

const std::string kV = "450123100201";
const std::string kAgri = "agri_report/2021/" + kV;
const std::string kText = "今年稻瘟病减产,已电话核实";

// V's 2021 report with a rice yield of rice_output * 1000 / 1200 kg/mu, the grain output
// kept the sum of its parts (AG-E02), and the explanation of AG-W01 given as `text`.
Envelope Agri(const std::string& rice_output, const std::string& text = kText, const std::string& confirm = "") {
  Envelope e = LoadEnvelopes(kSrc + "/examples/workflow/agri-" + kV + ".json")[0];
  SetField(&e, "rice_output", rice_output);
  // corn 150.00 + tuber 200.00 + soybean 10.00 + other 5.25 = 365.25
  Decimal grain = *Decimal::Add(*Decimal::Parse(rice_output), *Decimal::Parse("365.25"));
  SetField(&e, "grain_output", grain.ToString(2));
  if (!text.empty()) e.explanations["AG-W01"] = text;
  if (!confirm.empty()) e.confirmed["AG-W01"] = confirm;
  return e;
}

const Finding* FindingOf(const Report& r, const std::string& rule) {
  for (auto& f : r.findings) if (f.rule == rule) return &f;
  return nullptr;
}
const Finding* FindingOf(const std::optional<Report>& r, const std::string& rule) { return r ? FindingOf(*r, rule) : nullptr; }

std::shared_ptr<const Program> Shipped() {
  static auto c = CompileDirectory(kDefs);
  REQUIRE(c.program);
  return c.program;
}

ActionResult SubmitOne(Store& s, const Envelope& e) {
  auto r = s.Submit("coord_v", {e}, kAgri, false, "");
  REQUIRE(r.size() == 1);
  return r[0];
}

}  // namespace

TEST_CASE("explanations: a warning's digest is of the values that decided it", "[explanations]") {
  Validator v(Shipped());
  Report a = v.Validate(Agri("250.00"));  // 208.33 kg/mu
  const Finding* w = FindingOf(a, "AG-W01");
  REQUIRE(w);
  CHECK(w->fields == std::vector<std::string>{"rice_area", "rice_output"});
  REQUIRE(w->digest.size() == 16);
  CHECK(w->explained);
  CHECK(ReportToJson(a).find("\"explained\":true,\"digest\":\"" + w->digest + "\"") != std::string::npos);
  // The same value written otherwise is the same value.
  Envelope same = Agri("250.00");
  SetField(&same, "rice_output", "250.0");
  CHECK(FindingOf(v.Validate(same), "AG-W01")->digest == w->digest);
  // A field the finding does not name changes nothing.
  Envelope other = Agri("250.00");
  SetField(&other, "hogs_stock", "151");
  CHECK(FindingOf(v.Validate(other), "AG-W01")->digest == w->digest);
  // A value it names does.
  Report b = v.Validate(Agri("120.00"));  // 100.00 kg/mu
  REQUIRE(FindingOf(b, "AG-W01"));
  CHECK(FindingOf(b, "AG-W01")->digest != w->digest);
  // Errors carry none, and the old report format gives none.
  Envelope broken = Agri("250.00");
  SetField(&broken, "grain_area", "1.0");
  for (auto& f : v.Validate(broken).findings) if (f.is_error) CHECK(f.digest.empty());
  Validator old(Shipped());
  old.set_report_format(1);
  Report o = old.Validate(Agri("250.00"));
  CHECK(FindingOf(o, "AG-W01")->digest.empty());
  CHECK(ReportToJson(o).find("digest") == std::string::npos);
}

TEST_CASE("explanations: re-confirmed for a digest, an explanation counts for those values only", "[explanations]") {
  Validator v(Shipped());
  std::string d208 = FindingOf(v.Validate(Agri("250.00")), "AG-W01")->digest;
  std::string d100 = FindingOf(v.Validate(Agri("120.00")), "AG-W01")->digest;
  CHECK(FindingOf(v.Validate(Agri("250.00", kText, d208)), "AG-W01")->explained);
  CHECK_FALSE(FindingOf(v.Validate(Agri("120.00", kText, d208)), "AG-W01")->explained);
  CHECK(FindingOf(v.Validate(Agri("120.00", kText, d100)), "AG-W01")->explained);
  // Carried over from a revision where it explained 208.33: not for 100.00, unless re-confirmed.
  ExplanationHistory earlier = {{"AG-W01", {kText, d208}}};
  Report carried = v.Validate(Agri("120.00"), nullptr, &earlier);
  const Finding* stale = FindingOf(carried, "AG-W01");
  REQUIRE(stale);
  CHECK_FALSE(stale->explained);
  CHECK(stale->stale_explanation);
  CHECK(FindingOf(v.Validate(Agri("250.00"), nullptr, &earlier), "AG-W01")->explained);         // unchanged
  CHECK(FindingOf(v.Validate(Agri("120.00", "另一说明"), nullptr, &earlier), "AG-W01")->explained);  // new words
  CHECK(FindingOf(v.Validate(Agri("120.00", kText, d100), nullptr, &earlier), "AG-W01")->explained);  // re-confirmed
}

TEST_CASE("explanations: the envelope form of a re-confirmation is checked", "[explanations]") {
  auto decode = [](const std::string& explanations, Envelope* e) {
    auto doc = ParseJsonDocument(R"({"id":"x","survey":"agri_village","period":"2021","division":"450123100201","data":{},"explanations":)" +
                                 explanations + "}");
    REQUIRE(doc.ok());
    return EnvelopeFromDoc(*doc, e);
  };
  Envelope e;
  REQUIRE(decode(R"({"AG-W01":{"text":"核实过","digest":"0123456789abcdef"}})", &e).ok());
  CHECK(e.explanations.at("AG-W01") == "核实过");
  CHECK(e.confirmed.at("AG-W01") == "0123456789abcdef");
  Envelope bad;
  auto st = decode(R"({"AG-W01":{"text":"核实过"}})", &bad);
  CHECK_FALSE(st.ok());
  CHECK(st.message().find("AG-W01") != std::string::npos);
  st = decode(R"({"AG-W01":{"text":"核实过","digest":"0123456789abcdef","by":"me"}})", &bad);
  CHECK_FALSE(st.ok());
  CHECK(st.message().find("by") != std::string::npos);
  CHECK_FALSE(decode(R"({"AG-W01":{"text":1,"digest":"0123456789abcdef"}})", &bad).ok());
}

TEST_CASE("explanations: in the store, an explanation belongs to the values it explains", "[explanations][workflow]") {
  fs::path dir = FreshDir("explain");
  std::string path;
  auto s = NewStoreIn(dir, &path);
  REQUIRE(s->Release("region", "agri_village", "2021", kV, "")[0].outcome == Outcome::kDone);
  // Revision 1: 208.33 kg/mu, explained.
  auto r1 = SubmitOne(*s, Agri("250.00"));
  INFO(r1.code << ": " << r1.message);
  REQUIRE(r1.outcome == Outcome::kDone);
  std::string d208 = FindingOf(r1.report, "AG-W01")->digest;
  REQUIRE(ActOn(*s, "town_t", kAgri, "return", "请再核实").outcome == Outcome::kDone);
  // An unchanged resubmission keeps its explanation.
  auto r2 = SubmitOne(*s, Agri("250.00"));
  INFO(r2.code << ": " << r2.message);
  REQUIRE(r2.outcome == Outcome::kDone);
  CHECK(FindingOf(r2.report, "AG-W01")->explained);
  REQUIRE(ActOn(*s, "town_t", kAgri, "return", "请再核实").outcome == Outcome::kDone);
  // Changed to 100.00 kg/mu, the old words carried over: refused, naming the warning.
  auto r3 = SubmitOne(*s, Agri("120.00"));
  CHECK(r3.outcome == Outcome::kRefused);
  CHECK(r3.code == "guard");
  CHECK(r3.message.find("AG-W01") != std::string::npos);
  const Finding* stale = FindingOf(r3.report, "AG-W01");
  REQUIRE(stale);
  CHECK_FALSE(stale->explained);
  CHECK(stale->stale_explanation);
  std::string d100 = stale->digest;
  CHECK(d100 != d208);
  CHECK(r3.message.find(d100) != std::string::npos);  // what to confirm with
  // Re-confirmed for the new values: it counts.
  auto r4 = SubmitOne(*s, Agri("120.00", kText, d100));
  INFO(r4.code << ": " << r4.message);
  CHECK(r4.outcome == Outcome::kDone);
  REQUIRE(ActOn(*s, "town_t", kAgri, "return", "请再核实").outcome == Outcome::kDone);
  // Changed again with new words: they count.
  auto r5 = SubmitOne(*s, Agri("110.00", "产量按实割实测重算"));
  INFO(r5.code << ": " << r5.message);
  CHECK(r5.outcome == Outcome::kDone);
  // A re-confirmation naming a digest of other values does not.
  REQUIRE(ActOn(*s, "town_t", kAgri, "return", "请再核实").outcome == Outcome::kDone);
  auto r6 = SubmitOne(*s, Agri("100.00", "产量按实割实测重算", d100));
  CHECK(r6.outcome == Outcome::kRefused);
  // The auditor reproduces every one of these reports and guards.
  auto v = s->Verify();
  INFO(v.problem);
  CHECK(v.ok);
  // The submission events record the report format.
  CHECK(QueryText(path, "SELECT count(*) FROM events WHERE body LIKE '%\"report_format\":2%'") != "0");
}

TEST_CASE("explanations: verify holds each revision to the report format it records", "[explanations][audit]") {
  fs::path dir = FreshDir("explain");
  std::string path;
  {
    auto s = NewStoreIn(dir, &path);
    REQUIRE(s->Release("region", "agri_village", "2021", kV, "")[0].outcome == Outcome::kDone);
    REQUIRE(SubmitOne(*s, Agri("250.00")).outcome == Outcome::kDone);
    REQUIRE(s->Verify().ok);
  }
  int64_t seq = LastSeqOf(path);
  std::string copy = (dir / "older.db").string();
  fs::copy_file(path, copy);
  // Claimed as format 1 after format-2 events: an old format slipped in.
  RechainEvent(copy, seq, [](Doc* b) {
    Doc* sub = const_cast<Doc*>(b->Find("submission"));
    for (size_t i = 0; i < sub->members.size(); ++i)
      if (sub->members[i].first == "report_format") sub->members.erase(sub->members.begin() + static_cast<long>(i));
  });
  {
    auto s = Store::Open(copy);
    REQUIRE(s.ok());
    // The forged revision is the first: nothing before it. It is then judged as format 1,
    // whose report has no digests, unlike the stored one.
    auto v = (*s)->Verify();
    CHECK_FALSE(v.ok);
    CHECK(v.first_bad_seq == seq);
    CHECK(v.problem.find("other findings") != std::string::npos);
  }
  std::string future = (dir / "future.db").string();
  fs::copy_file(path, future);
  RechainEvent(future, seq, [](Doc* b) { json::Set(const_cast<Doc*>(b->Find("submission")), "report_format", json::Int(9)); });
  auto s = Store::Open(future);
  REQUIRE(s.ok());
  auto v = (*s)->Verify();
  CHECK_FALSE(v.ok);
  CHECK(v.first_bad_seq == seq);
  CHECK(v.problem.find("unknown report format 9") != std::string::npos);
}

TEST_CASE("explanations: a store used in English stores Chinese reports and verifies", "[explanations][workflow]") {
  fs::path dir = FreshDir("explain");
  std::string path;
  NewStoreIn(dir, &path).reset();
  auto s = Store::Open(path, Lang::kEn);
  REQUIRE(s.ok());
  REQUIRE((*s)->Release("region", "agri_village", "2021", kV, "")[0].outcome == Outcome::kDone);
  auto r = SubmitOne(**s, Agri("250.00", ""));
  CHECK(r.outcome == Outcome::kRefused);  // an unexplained warning
  const Finding* w = FindingOf(r.report, "AG-W01");
  REQUIRE(w);
  // A draft with a field-level error is stored: its message is the caller's language in the
  // answer, and Chinese in the store, where the auditor makes it again.
  Envelope draft = Agri("250.00", "");
  SetField(&draft, "hogs_stock", "many");
  auto saved = (*s)->Submit("coord_v", {draft}, kAgri, true, "");
  REQUIRE(saved[0].outcome == Outcome::kDone);
  REQUIRE(saved[0].report);
  std::string shown = ReportToJson(*saved[0].report), stored = QueryText(path, "SELECT findings FROM submissions");
  CHECK(shown != stored);
  CHECK(stored.find("生猪年末存栏") != std::string::npos);
  CHECK(shown.find("生猪年末存栏") == std::string::npos);
  auto v = (*s)->Verify();
  INFO(v.problem);
  CHECK(v.ok);
}
