/* The C API, for servers written in other languages: load libgridstat.so.0 from Python
 * (ctypes), Go (cgo), Java (JNA, FFM) or Node (ffi), or link it from C.
 *
 *   char* diags = NULL;
 *   gs_program* p = gs_compile2("/usr/share/gridstat/definitions/guangxi", "en", &diags);
 *   gs_free(diags);                                     // NULL, or the diagnostics
 *   char* report = gs_validate(p, json, len, "zh");     // one report line per record
 *   ...; gs_free(report); gs_program_free(p);
 *
 *   gs_store* s = gs_store_open("grid.db", "zh", &diags);
 *   char* r = gs_store_act(s, "{\"actor\":\"town-450123100\","
 *                             "\"instances\":[\"agri_report/2021/450123100202\"],\"action\":\"approve\"}");
 *   ...; gs_free(r); gs_store_close(s);
 *
 * Conventions, the same for every function:
 * - Text in and out is UTF-8 JSON. Lists of records (diagnostics, validation reports) are
 *   JSON Lines, as `gridstat ... --format json` prints them; every store call takes one JSON
 *   object (its request, documented below) and returns one JSON object.
 * - A store call that cannot be carried out returns {"error":{"code":C,"message":M}} and
 *   nothing else; a result that is not an error never has an "error" member. The codes:
 *     bad_request  the request is not JSON, not an object, lacks a member, has a member of
 *                  the wrong type or one not documented here (so a misspelt member is
 *                  never ignored), or the store handle is NULL
 *     not_found    no such instance (show) or user
 *     invalid, io, internal   the store could not do it (a broken or unreadable file, a bug)
 *   A refused action is not an error: it is a result with outcome "refused". In a request,
 *   a member set to null is the same as one left out.
 * - `lang` is "en" for English messages; NULL or anything else means Chinese ("zh").
 * - Every string returned is the caller's, to be released with gs_free, exactly once;
 *   gs_free(NULL) does nothing. A function that returns a string returns NULL only when
 *   memory runs out.
 * - No function throws, aborts or reads outside what it was given on bad input: bad records
 *   become report lines, bad requests become error objects. NULL for a string argument is
 *   taken as empty.
 * - A gs_program is immutable: share it between threads freely. A gs_store is not
 *   thread-safe: use each one from one thread at a time (open one per thread; SQLite
 *   serialises writers across handles and processes).
 *
 * Every function here is kept, with its meaning, for as long as the library's major version
 * (the 0 of libgridstat.so.0) stays; members may be added to results, never removed.
 */
#ifndef GRIDSTAT_C_API_H_
#define GRIDSTAT_C_API_H_

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gs_program gs_program;
typedef struct gs_store gs_store;

/* The version of the library loaded, "0.9.0" (GRIDSTAT_VERSION of gridstat/version.h is
 * the version of the headers compiled against). A static string: do not free it. */
const char* gs_version(void);

/* ---- definitions and validation -------------------------------------------------------- */

/* Compiles a definitions directory. On failure returns NULL and, when `error` is not
 * NULL, sets it to the diagnostics as JSON Lines, in English (release with gs_free). */
gs_program* gs_compile(const char* definitions_dir, char** error);

/* Compiles a definitions directory, with its diagnostics in `lang`. Returns NULL when the
 * definitions have errors. When `diagnostics` is not NULL it is set, success or not, to every
 * diagnostic (warnings included) as JSON Lines, one object per line as `gridstat check
 * --format json` prints them:
 *   {"code":"unknown-name","col":35,"file":"...","hint":"...","line":10,"message":"...","severity":"error"}
 * or to NULL when there is none. */
gs_program* gs_compile2(const char* definitions_dir, const char* lang, char** diagnostics);

/* Validates submissions (a JSON object, an array or JSON Lines, as `gridstat validate`
 * reads them) and returns the report lines of `gridstat validate --format json`, one per
 * record, in input order:
 *   {"findings":[{"explained":false,"fields":[...],"message":"...","rule":"AG-E01","severity":"error"}],
 *    "id":"AG-2021-450123100202","status":"error","survey":"agri_village"}
 * `lang` is "zh" or "en" (NULL means "zh"). Returns NULL only when out of memory. */
