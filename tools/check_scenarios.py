#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Validates every scenario file against scenarios/schema.json, and the
kernel states (model/variants/kernel-states.json and the kvmsim-variants files
of docs/examples/) against scenarios/input-schemas/kvmsim-variants.schema.json,
so the published schemas and the loaders (model/harness/scenario.cpp,
model/variants/variants.cpp) cannot drift apart unnoticed: the loaders' own
tests cover what they reject, this covers that every shipped file is valid by
the schema users read. A few documents the loaders reject are checked to be
rejected by the schemas too."""
import copy
import json
import pathlib
import sys

import jsonschema

from json_edit import append_at, delete_at, set_at

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
REJECTED_SCENARIOS = {
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


# A user's kernel state the loader accepts, as docs/examples has them.
VARIANTS_FILE = {
    "format": "kvmsim-variants",
    "version": 1,
    "variants": [{
        "name": "v6.1+undo-ecbcf030b456",
        "base": "v6.1",
        "proposed": False,
        "commits": [{"id": "ecbcf030b456", "title": "t"}],
        "features": {"pfncache.active_rules": False, "address_spaces": 2,
                     "mmio_gen_layout": "gen19"},
        "notes": ["one line", "and another"],
    }],
}

# What model/variants/variants.cpp rejects and the schema must too.
REJECTED_VARIANTS = {
    "another format": set_at(["format"], "kvmsim-variants-diff"),
    "no state": set_at(["variants"], []),
    "a state with an unknown member": set_at(["variants", 0, "date"], "2022-11-10"),
    "a state without a name": delete_at(["variants", 0, "name"]),
    "an empty name": set_at(["variants", 0, "name"], ""),
    "a state with neither base nor version": delete_at(["variants", 0, "base"]),
    "proposed as text": set_at(["variants", 0, "proposed"], "yes"),
    "a commit without a title": delete_at(["variants", 0, "commits", 0, "title"]),
    "a feature set to null": set_at(["variants", 0, "features", "address_spaces"], None),
    "a feature set to a list": set_at(["variants", 0, "features", "address_spaces"], [1, 2]),
    "notes as a number": set_at(["variants", 0, "notes"], 1),
    "notes with a number": append_at(["variants", 0, "notes"], 1),
}


def self_check(validator, valid, rejected, what) -> int:
    """Whether the schema accepts `valid` and rejects each edit of it."""
    failed = 0
    errors = [e.message for e in validator.iter_errors(valid)]
    if errors:
        failed += 1
        print(f"schema self-check: the valid {what} is rejected: {errors}")
    for why, edit in rejected.items():
        doc = copy.deepcopy(valid)
        edit(doc)
        if validator.is_valid(doc):
            failed += 1
            print(f"schema self-check: accepts a {what} the loader rejects: {why}")
    return failed


def validator_of(path):
    schema = json.loads(path.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def check_files(validator, files) -> int:
    """Prints each file's errors by the schema, with its JSON path; returns their number."""
    failed = 0
    for path in files:
        for err in validator.iter_errors(json.loads(path.read_text())):
            failed += 1
            print(f"{path}: /{'/'.join(map(str, err.absolute_path))}: {err.message}")
    return failed


def main() -> int:
    root = pathlib.Path(sys.argv[1])
    scenarios = validator_of(root / "scenarios" / "schema.json")
    variants = validator_of(root / "scenarios" / "input-schemas" / "kvmsim-variants.schema.json")
    scenario_files = sorted(p for p in (root / "scenarios").glob("*.json") if p.name != "schema.json")
    variants_files = [root / "model" / "variants" / "kernel-states.json"] + sorted(
        p for p in (root / "docs" / "examples").glob("*.json")
        if json.loads(p.read_text()).get("format") == "kvmsim-variants")

    failed = check_files(scenarios, scenario_files)
    print(f"{len(scenario_files)} scenario files checked against the schema, {failed} errors")
    variants_failed = check_files(variants, variants_files)
    print(f"{len(variants_files)} kernel-state files checked against the variants schema, "
          f"{variants_failed} errors")
    self_failed = (self_check(scenarios, GPC_SCENARIO, REJECTED_SCENARIOS, "scenario")
                   + self_check(variants, VARIANTS_FILE, REJECTED_VARIANTS, "kernel-state file"))
    print(f"{len(REJECTED_SCENARIOS) + len(REJECTED_VARIANTS) + 2} schema self-checks, "
          f"{self_failed} failed")
    return 1 if failed or variants_failed or self_failed or not scenario_files \
        or len(variants_files) < 2 else 0


if __name__ == "__main__":
    sys.exit(main())
