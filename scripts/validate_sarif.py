#!/usr/bin/env python3
"""Validate SARIF files against the official SARIF 2.1.0 schema in fixtures/sarif/.

Usage: scripts/validate_sarif.py FILE.sarif [...]; exits 1 on any schema error.
Needs the `jsonschema` package (pip install jsonschema).
"""
import json
import pathlib
import sys

import jsonschema

SCHEMA = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "sarif" / "sarif-schema-2.1.0.json"


def main(paths):
    validator = jsonschema.Draft4Validator(json.loads(SCHEMA.read_text()), format_checker=jsonschema.FormatChecker())
    bad = 0
    for path in paths:
        errors = list(validator.iter_errors(json.loads(pathlib.Path(path).read_text())))
        for err in errors[:20]:
            print(f"{path}: {'/'.join(map(str, err.absolute_path)) or '<root>'}: {err.message}")
        print(f"{path}: {'ok' if not errors else f'{len(errors)} schema errors'}")
        bad += bool(errors)
    return 1 if bad else 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1:]))
