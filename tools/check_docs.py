#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Runs the examples of a guide and fails where the guide no longer says
what the tree does.

  check_docs.py SOURCE_ROOT KVMSIM GUIDE.md

Fenced blocks, by their info string:
  ```console          "$ command" lines, each followed by what it prints
                      (stdout and stderr); a line "..." stands for any lines.
                      Every command must exit 0 (a guide that shows a
                      failure shows its status: "...; echo exit $?").
  ```json file=NAME   written to NAME in the scratch directory the commands
                      run in, before the commands after it.
  ```LANG from=PATH   every line but "..." is a line of PATH (in the source
                      tree), in this order: the code the guide shows is the
                      code there is.
Commands run in a scratch directory where scenarios/ and docs/ are the source
tree's, with the kvmsim under test first on PATH.
"""
import os
import re
import subprocess
import sys
import tempfile

FENCE = re.compile(r"^```(\S*)(?:\s+(\S+)=(\S+))?\s*$")


def blocks(text):
    """(info, attribute, value, lines, line number of the fence)."""
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m or not m.group(1):
            i += 1
            continue
        start = i
        body = []
        i += 1
        while i < len(lines) and lines[i] != "```":
            body.append(lines[i])
            i += 1
        if i == len(lines):
            sys.exit(f"line {start + 1}: a fenced block that does not end")
        yield m.group(1), m.group(2), m.group(3), body, start + 1
        i += 1


def matches(expected, actual):
    """Whether `actual` lines fit `expected`, where "..." is any lines."""
    if not expected:
        return not actual
    if expected[0] == "...":
        return any(matches(expected[1:], actual[k:]) for k in range(len(actual) + 1))
    return bool(actual) and actual[0] == expected[0] and matches(expected[1:], actual[1:])


# What AddressSanitizer prints on stderr when Boost.Context switches stacks
# (google/sanitizers issue 189): the sanitizer build's noise, not kvmsim's.
ASAN_NOISE = re.compile(r"^==\d+==WARNING: ASan is ignoring requested __asan_handle_no_return.*$\n"
                        r"^False positive error reports may follow$\n"
                        r"^For details see https://github.com/google/sanitizers/issues/189$\n",
                        re.M)


def commands(body, where):
    """[(command, expected lines)] of a console block."""
    out = []
    for line in body:
        if line.startswith("$ "):
            out.append((line[2:], []))
        elif not out:
            sys.exit(f"{where}: output before the first '$ ' command")
        else:
            out[-1][1].append(line)
    return out


def main():
    root, kvmsim, guide = sys.argv[1:4]
    with open(guide) as f:
        text = f.read()
    failures = 0
    ran = 0
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(os.path.abspath(kvmsim)) + os.pathsep + env["PATH"]
    with tempfile.TemporaryDirectory() as scratch:
        for d in ("scenarios", "docs"):
            os.symlink(os.path.join(root, d), os.path.join(scratch, d))
        for info, attr, value, body, line in blocks(text):
            where = f"{guide}:{line}"
            if info == "json" and attr == "file":
                with open(os.path.join(scratch, value), "w") as f:
                    f.write("\n".join(body) + "\n")
            elif attr == "from":
                with open(os.path.join(root, value)) as f:
                    source = [l.rstrip() for l in f.read().split("\n")]
                k = 0
                for shown in (l.rstrip() for l in body if l.strip() != "..."):
                    while k < len(source) and source[k] != shown:
                        k += 1
                    if k == len(source):
                        print(f"{where}: not in {value} (in this order): {shown!r}")
                        failures += 1
                        break
                    k += 1
            elif info == "console":
                for command, expected in commands(body, where):
                    run = subprocess.run(["bash", "-c", command], cwd=scratch, env=env,
                                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                         text=True, timeout=600)
                    ran += 1
                    printed = ASAN_NOISE.sub("", run.stdout)
                    actual = printed.rstrip("\n").split("\n") if printed else []
                    if run.returncode != 0:
                        print(f"{where}: `{command}` exited {run.returncode}:\n{run.stdout}")
                        failures += 1
                    elif not matches(expected, actual):
                        print(f"{where}: `{command}` printed:\n{run.stdout}\nbut the guide shows:\n"
                              + "\n".join(expected))
                        failures += 1
    print(f"{guide}: {ran} commands run, {failures} differ from the guide")
    return 1 if failures or not ran else 0


if __name__ == "__main__":
    sys.exit(main())