char* gs_validate(const gs_program* program, const char* text, size_t length, const char* lang);

/* gs_validate with earlier periods' submissions for cross-period rules (prev()), as
 * `gridstat validate --previous` takes them: `previous_text` (a JSON object, an array or JSON
 * Lines) holds records taken as accepted, as they stand, without being validated. With
 * `previous_text` NULL it is gs_validate. Nothing is validated, and the one line returned is
 *   {"error":{"code":"ambiguous_previous","message":M,"conflicts":[{"survey":S,"period":P,"key":K,
 *             "first":"<previous>:LINE","second":"<previous>:LINE"},...]}}
 * when two different previous records hold one survey, record key and period (which one
 * was accepted cannot be told; the first 20 such pairs are listed; an identical repeat is
 * no conflict), or
 *   {"error":{"code":"malformed_previous","message":M,"line":LINE}}
 * when a previous record cannot be read as a submission (the CLI skips it with a warning; a
 * library has no stderr to warn on, so it refuses). A report line never has an "error" member. */
char* gs_validate_with_previous(const gs_program* program, const char* text, size_t length,
                                const char* previous_text, size_t previous_length, const char* lang);

/* What gs_validate_file hands on for each record: `line` is its report line, as gs_validate
 * gives it, with its newline and NUL-terminated; `length` counts its bytes without the NUL. It
 * is valid during the call only. `context` is gs_validate_file's. */
typedef void (*gs_report_fn)(const char* line, size_t length, void* context);

/* Validates the submissions in a file of any size (a JSON object, an array, JSON Lines, or YAML
 * by its extension .yaml/.yml; "-" is standard input) as `gridstat validate FILE --format json`
 * does, on `threads` threads (1: the calling thread alone; 0: one per processor), reading the
 * file as it goes, so that memory stays bounded however large it is (gridstat::ValidateFiles in
 * validate.h says how). Each report line goes to `emit`, in input order whatever the threads,
 * on the calling thread, one call at a time; `emit` may be NULL for the counts alone.
 * Cross-period rules see no earlier report. Returns the number of records and of reports per
 * status:
 *   {"records":7,"status":{"error":2,"pass":3,"warning":2}}
 * or, when the file cannot be read (from the start, or from some point on: the reports of the
 * records read before it were handed on), {"error":{"code":"io","message":M}} (the code as
 * for the store calls), and {"error":{"code":"bad_request",...}} for a NULL program. */
char* gs_validate_file(const gs_program* program, const char* path, int threads, const char* lang,
                       gs_report_fn emit, void* context);

/* The SHA-256 of every file the program was built from (release with gs_free). */
char* gs_program_hash(const gs_program* program);

void gs_program_free(gs_program* program);

/* ---- the store ------------------------------------------------------------------------ */

/* Opens an existing store (one made by `gridstat init`), its messages in `lang`. On failure
 * returns NULL and, when `error` is not NULL, sets it to {"error":{"code":C,"message":M}}. */
gs_store* gs_store_open(const char* path, const char* lang, char** error);
void gs_store_close(gs_store* store);

/* The commands: release, submit, act. Each is one transaction, and refused attempts are
 * recorded in the event log as the CLI's are. The result:
 *   {"outcome":O,"results":[R,...],"warnings":[W,...]}
 * with one R per instance touched (or refused):
 *   {"instance":"agri_report/2021/450123100202","outcome":O,"code":C,"message":M,
 *    "changed":true,"repeated":false,"report":REPORT or null}
 * Each R is, byte for byte, a line `gridstat ... --format json` prints for that result (both
 * come from gridstat::ActionResultJson in store.h), and every member is always there.
 * O is "done", "refused", "conflict" (stale version, busy store) or "error" (it could not
 * run: an unreadable input, a storage error); the top-level O is the gravest of the results'
 * ("error", then "conflict", then "refused"; "done" when there are none), as the CLI's exit
 * code is. An "error" was called "cannot_run" before the CLI and the C API came to share one
 * form: a caller that matched "cannot_run" must match "error" now. C is "" when done, else
 * why (no_user, no_access, no_permission, wrong_state, guard, ...); M is in the store's
 * language, "" when there is nothing to say; the instance is "" when the result concerns
 * none. "changed": an instance was created or moved; "repeated": the request id was seen
 * before and nothing happened again. REPORT is a submission's validation report, a report
 * line of gs_validate (its members sorted), or null. W: problems met after the command was
 * committed (an automatic checkpoint not written), which never undo it. */

