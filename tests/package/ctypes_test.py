"""The C API from Python, through ctypes alone, on the installed tree (tests/package/run.sh).

Usage: ctypes_test.py LIBGRIDSTAT VERSION PREFIX SOURCE_DIR DB
PREFIX holds the installed tree (bin/gridstat, share/gridstat/definitions/guangxi); DB is a
store made with the installed `gridstat init` from those definitions and examples/org.yaml.
Every check compares with what the installed CLI prints for the same input, or with a
fixed expectation; any mismatch exits 1.
"""
import ctypes
import json
import os
import subprocess
import sys

lib_path, version, prefix, source, db = sys.argv[1:6]
defs = os.path.join(prefix, "share/gridstat/definitions/guangxi")
examples = os.path.join(source, "examples")
cli = os.path.join(prefix, "bin/gridstat")
failures = 0


def check(ok, what):
    global failures
    if not ok:
        print("FAIL:", what, file=sys.stderr)
        failures += 1


# ---- the README's example, as it stands there --------------------------------------------
import ctypes, json
gs = ctypes.CDLL(lib_path)  # "libgridstat.so.0" once installed in the system
gs.gs_version.restype = ctypes.c_char_p
gs.gs_compile2.restype = gs.gs_validate.restype = ctypes.c_void_p
gs.gs_compile2.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]
gs.gs_validate.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p]
gs.gs_free.argtypes = [ctypes.c_void_p]
def take(p): s = ctypes.string_at(p).decode(); gs.gs_free(p); return s
program = gs.gs_compile2(defs.encode(), b"en", None)
batch = open(os.path.join(examples, "submissions/agri_2021.jsonl"), "rb").read()
reports = [json.loads(line) for line in take(gs.gs_validate(program, batch, len(batch), b"en")).splitlines()]
# ------------------------------------------------------------------------------------------

vp = ctypes.c_void_p
gs.gs_compile.restype = vp
gs.gs_compile.argtypes = [ctypes.c_char_p, ctypes.POINTER(vp)]
gs.gs_validate_with_previous.restype = vp
gs.gs_validate_with_previous.argtypes = [vp, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t,
                                         ctypes.c_char_p]
gs.gs_program_hash.restype = vp
gs.gs_program_hash.argtypes = [vp]
gs.gs_program_free.argtypes = [vp]
gs.gs_store_open.restype = vp
gs.gs_store_open.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(vp)]
gs.gs_store_close.argtypes = [vp]
for name in ("release", "submit", "act", "show", "inbox", "progress", "verify"):
    f = getattr(gs, "gs_store_" + name)
    f.restype = vp
    f.argtypes = [vp, ctypes.c_char_p]


def call(name, store, request):
    """A store call with a request (a dict, or bytes sent as they are); the result decoded."""
    body = request if isinstance(request, bytes) or request is None else json.dumps(request).encode()
    return json.loads(take(getattr(gs, "gs_store_" + name)(store, body)))


def run_cli(*args):
    r = subprocess.run([cli, *args], capture_output=True)
    return r.returncode, r.stdout.decode()


def lines(text):
    return [json.loads(x) for x in text.splitlines()]


# Version, compile, validate.
check(gs.gs_version().decode() == version, "gs_version() is %r, not %r" % (gs.gs_version(), version))
check(program is not None, "the installed definitions compile")
check(len(reports) == 7, "seven report lines, not %d" % len(reports))
statuses = {r["id"]: r["status"] for r in reports}
check(statuses == {"AG-2021-450123100201": "pass", "AG-2021-450123100202": "error",
                   "AG-2021-450123100203": "warning", "AG-2021-450123100204": "pass",
                   "AG-2021-450123100205": "error", "AG-2021-450123100206": "warning",
                   "AG-2021-450123100207": "error"}, "statuses: %s" % statuses)
check([f["rule"] for f in reports[6]["findings"]] == ["envelope"], "207 is no envelope")
check("AG-E01" in [f["rule"] for f in reports[1]["findings"]], "202 breaks AG-E01")
code, out = run_cli("validate", "--defs", defs, "--format", "json", "--lang", "en",
                    os.path.join(examples, "submissions/agri_2021.jsonl"))
def same_reports(ours, cli_lines):
    """The CLI names the input file in a malformed record's report; gs_validate names it <input>."""
    for r in cli_lines:
        if "file" in r:
            r["file"] = "<input>"
    return ours == cli_lines
check(code == 1 and same_reports(reports, lines(out)), "gs_validate gives what `gridstat validate --format json` prints")
zh = take(gs.gs_validate(program, batch, len(batch), None))
check("粮食播种面积" in zh, "lang NULL means Chinese")
check(len(take(gs.gs_program_hash(program))) == 64, "a program hash of 64 hex digits")

