/* The C API, for servers written in other languages.
 *
 *   char* err = NULL;
 *   gs_program* p = gs_compile("definitions/guangxi", &err);   // NULL on failure; err explains
 *   char* report = gs_validate(p, json, len, "zh");           // one report line per record
 *   ...; gs_free(report); gs_program_free(p);
 *
 * A gs_program is immutable and may be used from many threads at once. Every string the
 * library returns is the caller's, to be released with gs_free. No function aborts or
 * throws on bad input: bad records become report lines.
 */
#ifndef GRIDSTAT_C_API_H_
#define GRIDSTAT_C_API_H_

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gs_program gs_program;

/* Compiles a definitions directory. On failure returns NULL and, when `error` is not
 * NULL, sets it to the diagnostics as JSON Lines (release with gs_free). */
gs_program* gs_compile(const char* definitions_dir, char** error);

/* Validates submissions (a JSON object, an array or JSON Lines, as `gridstat validate`
 * reads them) and returns the report lines of `gridstat validate --format json`, one per
 * record, in input order. `lang` is "zh" or "en" (NULL means "zh"). Returns NULL only
 * when out of memory. */
char* gs_validate(const gs_program* program, const char* text, size_t length, const char* lang);

/* The SHA-256 of every file the program was built from (release with gs_free). */
char* gs_program_hash(const gs_program* program);

void gs_program_free(gs_program* program);
void gs_free(char* s);

#ifdef __cplusplus
}
#endif

#endif /* GRIDSTAT_C_API_H_ */
