// The organisation file (org.yaml): parsed and checked against the shipped division
// tree and roles, the way `gridstat init` and `gridstat org update` load it.
//
// Invariant checked: an organisation that loads survives the trip through its
// canonical JSON (what the org event and the audit export record) unchanged, since
// the audit verifier compares the two.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "common/json.h"
#include "fuzz/fuzz_common.h"
#include "gridstat/engine.h"
#include "gridstat/validate.h"
#include "store/store_impl.h"

using namespace gridstat;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const compile::Program& program = *fuzz::Shipped();
  static const std::string path = fuzz::ScratchDir() + "/org.yaml";
  fuzz::WriteOrExit(path, std::string(reinterpret_cast<const char*>(data), size));

  auto org = store::LoadOrg(path, program, size % 2 ? Lang::kEn : Lang::kZh);
  if (!org.ok()) return 0;
  std::string canonical = json::Canonical(store::OrgToDoc(*org));
  auto doc = ParseJsonDocument(canonical);
  if (!doc.ok()) fuzz::Fail("the organisation's canonical JSON does not parse (" + doc.status().message() + "): " + canonical);
  if (json::Canonical(*doc) != canonical) fuzz::Fail("the organisation's JSON is not canonical: " + canonical);
  std::string again = json::Canonical(store::OrgToDoc(store::OrgFromDoc(*doc)));
  if (again != canonical) fuzz::Fail("the organisation changed on its way through JSON:\n" + canonical + "\n" + again);
  return 0;
}
