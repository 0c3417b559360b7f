#!/usr/bin/env python3
"""The house rules of the source tree, checked (ctest `layout`):

1. A stage includes only its own headers, the public ones (gridstat/) and those of the
   stages it declares in CMakeLists.txt (build/stages.txt, written by CMake).
2. Namespaces follow folders: a stage's own declarations are in gridstat::<stage>; the
   public API is implemented in namespace gridstat; common/ is the shared vocabulary, in
   namespace gridstat itself (and gridstat::json).
3. No product source file is longer than 800 lines, except the catalogue's table
   (common/messages.cc), which is data: one entry a line, and one table by design.
4. Message text lives in the catalogue (common/messages.cc) only: no other product source
   holds a string literal with Chinese in it, except the command's help (cli/help.cc),
   which is usage text and not a message.
5. Every message key that the sources pass to the functions that take one (Message,
   MessageBoth, Failure, the stages' Msg, Err, Warn, MakeDiag ...) is in the catalogue.
"""
import os
import re
import sys

root, stages_file = sys.argv[1], sys.argv[2]
MAX_LINES = 800
deps = {}
for line in open(stages_file, encoding="utf-8"):
    name, _, rest = line.strip().partition(":")
    if name:
        deps[name] = set(rest.split())
folders = list(deps)
problems = []

include_re = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/[^"]+"', re.M)
ns_re = re.compile(r'^\s*namespace\s+(gridstat(?:::[a-z_]+)*)\s*\{', re.M)
cjk_literal_re = re.compile(r'"(?:[^"\\\n]|\\.)*[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef](?:[^"\\\n]|\\.)*"')
# The functions that take a catalogue key: the first string literal of the call (on the
# same line) that looks like a key is one.
key_use_re = re.compile(r'\b(?:Message|MessageBoth|Msg|Err|ErrText|Warn|MakeDiag|MakeDiagText|Failure|StatusIn)\(([^;]*)')
key_literal_re = re.compile(r'(?<!\{)(?<!== )"([a-z][a-z0-9_-]*(?:/[a-z0-9_.-]+)?)"')
catalogue_text = open(os.path.join(root, "common/messages.cc"), encoding="utf-8").read()
catalogue_keys = set(re.findall(r'^\s*\{"([^"]+)",\s*k', catalogue_text, re.M))

def MessageCodeOnly(literal):
    # Refuse(id, actor, user, action, "code", message...) passes a code before the message:
    # a code is fine when some key starts with it.
    return not any(k == literal or k.startswith(literal + "/") for k in catalogue_keys)


def strip_comments(text):
    text = re.sub(r'/\*.*?\*/', lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    return re.sub(r'//[^\n]*', "", text)

for stage in folders:
    base = os.path.join(root, stage)
    if not os.path.isdir(base):
        problems.append(f"{stage}/: declared in CMakeLists.txt but missing")
        continue
    for name in sorted(os.listdir(base)):
        if not name.endswith((".cc", ".h")):
            continue
        rel = f"{stage}/{name}"
        text = open(os.path.join(base, name), encoding="utf-8").read()
        lines = text.count("\n")
        if lines > MAX_LINES and rel != "common/messages.cc":
            problems.append(f"{rel}: {lines} lines (at most {MAX_LINES})")
        code = strip_comments(text)
        for m in include_re.finditer(code):
            used = m.group(1)
            if used in ("gridstat", stage) or used not in deps:
                continue
            if used not in deps[stage]:
                problems.append(f"{rel}: includes {used}/, which stage {stage} does not declare")
        for m in ns_re.finditer(code):
            ns = m.group(1)
            allowed = {"gridstat", f"gridstat::{stage}"}
            if stage == "common":
                allowed.add("gridstat::json")
            if ns not in allowed:
                problems.append(f"{rel}: namespace {ns} in folder {stage}/")
        if rel not in ("common/messages.cc", "cli/help.cc"):
            for i, l in enumerate(code.split("\n"), 1):
                if cjk_literal_re.search(l):
                    problems.append(f"{rel}:{i}: message text outside the catalogue: {l.strip()[:80]}")
        for m in key_use_re.finditer(code):
            k = key_literal_re.search(m.group(1).split("\n")[0])
            if k and k.group(1) not in catalogue_keys and MessageCodeOnly(k.group(1)):
                problems.append(f"{rel}: message key '{k.group(1)}' is not in the catalogue")

for p in problems:
    print(p)
print(f"layout: {len(problems)} problem(s) in {len(folders)} stages")
sys.exit(1 if problems else 0)
