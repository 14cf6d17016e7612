#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Validates every scenario file against scenarios/schema.json, so the
published schema and the loader (model/harness/scenario.cpp) cannot drift apart
unnoticed: the loader's own tests cover what it rejects, this covers that
every shipped scenario is valid by the schema users read. A few documents
the loader rejects are checked to be rejected by the schema too."""
import copy
import json
import pathlib
import sys

import jsonschema

from json_edit import append_at, set_at

# A small gfn_to_pfn_cache scenario the loader accepts.
GPC_SCENARIO = {
    "name": "schema-self-check",
    "title": "t",
    "description": "d",
    "sources": [{"commit": "982ed0de4753", "title": "t"}],
    "expect": [{"variant": "pfncache-982ed0de4753", "verdict": "clean", "may": ["page-ref-leak"],
                "vm": {"generations": ["-150"]}, "why": "w"}],
    "vm": {
        "gfns": 16,
        "memslots": [{"slot": 0, "base_gfn": 0, "npages": 16, "userspace_addr": "0x7f0000000000"}],
        "host_mappings": [{"hva": "0x7f0000000000", "pages": 16}],
        "gpcs": ["shinfo"],
    },
    "threads": [
        {"name": "ioctl", "kind": "updater", "program": [
            {"op": "gpc_init", "gpc": "shinfo", "gfn": 2, "offset": 16},
            {"op": "gpc_refresh", "gpc": "shinfo", "gfn": 3},
            {"op": "gpc_unmap", "gpc": "shinfo"},
            {"op": "gpc_destroy", "gpc": "shinfo"}]},
        {"name": "vcpu0", "kind": "vcpu", "program": [
            {"op": "wait_for", "thread": "ioctl"},
            {"op": "gpc_access", "gpc": "shinfo", "gfn": 2, "offset": 4088, "write": True,
             "count": 3},
            {"op": "gpc_guest_use", "gpc": "shinfo", "count": 1}]},
        {"name": "mm", "kind": "updater", "program": [
            {"op": "munmap", "hva": "0x7f0000002000"},
            {"op": "migrate_page", "hva": "0x7f0000003000"},
            {"op": "oom_reap", "hva": "0x7f0000004000"}]},
    ],
    "oracles": [],
    "exploration": {"strategy": "random", "seeds": "0..9", "step_bound": 1000},
}




# What the loader rejects (model/harness/scenario.cpp, model/harness/scenario_pfncache.cpp)
# and the schema must too.
REJECTED = {
    "gpc_guest_use on an updater thread":
        set_at(["threads", 0, "program", 1], {"op": "gpc_guest_use", "gpc": "shinfo"}),
    "munmap on a vcpu thread":
        set_at(["threads", 1, "program", 0], {"op": "munmap", "hva": "0x7f0000002000"}),
    "access on an updater thread": set_at(["threads", 2, "program", 0], {"op": "access", "gfn": 1}),
    "offset beyond 4088": set_at(["threads", 1, "program", 1, "offset"], 4090),
    "count 0": set_at(["threads", 1, "program", 1, "count"], 0),
    "guest_uses_pa without a vcpu": set_at(["threads", 0, "program", 0, "guest_uses_pa"], True),
    "gpc_refresh with a write flag": set_at(["threads", 0, "program", 1, "write"], True),
    "gpc_unmap with a gfn": set_at(["threads", 0, "program", 2, "gfn"], 1),
    "gpc op without a cache": set_at(["threads", 0, "program", 3], {"op": "gpc_destroy"}),
    "munmap without an hva": set_at(["threads", 2, "program", 0], {"op": "munmap"}),
    "unaligned host mapping": set_at(["vm", "host_mappings", 0, "hva"], "0x7f0000000800"),
    "unaligned host mapping (integer)": set_at(["vm", "host_mappings", 0, "hva"], 4097),
    "host mapping of 0 pages": set_at(["vm", "host_mappings", 0, "pages"], 0),
    "host mapping of 4097 pages": set_at(["vm", "host_mappings", 0, "pages"], 4097),
    "host mapping with an extra key": set_at(["vm", "host_mappings", 0, "writable"], True),
    "duplicate cache name": append_at(["vm", "gpcs"], "shinfo"),
    "empty cache name": append_at(["vm", "gpcs"], ""),
    "a violation kind the model does not know": set_at(["expect", 0, "verdict"], "stale_mmio"),
    "two kinds in one string": set_at(["expect", 0, "verdict"], "null-khva+stale-pfn"),
    "clean as a may-kind": set_at(["expect", 0, "may"], ["clean"]),
    "an empty may": set_at(["expect", 0, "may"], []),
    "an expectation's vm with gfns": set_at(["expect", 0, "vm"], {"gfns": 16}),
}


def self_check(validator) -> int:
    failed = 0
    errors = [e.message for e in validator.iter_errors(GPC_SCENARIO)]
    if errors:
        failed += 1
        print(f"schema self-check: the valid gfn_to_pfn_cache scenario is rejected: {errors}")
    for what, edit in REJECTED.items():
        doc = copy.deepcopy(GPC_SCENARIO)
        edit(doc)
        if validator.is_valid(doc):
            failed += 1
            print(f"schema self-check: accepts a scenario the loader rejects: {what}")
    return failed


def main() -> int:
    root = pathlib.Path(sys.argv[1])
    schema = json.loads((root / "scenarios" / "schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    files = sorted(p for p in (root / "scenarios").glob("*.json") if p.name != "schema.json")
    failed = 0
    for path in files:
        for err in validator.iter_errors(json.loads(path.read_text())):
            failed += 1
            print(f"{path}: /{'/'.join(map(str, err.absolute_path))}: {err.message}")
    print(f"{len(files)} scenario files checked against the schema, {failed} errors")
    self_failed = self_check(validator)
    print(f"{len(REJECTED) + 1} schema self-checks, {self_failed} failed")
    return 1 if failed or self_failed or not files else 0


if __name__ == "__main__":
    sys.exit(main())
