#!/usr/bin/env python3
"""Summarises a leakscan JSON report of the real-code corpus: failing findings per 100 MB, by
rule, and by a rough class read from the path and the rule (a starting point for the committed
table in benches/RESULTS.md, which is classified by reading each finding).

Usage: python3 benches/real_code_report.py REPORT.json
"""
import collections
import json
import re
import sys

TEST_PATH = re.compile(r"(^|/)(tests?|__tests__|spec|testdata|fixtures?|mocks?|examples?|samples?|docs?)(/|$)|"
                       r"(^|/)test_[^/]*$|_test\.[^/]*$|\.(test|spec)\.[^/]*$", re.I)


def rough_class(finding):
    path = finding["logical_path"]
    if TEST_PATH.search(path):
        return "test or documentation material"
    if finding["rule"].startswith("generic-"):
        return "generic (to read)"
    return "provider-shaped (to read)"


def main():
    doc = json.load(open(sys.argv[1]))
    failing = [f for f in doc["findings"] if f.get("fails")]
    size = doc["stats"]["bytes"]
    print(f"scanned {size / 1e6:.0f} MB: {len(failing)} failing findings, "
          f"{len(failing) / size * 1e8:.1f} per 100 MB")
    print("\nby rule:")
    for rule, n in collections.Counter(f["rule"] for f in failing).most_common():
        print(f"  {n:5}  {rule}")
    print("\nby rough class:")
    for cls, n in collections.Counter(rough_class(f) for f in failing).most_common():
        print(f"  {n:5}  {cls}")


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:  # `| head`
        sys.exit(0)