# Bad records and bad arguments are answers, not crashes.
broken = lines(take(gs.gs_validate(program, b"{broken\n[1,2\n\xff\xfe", 15, b"en")))
check(len(broken) == 3 and all(r["status"] == "error" for r in broken), "broken records are error lines: %s" % broken)
check(take(gs.gs_validate(None, b"{}", 2, b"en")) == "", "no program: nothing")
check(take(gs.gs_validate(program, None, 0, b"en")) == "", "no text: nothing")

# Compile errors come as diagnostics, in the language asked for.
diags = vp()
check(gs.gs_compile2(os.path.join(source, "tests/cli/broken").encode(), b"en", ctypes.byref(diags)) is None,
      "broken definitions do not compile")
d = lines(take(diags))
check(any(x["code"] == "unknown-name" and "rice_aera" in x["message"] for x in d), "unknown-name diagnostic: %s" % d)
check(gs.gs_compile2(b"/no/such/dir", b"zh", ctypes.byref(diags)) is None, "a missing directory")
check(lines(take(diags))[0]["code"] == "no-definitions", "a missing directory says so")
err = vp()
check(gs.gs_compile(None, ctypes.byref(err)) is None and err.value, "gs_compile(NULL) fails with diagnostics")
gs.gs_free(err)

# With the previous period, as `gridstat validate --previous`.
prev = open(os.path.join(examples, "submissions/agri_2020_accepted.jsonl"), "rb").read()
with_prev = lines(take(gs.gs_validate_with_previous(program, batch, len(batch), prev, len(prev), b"en")))
code, out = run_cli("validate", "--defs", defs, "--format", "json", "--lang", "en", "--previous",
                    os.path.join(examples, "submissions/agri_2020_accepted.jsonl"),
                    os.path.join(examples, "submissions/agri_2021.jsonl"))
check(same_reports(with_prev, lines(out)), "gs_validate_with_previous gives what `validate --previous` prints")
check([f["rule"] for f in with_prev[5]["findings"]] == ["AG-W01", "AG-W04"] and with_prev[5]["status"] == "warning",
      "206 has AG-W04 with the previous period: %s" % with_prev[5])
other = prev.replace(b'"1000.00"', b'"900.00"')
twice = prev + b"\n" + other
amb = lines(take(gs.gs_validate_with_previous(program, batch, len(batch), twice, len(twice), b"en")))
check(len(amb) == 1 and amb[0]["error"]["code"] == "ambiguous_previous"
      and amb[0]["error"]["conflicts"][0]["key"] == "450123100206", "ambiguous previous records refused: %s" % amb)
same = prev + b"\n" + prev
check(len(lines(take(gs.gs_validate_with_previous(program, batch, len(batch), same, len(same), b"en")))) == 7,
      "the same previous record twice is no ambiguity")
bad = b"{nope\n"
mal = lines(take(gs.gs_validate_with_previous(program, batch, len(batch), bad, len(bad), b"en")))
check(len(mal) == 1 and mal[0]["error"]["code"] == "malformed_previous" and mal[0]["error"]["line"] == 1,
      "a malformed previous record refused: %s" % mal)
check(len(lines(take(gs.gs_validate_with_previous(program, batch, len(batch), None, 0, b"en")))) == 7,
      "no previous text: gs_validate")

# The store.
err = vp()
check(gs.gs_store_open(b"/no/such/store.db", b"en", ctypes.byref(err)) is None, "no store at a missing path")
e = json.loads(take(err))
check(e["error"]["code"] in ("io", "invalid", "not_found") and e["error"]["message"], "the open error says why: %s" % e)
check(call("show", None, {"instance": "x"})["error"]["code"] == "bad_request", "a NULL store is a bad request")

store = gs.gs_store_open(db.encode(), b"en", None)
check(store is not None, "open the store")

r = call("release", store, {"actor": "region-45", "survey": "agri_village", "period": "2021",
                            "under": "450123100000", "request_id": "rel-1"})
check(r["outcome"] == "done" and len(r["results"]) >= 6 and r["warnings"] == []
      and all(x["outcome"] == "done" and x["changed"] and x["code"] == "" for x in r["results"]),
      "release: one instance per village: %s" % r)
ids = [x["instance"] for x in r["results"]]
check("agri_report/2021/450123100202" in ids, "released to 450123100202")
again = call("release", store, {"actor": "region-45", "survey": "agri_village", "period": "2021",
                                "under": "450123100000", "request_id": "rel-1"})
check(again["outcome"] == "done" and not any(x["changed"] for x in again["results"]), "nothing released twice: %s" % again)

def envelope(name):
    return json.load(open(os.path.join(examples, "workflow", name), encoding="utf-8"))

