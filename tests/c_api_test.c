/* The C API from C: compile, validate, release. */
#include <stdio.h>
#include <string.h>

#include "gridstat/c_api.h"

int main(int argc, char** argv) {
  char* err = NULL;
  if (gs_compile("/no/such/dir", &err) != NULL || err == NULL || strstr(err, "no-definitions") == NULL) {
    fprintf(stderr, "FAIL: a missing directory must fail with a diagnostic\n");
    return 1;
  }
  gs_free(err);
  gs_program* p = gs_compile(argv[1], &err);
  if (!p) { fprintf(stderr, "FAIL: compile: %s\n", err ? err : ""); return 1; }
  const char* in =
      "{\"id\":\"c1\",\"survey\":\"basic_unit\",\"period\":\"2024-06\",\"division\":\"450102001003\",\"data\":{\"uscc\":\"91450102MA5L0001XA\"}}\n"
      "{broken\n";
  char* report = gs_validate(p, in, strlen(in), "en");
  int ok = report && strstr(report, "\"id\":\"c1\"") && strstr(report, "\"rule\":\"BU-E01\"") && strstr(report, "\"rule\":\"envelope\"");
  char* hash = gs_program_hash(p);
  ok = ok && hash && strlen(hash) == 64;
  if (!ok) fprintf(stderr, "FAIL: report was:\n%s\n", report ? report : "(null)");
  gs_free(report);
  gs_free(hash);
  gs_program_free(p);
  printf("%d passed, %d failed\n", ok ? 1 : 0, ok ? 0 : 1);
  return ok ? 0 : 1;
}
