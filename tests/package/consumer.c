/* An embedder in C, built against the installed tree through pkg-config (tests/package/run.sh):
 * compiles the installed definitions and validates a batch.
 * Usage: consumer VERSION DEFINITIONS_DIR BATCH_FILE */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gridstat/c_api.h>
#include <gridstat/version.h>

static int failures = 0;
#define CHECK(cond, ...)                                   \
  do {                                                     \
    if (!(cond)) {                                         \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
      fprintf(stderr, __VA_ARGS__);                        \
      fprintf(stderr, "\n");                               \
      ++failures;                                          \
    }                                                      \
  } while (0)

static char* ReadFile(const char* path, size_t* size) {
  FILE* f = fopen(path, "rb");
  if (!f) return NULL;
  char* buf = NULL;
  size_t cap = 0, n = 0, got;
  do {
    if (n + 4096 > cap) {
      cap = cap * 2 + 4096;
      buf = realloc(buf, cap);
      if (!buf) { fclose(f); return NULL; }
    }
    got = fread(buf + n, 1, cap - n, f);
    n += got;
  } while (got > 0);
  fclose(f);
  *size = n;
  return buf;
}

static size_t Count(const char* s, const char* what) {
  size_t n = 0;
  for (const char* p = s; (p = strstr(p, what)) != NULL; p += strlen(what)) ++n;
  return n;
}

int main(int argc, char** argv) {
  if (argc != 4) { fprintf(stderr, "usage: consumer VERSION DEFINITIONS_DIR BATCH_FILE\n"); return 2; }
  CHECK(strcmp(gs_version(), argv[1]) == 0, "gs_version() is %s, not %s", gs_version(), argv[1]);
  CHECK(strcmp(GRIDSTAT_VERSION, argv[1]) == 0, "GRIDSTAT_VERSION is %s, not %s", GRIDSTAT_VERSION, argv[1]);
  CHECK(GRIDSTAT_VERSION_MAJOR == 0 && GRIDSTAT_VERSION_MINOR == 9, "version macros %d.%d", GRIDSTAT_VERSION_MAJOR,
        GRIDSTAT_VERSION_MINOR);

  char* diags = (char*)"unset";
  gs_program* p = gs_compile2(argv[2], "en", &diags);
  CHECK(p != NULL, "the installed definitions do not compile: %s", diags ? diags : "(no diagnostics)");
  if (!p) return 1;
  gs_free(diags);

  size_t size = 0;
  char* batch = ReadFile(argv[3], &size);
  CHECK(batch != NULL, "cannot read %s", argv[3]);
  if (!batch) return 1;
  char* report = gs_validate(p, batch, size, "en");
  CHECK(report != NULL, "gs_validate returned NULL");
  if (report) {
    /* examples/submissions/agri_2021.jsonl: seven records; 202 breaks AG-E01, 205 AG-E03, 207
     * is no envelope; without the previous period, AG-W04 (206) cannot fire. */
    CHECK(Count(report, "\n") == 7, "%zu report lines, not 7:\n%s", Count(report, "\n"), report);
    CHECK(Count(report, "\"status\":\"error\"") == 3, "not 3 errors:\n%s", report);
    CHECK(Count(report, "\"status\":\"warning\"") == 2, "not 2 warnings:\n%s", report);
    CHECK(strstr(report, "\"rule\":\"AG-E01\"") != NULL, "no AG-E01:\n%s", report);
    CHECK(strstr(report, "\"rule\":\"AG-W04\"") == NULL, "AG-W04 without a previous period:\n%s", report);
  }
  gs_free(report);

  /* With the previous period, AG-W04 fires for 206 (1400 t against 1000 t). */
  const char* previous =
      "{\"id\":\"AG-2020-450123100206\",\"survey\":\"agri_village\",\"period\":\"2020\",\"division\":\"450123100206\","
      "\"data\":{\"grain_output\":\"1000.00\"}}";
  report = gs_validate_with_previous(p, batch, size, previous, strlen(previous), "en");
  CHECK(report && Count(report, "\"rule\":\"AG-W04\"") == 1, "AG-W04 once with the previous period:\n%s",
        report ? report : "(null)");
  gs_free(report);

  /* Bad input is a report line, never a crash. */
  report = gs_validate(p, "{broken", 7, "en");
  CHECK(report && strstr(report, "\"rule\":\"envelope\"") && Count(report, "\n") == 1, "broken record:\n%s",
        report ? report : "(null)");
  gs_free(report);
  gs_free(batch);
  gs_program_free(p);
  printf("consumer (C): %s\n", failures ? "FAILED" : "ok");
  return failures ? 1 : 0;
}