r = call("submit", store, {"actor": "coord-450123100202", "submissions": [envelope("agri-450123100202.json")]})
x = r["results"][0]
check(r["outcome"] == "refused" and x["code"] == "guard" and x["report"]["status"] == "error"
      and "AG-E01" in [f["rule"] for f in x["report"]["findings"]], "an erroneous report is refused: %s" % r)
r = call("submit", store, {"actor": "coord-450123100202", "submissions": envelope("agri-450123100202-fixed.json")})
x = r["results"][0]
check(r["outcome"] == "done" and x["instance"] == "agri_report/2021/450123100202" and x["report"]["status"] == "pass",
      "the fixed report is submitted: %s" % r)
r = call("submit", store, {"actor": "coord-450123100202", "submissions": [{"id": 1}]})
check(r["outcome"] == "refused" and r["results"][0]["instance"] == "submissions:1"
      and r["results"][0]["code"] == "envelope", "an unreadable envelope is refused: %s" % r)

approve = {"actor": "town-450123100", "instance": "agri_report/2021/450123100202", "action": "approve", "request_id": "a-1"}
r = call("act", store, approve)
check(r["outcome"] == "done" and r["results"][0]["code"] == "" and not r["results"][0]["repeated"],
      "the township approves: %s" % r)
r = call("act", store, approve)
check(r["outcome"] == "done" and r["results"][0]["repeated"], "a repeated request does nothing again: %s" % r)
r = call("act", store, {"actor": "town-450123100", "instances": ["agri_report/2021/450123100202"], "action": "approve"})
check(r["outcome"] == "refused" and r["results"][0]["code"] == "wrong_state", "not twice: %s" % r)
r = call("act", store, {"actor": "county-450123", "instances": ["agri_report/2021/450123100202"], "action": "accept",
                        "if_version": 0})
check(r["outcome"] == "conflict", "a stale version is a conflict: %s" % r)

inbox = call("inbox", store, {"as": "county-450123"})
check([i["id"] for i in inbox["items"]] == ["agri_report/2021/450123100202"]
      and "accept" in inbox["items"][0]["actions"], "the county's inbox: %s" % inbox)
code, out = run_cli("inbox", "--db", db, "--as", "county-450123", "--format", "json")
check(lines(out) == inbox["items"], "inbox items are the CLI's lines")

shown = call("show", store, {"instance": "agri_report/2021/450123100202"})
check(shown["state"] == "township_approved" and shown["submission"]["status"] == "pass", "show: %s" % shown.get("state"))
code, out = run_cli("show", "--db", db, "--lang", "en", "--format", "json", "agri_report/2021/450123100202")
check(json.loads(out) == shown, "show is the CLI's")
check(call("show", store, {"instance": "agri_report/2021/999"})["error"]["code"] == "not_found", "show: not found")

progress = call("progress", store, {"survey": "agri_village", "period": "2021", "under": "450123100000",
                                    "as_of": "2022-03-01"})
check(progress["total"] == len(ids), "progress counts every instance: %s" % progress)
code, out = run_cli("progress", "--db", db, "--lang", "en", "--format", "json", "--survey", "agri_village",
                    "--period", "2021", "--under", "450123100000", "--as-of", "2022-03-01")
check(json.loads(out) == progress, "progress is the CLI's")

verified = call("verify", store, None)
check(verified["ok"] and verified["events"] > 0 and verified["proved"] == "internal_consistency",
      "the store verifies: %s" % verified)
code, out = run_cli("audit", "verify", "--db", db, "--lang", "en", "--format", "json")
check(code == 0 and json.loads(out) == verified, "verify is the CLI's")

# Bad requests are error objects.
for name, request in [("act", b"{not json"), ("act", b"[1,2]"), ("act", {"actor": "x", "instance": "y"}),
                      ("act", {"actor": "x", "instance": "y", "action": "approve", "if_version": -1}),
                      ("act", {"actor": "x", "instance": "y", "action": "approve", "comentt": "typo"}),
                      ("release", {"actor": "region-45"}), ("submit", {"actor": "a", "submissions": "no"}),
                      ("show", {}), ("inbox", {"as": 45}), ("progress", {"survey": "s", "period": "p", "level": 9}),
                      ("verify", {"pubkey": "k"}), ("release", b"\xff\xfe"), ("show", b"{" * 100000)]:
    r = call(name, store, request)
    check(list(r) == ["error"] and r["error"]["code"] == "bad_request" and r["error"]["message"],
          "%s %.60r is a bad request: %s" % (name, request, r))
check(call("inbox", store, {"as": "nobody"})["error"]["code"] == "not_found", "inbox of no user")

gs.gs_store_close(store)
gs.gs_store_close(None)
gs.gs_program_free(program)
gs.gs_free(None)
print("ctypes (Python): %s" % ("FAILED" if failures else "ok"))
sys.exit(1 if failures else 0)
