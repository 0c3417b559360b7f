#!/usr/bin/env python3
"""Two builds of gridstat side by side in one run (make bench-compare BASE=<commit>).

  bench/compare.py BASE_BIN NEW_BIN [OUT_DIR] [ROUNDS]

BASE_BIN and NEW_BIN are the bin/ folders of two builds. The data is generated once (by
NEW_BIN's gridstat_gen); then every figure is measured ROUNDS times (default 5), the two
builds alternating within each round so that drift on a shared machine falls on both, and
the medians are compared. A figure whose new median is more than 5 % worse than the base's
is marked; the exit status is 1 when any is.

Figures: validate --format json on 100,000 basic_unit records (1 thread and --jobs 2) and
on 16,681 agri_village records; check of the shipped definitions (compile and reference
data); rule evaluation on decoded records (gridstat_eval_bench, engine seconds only).
"""
import json
import os
import statistics
import subprocess
import sys
import time

base_bin, new_bin = sys.argv[1], sys.argv[2]
out_dir = sys.argv[3] if len(sys.argv) > 3 else "build/bench-compare"
rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 5
src = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
defs = os.path.join(src, "definitions/guangxi")
os.makedirs(out_dir, exist_ok=True)

data = {}
for survey, count, seed in (("basic_unit", 100000, 1), ("agri_village", 16681, 2), ("pop_change", 20000, 3)):
    path = os.path.join(out_dir, survey + ".jsonl")
    if not os.path.exists(path):
        with open(path, "wb") as f:
            subprocess.run([os.path.join(new_bin, "gridstat_gen"), survey, str(count), str(seed)], stdout=f, check=True)
    data[survey] = path


def timed(argv):
    t = time.perf_counter()
    r = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - t
    if r.returncode not in (0, 1):  # validate exits 1 when a record has errors
        sys.exit(f"{' '.join(argv)}: exit {r.returncode}")
    return elapsed


def eval_seconds(bin_dir, survey):
    r = subprocess.run([os.path.join(bin_dir, "gridstat_eval_bench"), data[survey], "-", "1"],
                       capture_output=True, text=True, check=True)
    d = json.loads(r.stdout.strip().splitlines()[0])
    if d["mismatches"]:
        sys.exit(f"{bin_dir}: the evaluator disagrees with the hand-written catalogue on {survey}")
    return d["engine_s"]


figures = {
    "validate_basic_unit_1thread_s": lambda b: timed([b + "/gridstat", "validate", "--defs", defs, "--format", "json", data["basic_unit"]]),
    "validate_basic_unit_jobs2_s": lambda b: timed([b + "/gridstat", "validate", "--defs", defs, "--format", "json", "--jobs", "2", data["basic_unit"]]),
    "validate_agri_village_1thread_s": lambda b: timed([b + "/gridstat", "validate", "--defs", defs, "--format", "json", data["agri_village"]]),
    "check_shipped_s": lambda b: timed([b + "/gridstat", "check", defs]),
    "eval_basic_unit_s": lambda b: eval_seconds(b, "basic_unit"),
    "eval_agri_village_s": lambda b: eval_seconds(b, "agri_village"),
    "eval_pop_change_s": lambda b: eval_seconds(b, "pop_change"),
}

samples = {k: {"base": [], "new": []} for k in figures}
for r in range(rounds):
    for name, fn in figures.items():
        order = (("base", base_bin), ("new", new_bin)) if r % 2 == 0 else (("new", new_bin), ("base", base_bin))
        for which, b in order:
            samples[name][which].append(fn(b))
    print(f"round {r + 1}/{rounds} done", file=sys.stderr)

worse = 0
results = {}
print(f"{'figure':36} {'base':>10} {'new':>10} {'new/base':>9}")
for name in figures:
    base = statistics.median(samples[name]["base"])
    new = statistics.median(samples[name]["new"])
    ratio = new / base
    mark = ""
    if ratio > 1.05:
        mark = "  more than 5 % slower"
        worse += 1
    results[name] = {"base": base, "new": new, "ratio": round(ratio, 4)}
    print(f"{name:36} {base:10.4f} {new:10.4f} {ratio:9.3f}{mark}")
with open(os.path.join(out_dir, "compare.json"), "w") as f:
    json.dump({"rounds": rounds, "figures": results}, f, indent=1)
sys.exit(1 if worse else 0)