/* {"actor":"region-45","survey":"agri_village","period":"2021","under":"450123100000",
 *  "request_id":"..."}                 request_id optional: a repeat does nothing again */
char* gs_store_release(gs_store* store, const char* request);

/* {"actor":"coord-450123100202","submissions":[ENVELOPE,...],"instance":"...","draft":false,
 *  "request_id":"..."}
 * "submissions": envelopes as gridstat validate reads them ({"id","survey","period",
 * "division","data",...}), an array or one object; instance, draft and request_id optional.
 * The N-th envelope (from 1) is named "submissions:N" where a file's record would be named
 * FILE:LINE. One that cannot be read gets a result {"instance":"submissions:N","outcome":
 * "refused","code":"envelope",...}, recorded as the CLI records an unreadable record; the
 * others go on. A request is at most 4 MiB: send a larger batch in several calls. */
char* gs_store_submit(gs_store* store, const char* request);

/* {"actor":"town-450123100","instances":["agri_report/2021/450123100202"],"action":"approve",
 *  "comment":"...","target":"450123101000","if_version":3,"request_id":"..."}
 * "instance":"..." may stand for a one-element "instances"; comment, target (the
 * jurisdiction of move_out and the like), if_version (act only at this version, 0 or more)
 * and request_id optional. */
char* gs_store_act(gs_store* store, const char* request);

/* The queries. Each returns what `gridstat <command> --format json` prints (doc/store.md
 * lists the members), as one object. */

/* {"instance":"agri_report/2021/450123100202","as":"town-450123100"}   as optional: see only
 * what that user may see. Returns the instance: state, latest submission, figures, history. */
char* gs_store_show(gs_store* store, const char* request);

/* {"as":"town-450123100"}  Returns {"items":[ITEM,...]}, what awaits that user, each ITEM a
 * line of `gridstat inbox --format json` ({"id","state","actions",...}). */
char* gs_store_inbox(gs_store* store, const char* request);

/* {"survey":"agri_village","period":"2021","under":"450123100000","level":4,
 *  "as_of":"2022-03-01","as":"county-450123"}
 * under, level (the division level to group by, 1-5, as `gridstat progress --by`; 0 or
 * absent: the level below `under`), as_of (YYYY-MM-DD, Asia/Shanghai; absent: today) and
 * as optional. Returns the counts per
 * jurisdiction and state, and the overdue ({"survey","period","as_of","total","by_division",
 * "overdue",...}). */
char* gs_store_progress(gs_store* store, const char* request);

/* {} or {"checkpoint":"cp.json","pubkey":"pub.pem"} or {"checkpoint_dir":"...","pubkey":"..."}
 * Verifies the hash chain, states and findings (and a signed checkpoint when given; with
 * neither, the store's configured auto-checkpoint directory when there is one); NULL or ""
 * is {}. Returns what `gridstat audit verify --format json` prints:
 *   {"ok":true,"events":43,"instances":20,"submissions":6,"first_bad_seq":null,"problem":null,
 *    "cannot_run":false,"proved":"internal_consistency","checkpoint":null,"note":null}
 * A verification that fails is a result ("ok":false), not an error. */
char* gs_store_verify(gs_store* store, const char* request);

void gs_free(char* s);

#ifdef __cplusplus
}
#endif

#endif /* GRIDSTAT_C_API_H_ */
