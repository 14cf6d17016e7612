#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Runs kvmsim's machine-readable outputs on the shipped scenarios and
validates each against its schema in scenarios/output-schemas/, so that the
published schemas and what kvmsim prints cannot drift apart unnoticed: every
--json (sweep of one scenario and of several, a failing sweep, a PCT sweep,
parameters, shards and their merge, bisect, equiv, explore, variants with
their features and with a user's --variants-file, a diff of two variants),
the sweep --report file, explore's --checkpoint file and --report-dir's
index.json. Documents that break the schemas' rules are checked
to be rejected.

Usage: check_outputs.py SOURCE_ROOT KVMSIM"""
import copy
import json
import pathlib
import subprocess
import sys
import tempfile

import jsonschema

from json_edit import delete_at, set_at

failures = []


def fail(what):
    failures.append(what)
    print(f"FAIL: {what}")


def run(kvmsim, args, status):
    """kvmsim's stdout, after checking its exit status."""
    r = subprocess.run([kvmsim, *args], capture_output=True, text=True, check=False)
    if r.returncode != status:
        fail(f"kvmsim {' '.join(args)}: exit {r.returncode}, not {status}: {r.stderr.strip()}")
    return r.stdout


class Schemas:
    def __init__(self, root):
        self.validators = {}
        for path in sorted((root / "scenarios" / "output-schemas").glob("*.schema.json")):
            schema = json.loads(path.read_text())
            jsonschema.Draft202012Validator.check_schema(schema)
            fmt = schema["properties"]["format"]["const"]
            if path.name != f"{fmt}.schema.json":
                fail(f"{path}: the schema of format {fmt} is not named {fmt}.schema.json")
            self.validators[fmt] = jsonschema.Draft202012Validator(schema)

    def errors(self, doc):
        """What is wrong with `doc` by the schema its "format" names."""
        if not isinstance(doc, dict) or doc.get("format") not in self.validators:
            return ["no known \"format\""]
        return [f"/{'/'.join(map(str, e.absolute_path))}: {e.message}"
                for e in self.validators[doc["format"]].iter_errors(doc)]

    def check(self, what, text, fmt):
        """Parses `text` (a document of format `fmt`) and validates it."""
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as e:
            fail(f"{what}: not JSON: {e}")
            return None
        # The format and its version first, before anything else.
        if list(doc)[:2] != ["format", "version"]:
            fail(f"{what}: starts with {list(doc)[:2]}, not format and version")
        if doc.get("format") != fmt:
            fail(f"{what}: format {doc.get('format')!r}, not {fmt!r}")
        for error in self.errors(doc):
            fail(f"{what}: {error}")
        return doc


def check_outputs(root, kvmsim, schemas, tmp):
    sc = root / "scenarios"
    mmio = str(sc / "ee3d1570b586-mmio-cache-generation.json")  # stale-mmio at v3.16
    zap = str(sc / "83cdb56864-zap-restarts.json")               # has parameters
    docs = {}

    schemas.check("variants --json", run(kvmsim, ["variants", "--json"], 0), "kvmsim-variants")
    features = schemas.check("variants --features --json",
                             run(kvmsim, ["variants", "--features", "--json"], 0), "kvmsim-variants")
    if features and not all(v.get("features") for v in features["variants"]):
        fail("variants --features --json: a state without its features")
    docs["variants"] = features
    diff = schemas.check("variants --diff",
                         run(kvmsim, ["variants", "--diff", "v6.0", "v6.1", "--json"], 0),
                         "kvmsim-variants-diff")
    if features and diff:
        # The diff is what --features says of the two, and not nothing.
        at = {v["name"]: v["features"] for v in features["variants"]}
        differing = {(n, at["v6.0"][n], at["v6.1"][n]) for n in at["v6.0"]
                     if at["v6.0"][n] != at["v6.1"][n]}
        if not differing or {(f["name"], f["a"], f["b"]) for f in diff["features"]} != differing:
            fail(f"variants --diff v6.0 v6.1: {diff['features']}, not {sorted(differing)}")
    docs["variants-diff"] = diff
    example = root / "docs" / "examples" / "undo-ecbcf030b456.json"
    user = schemas.check("variants --variants-file",
                         run(kvmsim, ["variants", "--variants-file", str(example), "--json"], 0),
                         "kvmsim-variants")
    # The user's state comes last, the only one that names its base.
    if user and [(v["name"], v.get("base")) for v in user["variants"] if "base" in v] != [
            (user["variants"][-1]["name"], "v6.1")]:
        fail(f"variants --variants-file: bases {[v.get('base') for v in user['variants']]}")

    one = schemas.check("sweep of one scenario",
                        run(kvmsim, ["sweep", mmio, "--seeds", "0..49", "--json"], 0),
                        "kvmsim-sweep")
    if one:
        if len(one["scenarios"]) != 1 or not one["ok"] or one["failed"]:
            fail("sweep of one scenario: not one scenario, all as expected")
        docs["sweep"] = one

    # Every scenario file of the directory, and nothing else: not schema.json,
    # not the schemas in output-schemas/.
    files = sorted(p for p in sc.glob("*.json") if p.name != "schema.json")
    # Ten seeds are fewer than any scenario promises its kinds for: the ones
    # that did not show up are "not seen", not a failure.
    several = schemas.check("sweep of the directory",
                            run(kvmsim, ["sweep", str(sc), "--seeds", "0..9", "--json"], 0),
                            "kvmsim-sweep")
    if several and not any(v["not_seen"] for s in several["scenarios"] for v in s["variants"]):
        fail("sweep of the directory: no expected kind is not seen in 10 seeds")
    if several and [s["path"] for s in several["scenarios"]] != [str(p) for p in files]:
        fail(f"sweep of the directory: scenarios {[s['path'] for s in several['scenarios']]}, "
             f"not the {len(files)} scenario files")

    # v3.17 (clean) expected to show stale-mmio: not seen over 50 seeds, a
    # failure over the scenario's own 1000.
    scenario = json.loads(pathlib.Path(mmio).read_text())
    scenario["expect"][1]["verdict"] = "stale-mmio"
    wrong = tmp / "wrong.json"
    wrong.write_text(json.dumps(scenario))
    narrow = schemas.check("sweep with a kind not seen",
                           run(kvmsim, ["sweep", str(wrong), "--seeds", "0..49", "--json"], 0),
                           "kvmsim-sweep")
    if narrow and narrow["scenarios"][0]["variants"][1]["not_seen"] != ["stale-mmio"]:
        fail(f"sweep with a kind not seen: {narrow['scenarios'][0]['variants'][1]}")
    failed = schemas.check("failing sweep",
                           run(kvmsim, ["sweep", str(wrong), "--variant", "v3.17", "--json"], 1),
                           "kvmsim-sweep")
    if failed and (failed["ok"] or failed["failed"] != [
            {"scenario": scenario["name"], "params": {}, "variants": ["v3.17"]}]):
        fail(f"failing sweep: ok {failed['ok']}, failed {failed['failed']}")

    # A state the scenario expects nothing of, named by --variant: run, its
    # findings reported with "expected" and "ok" null, and no failure.
    scenario = json.loads(pathlib.Path(mmio).read_text())
    scenario["expect"] = [e for e in scenario["expect"] if e["variant"] != "v3.16"]
    unexpected = tmp / "unexpected.json"
    unexpected.write_text(json.dumps(scenario))
    report = tmp / "unexpected-report.json"
    none = schemas.check("sweep without an expectation",
                         run(kvmsim, ["sweep", str(unexpected), "--variant", "v3.16", "--seeds",
                                      "0..49", "--report", str(report), "--json"], 0),
                         "kvmsim-sweep")
    schemas.check("report of a sweep without an expectation", report.read_text(),
                  "kvmsim-sweep-report")
    if none:
        row = none["scenarios"][0]["variants"][0]
        if not none["ok"] or row["expected"] is not None or row["ok"] is not None \
                or "stale-mmio" not in row["violations"]:
            fail(f"sweep without an expectation: ok {none['ok']}, {row}")
        judged = copy.deepcopy(none)
        judged["scenarios"][0]["variants"][0]["ok"] = True
        if not schemas.errors(judged):
            fail("sweep without an expectation: a verdict where nothing was expected is accepted")

    pct = schemas.check("PCT sweep",
                        run(kvmsim, ["sweep", mmio, "--variant", "v3.17", "--seeds", "0..19",
                                     "--strategy", "pct:2", "--json"], 0), "kvmsim-sweep")
    if pct and any(v["coverage"]["pct"] is None for v in pct["scenarios"][0]["variants"]):
        fail("PCT sweep: a variant without PCT's guarantee")

    params = schemas.check("sweep with --param",
                           run(kvmsim, ["sweep", zap, "--param", "pages=8,16", "--json"], 0),
                           "kvmsim-sweep")
    if params and [s["params"]["pages"] for s in params["scenarios"]] != [8, 16]:
        fail("sweep with --param: not one scenario run per value")

    # Shards: their reports, and the merge, which prints what one run prints.
    reports = []
    for k in (1, 2):
        report = tmp / f"shard{k}.json"
        run(kvmsim, ["sweep", mmio, zap, "--seeds", "0..29", "--shard", f"{k}/2", "--report",
                     str(report), "--json", "--check-determinism"], 0)
        schemas.check(f"report of shard {k}", report.read_text(), "kvmsim-sweep-report")
        reports.append(str(report))
    single = run(kvmsim, ["sweep", mmio, zap, "--seeds", "0..29", "--json",
                          "--check-determinism"], 0)
    merged = run(kvmsim, ["merge", *reports, "--json"], 0)
    schemas.check("merge --json", merged, "kvmsim-sweep")
    if merged != single:
        fail("merge --json of the shards is not what one run prints")

    docs["bisect"] = schemas.check("bisect",
                                   run(kvmsim, ["bisect", mmio, "--seeds", "0..9", "--json"], 0),
                                   "kvmsim-bisect")
    # --feature: every state runs with the override, the states as defined
    # too, and the document lists where the verdicts differ (ecbcf030b456's
    # rules keep use-after-free-page away at v6.1).
    destroy = str(sc / "982ed0de4753-pfncache-destroy-vs-use.json")
    feature = schemas.check("bisect --feature",
                            run(kvmsim, ["bisect", destroy, "--seeds", "0..199", "--feature",
                                         "pfncache.active_rules=false", "--json"], 0),
                            "kvmsim-bisect")
    if feature and (feature["features"] != ["pfncache.active_rules=false"] or not any(
            c["variant"] == "v6.1" and "use-after-free-page" in c["with"]
            and "use-after-free-page" not in c["without"]
            for c in feature["changed_by_features"])):
        fail(f"bisect --feature: {feature.get('features')}, {feature.get('changed_by_features')}")
    report = tmp / "feature-report.json"
    overridden = schemas.check("sweep --feature",
                               run(kvmsim, ["sweep", destroy, "--variant", "v6.1", "--seeds",
                                            "0..49", "--feature", "pfncache.active_rules=false",
                                            "--report", str(report), "--json"], 1),
                               "kvmsim-sweep")
    # v6.1 expects a clean verdict: with the override it is not.
    schemas.check("report of a sweep with --feature", report.read_text(), "kvmsim-sweep-report")
    if overridden and overridden["scenarios"][0]["variants"][0].get("definition") != {
            "base": "v6.1", "features": {"pfncache.active_rules": False}}:
        fail(f"sweep --feature: {overridden['scenarios'][0]['variants'][0].get('definition')}")
    schemas.check("equiv, equivalent",
                  run(kvmsim, ["equiv", mmio, "--variants", "v3.16,v3.16", "--seeds", "0..3",
                               "--json"], 0), "kvmsim-equiv")
    docs["equiv"] = schemas.check("equiv, a difference",
                                  run(kvmsim, ["equiv", mmio, "--variants", "v3.16,v3.17",
                                               "--json"], 1), "kvmsim-equiv")
    docs["explore"] = schemas.check(
        "explore, a violation",
        run(kvmsim, ["explore", mmio, "--variant", "v3.16", "-k", "1", "--trace",
                     str(tmp / "t.json"), "--json"], 1), "kvmsim-explore")
    schemas.check("explore, stopped clean",
                  run(kvmsim, ["explore", mmio, "--variant", "v3.17", "-k", "1",
                               "--max-schedules", "5", "--json"], 4), "kvmsim-explore")
    checkpoint = tmp / "checkpoint.json"
    run(kvmsim, ["explore", mmio, "--variant", "v3.17", "-k", "2", "--checkpoint",
                 str(checkpoint)], 0)
    docs["explore-checkpoint"] = schemas.check("explore --checkpoint", checkpoint.read_text(),
                                               "kvmsim-explore-checkpoint")
    run(kvmsim, ["sweep", mmio, "--variant", "v3.16", "--seeds", "0..19", "--report-dir",
                 str(tmp / "rd")], 0)
    docs["report-dir"] = schemas.check("sweep --report-dir index.json",
                                       (tmp / "rd" / "index.json").read_text(),
                                       "kvmsim-report-dir")
    docs["report"] = json.loads(pathlib.Path(reports[0]).read_text())
    return docs




# Documents the schemas must reject: the shapes the outputs had before they
# had a format (one sweep scenario as the whole document, a verdict joined
# with "+", variants as a bare list), and values out of their range.
REJECTED = {
    "sweep": {
        "no format": delete_at(["format"]),
        "another version": set_at(["version"], 2),
        "one scenario as the document": lambda d: d.update(d["scenarios"][0]),
        "expected as verdict text": set_at(["scenarios", 0, "variants", 0, "expected"],
                                         "stale-mmio"),
        "an unknown member": set_at(["scenarios", 0, "variants", 0, "wall_seconds"], 1.5),
        "a reproducer that is not kvmsim run": set_at(
            ["scenarios", 0, "variants", 0, "reproducer"], "kvmsim replay t.json"),
        "a seed interval of three": set_at(["scenarios", 0, "variants", 0, "coverage", "covered"],
                                         [[0, 1, 2]]),
        "no not_seen": delete_at(["scenarios", 0, "variants", 0, "not_seen"]),
    },
    "report": {
        "negative wall time": set_at(["scenarios", 0, "variants", 0, "wall_seconds"], -1),
        "the sweep's format": set_at(["format"], "kvmsim-sweep"),
        "a bad hash": set_at(["scenarios", 0, "sha256"], "0"),
        "a determinism check without its first mismatch": delete_at(
            ["scenarios", 0, "variants", 0, "determinism", "first_mismatch"]),
    },
    "explore-checkpoint": {"a level without its pruned count": delete_at(
        ["completed_levels", 0, "pruned"])},
    "report-dir": {"a report that is not HTML": set_at(["signatures", 0, "report"], "a.json")},
    "variants": {"a bare list": lambda d: (d.clear(), d.update({"0": []})),
                 "proposed false": set_at(["variants", 0, "proposed"], False),
                 "a feature without a value": set_at(["variants", 0, "features", "address_spaces"],
                                                     None)},
    "variants-diff": {"the features as an object": set_at(["features"], {"address_spaces": [1, 2]}),
                      "a feature without its name": delete_at(["features", 0, "name"]),
                      "a value that is a list": set_at(["features", 0, "b"], [True])},
    "bisect": {"an unknown change": set_at(["transitions", 0, "change"], "moves")},
    "equiv": {"three variants": set_at(["variants"], ["v3.16", "v3.17", "v4.19"])},
    "explore": {"a violation without its schedule": delete_at(["schedule"]),
                "a clean verdict with a schedule": set_at(["verdict"], {"outcome": "clean"})},
}


def check_rejected(schemas, docs):
    checked = 0
    for name, edits in REJECTED.items():
        if docs.get(name) is None:
            fail(f"no {name} document to edit")
            continue
        for what, edit in edits.items():
            doc = copy.deepcopy(docs[name])
            edit(doc)
            checked += 1
            if not schemas.errors(doc):
                fail(f"the {name} schema accepts {what}")
    return checked


def main():
    root = pathlib.Path(sys.argv[1])
    kvmsim = sys.argv[2]
    schemas = Schemas(root)
    with tempfile.TemporaryDirectory() as tmp:
        docs = check_outputs(root, kvmsim, schemas, pathlib.Path(tmp))
    print(f"{len(schemas.validators)} output schemas; kvmsim's outputs checked against them")
    rejected = check_rejected(schemas, docs)
    print(f"{rejected} wrong documents checked to be rejected")
    print(f"{len(failures)} failures")
    return 1 if failures or not schemas.validators else 0


if __name__ == "__main__":
    sys.exit(main())
