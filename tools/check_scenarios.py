#!/usr/bin/python3
"""Validates every scenario file against scenarios/schema.json, so the
published schema and the loader (model/scenario.cpp) cannot drift apart
unnoticed: the loader's own tests cover what it rejects, this covers that
every shipped scenario is valid by the schema users read."""
import json
import pathlib
import sys

import jsonschema


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
    return 1 if failed or not files else 0


if __name__ == "__main__":
    sys.exit(main())
