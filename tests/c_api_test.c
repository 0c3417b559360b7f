/* The C API from C: compile, validate, release; with a store (argv[2], made by gridstat init),
 * the store calls and bad requests, so that the sanitizer run goes through them too.
 *
 * A result of release, submit and act has the form of the CLI's --format json lines, every
 * member always there (strings "" when empty, "report" null without a report), and its
 * outcome is one of done, refused, conflict and error: "error" was "cannot_run" before the
 * CLI and the C API came to share one form (gridstat::ActionResultJson). */
#include <stdio.h>
#include <string.h>

#include "gridstat/c_api.h"
#include "gridstat/version.h"

/* Calls a store function with `request` and checks that the result contains `want`. */
static int Expect(const char* what, char* result, const char* want) {
  int ok = result && strstr(result, want);
  if (!ok) fprintf(stderr, "FAIL: %s: wanted %s in:\n%s\n", what, want, result ? result : "(null)");
  gs_free(result);
  return ok;
}

/* gs_validate_file's callback: counts the lines, keeps the first, and checks that each is one
 * NUL-terminated line with its newline. */
struct Lines {
  int count, bad;
  char first[512];
};

static void Collect(const char* line, size_t length, void* context) {
  struct Lines* l = context;
  if (l->count++ == 0) snprintf(l->first, sizeof l->first, "%s", line);
  if (length == 0 || line[length] != '\0' || line[length - 1] != '\n' || strchr(line, '\n') != line + length - 1) l->bad++;
}

static int StoreCalls(const char* db) {
  int ok = 1;
  char* err = NULL;
  ok &= gs_store_open("/no/such/dir/x.db", "en", &err) == NULL && Expect("open a missing store", err, "\"error\":{");
  ok &= Expect("a NULL store", gs_store_show(NULL, "{}"), "\"code\":\"bad_request\"");
  gs_store* s = gs_store_open(db, "en", &err);
  if (!s) { fprintf(stderr, "FAIL: open %s: %s\n", db, err ? err : ""); gs_free(err); return 0; }
  ok &= Expect("release", gs_store_release(s, "{\"actor\":\"region-45\",\"survey\":\"agri_village\",\"period\":\"2021\","
                                              "\"under\":\"450123100000\"}"),
               "{\"changed\":true,\"code\":\"\",\"instance\":\"agri_report/2021/450123100202\",\"message\":\"\","
               "\"outcome\":\"done\",\"repeated\":false,\"report\":null}");
  ok &= Expect("act refused", gs_store_act(s, "{\"actor\":\"town-450123100\",\"instance\":\"agri_report/2021/450123100202\","
                                              "\"action\":\"approve\"}"),
               "\"outcome\":\"refused\"");
  ok &= Expect("submit an unreadable envelope", gs_store_submit(s, "{\"actor\":\"coord-450123100202\",\"submissions\":[{}]}"),
               "\"instance\":\"submissions:1\"");
  ok &= Expect("show", gs_store_show(s, "{\"instance\":\"agri_report/2021/450123100202\",\"as\":null}"),
               "\"state\":\"released\"");
  ok &= Expect("show nothing", gs_store_show(s, "{\"instance\":\"none\"}"), "\"code\":\"not_found\"");
  ok &= Expect("inbox", gs_store_inbox(s, "{\"as\":\"coord-450123100202\"}"), "\"items\":[{");
  ok &= Expect("progress", gs_store_progress(s, "{\"survey\":\"agri_village\",\"period\":\"2021\",\"level\":4}"),
               "\"by_division\"");
  ok &= Expect("verify", gs_store_verify(s, NULL), "\"ok\":true");
  const char* bad[] = {"{", "[]", "1", "\"x\"", "{\"actor\":1}", "{\"actor\":\"a\",\"instances\":[1],\"action\":\"b\"}",
                       "{\"actor\":\"a\",\"instance\":\"i\",\"action\":\"b\",\"if_version\":1.5}",
                       "{\"actor\":\"a\",\"instance\":\"i\",\"action\":\"b\",\"if_version\":99999999999999999999}",
                       "{\"actor\":\"a\",\"actor\":\"a\"}", "{\"actor\":\"a\",\"x\":{}}", "\xff"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i)
    ok &= Expect(bad[i], gs_store_act(s, bad[i]), "\"code\":\"bad_request\"");
  gs_store_close(s);
  return ok;
}

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
  ok = ok && strcmp(gs_version(), GRIDSTAT_VERSION) == 0;
  const char* prev =
      "{\"id\":\"p\",\"survey\":\"agri_village\",\"period\":\"2020\",\"division\":\"450123100206\",\"data\":{}}\n"
      "{\"id\":\"q\",\"survey\":\"agri_village\",\"period\":\"2020\",\"division\":\"450123100206\",\"data\":{}}\n";
  ok = ok && Expect("ambiguous previous", gs_validate_with_previous(p, in, strlen(in), prev, strlen(prev), "en"),
                    "\"code\":\"ambiguous_previous\"");
  ok = ok && Expect("previous", gs_validate_with_previous(p, in, strlen(in), prev, strlen(prev) / 2 + 1, "en"),
                    "\"code\":\"malformed_previous\"");
  char path[4096];
  snprintf(path, sizeof path, "%s/../../examples/submissions/agri_2021.jsonl", argv[1]);
  struct Lines lines = {0, 0, ""};
  ok = ok && Expect("validate a file", gs_validate_file(p, path, 2, "en", Collect, &lines), "{\"records\":7,\"status\":{");
  ok = ok && lines.count == 7 && lines.bad == 0 && strstr(lines.first, "\"id\":\"AG-2021-450123100201\"") != NULL;
  ok = ok && Expect("validate a file, counts only", gs_validate_file(p, path, 0, "zh", NULL, NULL), "\"records\":7");
  ok = ok && Expect("an unreadable file", gs_validate_file(p, "/no/such/file.jsonl", 1, "en", NULL, NULL), "{\"error\":{");
  ok = ok && Expect("no program", gs_validate_file(NULL, path, 1, "en", NULL, NULL), "\"code\":\"bad_request\"");
  char* diags = NULL;
  ok = ok && gs_compile2("/no/such/dir", "zh", &diags) == NULL && Expect("compile2", diags, "no-definitions");
  if (argc > 2) ok = StoreCalls(argv[2]) && ok;
  if (!ok) fprintf(stderr, "FAIL: report was:\n%s\n", report ? report : "(null)");
  gs_free(report);
  gs_free(hash);
  gs_program_free(p);
  printf("%d passed, %d failed\n", ok ? 1 : 0, ok ? 0 : 1);
  return ok ? 0 : 1;
}
