#!/usr/bin/env python3
"""Compares two hunt reports (hunt.json) variant by variant: scheduling steps per iteration, iterations to the bug (for
variants that found one), and exploration iterations per second (hunt.json's elapsedSeconds, which leaves out shrinking
and the preemption-bounded search; shown only where the exploration took 0.2 s or more, and summarised over the clean
variants, which run every iteration). Prints Markdown.

usage: bench/steps-table.py BEFORE.json AFTER.json [BEFORE_LABEL AFTER_LABEL]
"""
import json
import math
import sys


def rows(path):
    report = json.load(open(path))
    return {(r["scenario"], r["variant"]): r for r in report["results"]}, report


def speed(r):
    """Exploration iterations per second, or None when the exploration was too short to time."""
    return r["iterations"] / r["elapsedSeconds"] if r["elapsedSeconds"] >= 0.2 else None


def cell(value, fmt):
    return format(value, fmt) if value is not None else "-"


def geomean(values):
    values = [v for v in values if v > 0]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else float("nan")


def main():
    before_path, after_path = sys.argv[1:3]
    labels = sys.argv[3:5] if len(sys.argv) >= 5 else ["before", "after"]
    before, before_report = rows(before_path)
    after, after_report = rows(after_path)
    keys = [k for k in before if k in after]
    print(f"| variant | expected | steps/iteration {labels[0]} | {labels[1]} | ratio | iterations to the bug {labels[0]} | {labels[1]} "
          f"| iterations/s {labels[0]} | {labels[1]} | verdict {labels[1]} |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---|")
    step_ratios, clean_step_ratios, speed_ratios, to_bug = [], [], [], []
    for k in keys:
        b, a = before[k], after[k]
        bs, as_ = b["schedulingSteps"] / b["iterations"], a["schedulingSteps"] / a["iterations"]
        bi, ai = speed(b), speed(a)
        if bs and as_:
            step_ratios.append(as_ / bs)
            if not b["expectsBug"]:
                clean_step_ratios.append(as_ / bs)
        if bi and ai and not b["expectsBug"]:
            speed_ratios.append(ai / bi)
        bug_b = b["iterations"] if b["outcome"] == "bugFound" else None
        bug_a = a["iterations"] if a["outcome"] == "bugFound" else None
        if bug_b and bug_a:
            to_bug.append(bug_a / bug_b)
        expected = "bug" if b["expectsBug"] else "clean"
        ratio = f"{as_ / bs:.2f}x" if bs and as_ else "-"
        print(f"| `{k[0]}/{k[1]}` | {expected} | {bs:,.1f} | {as_:,.1f} | {ratio} | {bug_b or ''} | {bug_a or ''} "
              f"| {cell(bi, ',.0f')} | {cell(ai, ',.0f')} | {a['verdict']} |")
    print()
    print(f"Over {len(keys)} variants: steps per iteration {labels[1]}/{labels[0]}, geometric mean **{geomean(step_ratios):.2f}x** "
          f"(min {min(step_ratios):.2f}x, max {max(step_ratios):.2f}x; over the {len(clean_step_ratios)} clean variants, which run every "
          f"iteration, **{geomean(clean_step_ratios):.2f}x**, min {min(clean_step_ratios):.2f}x, max {max(clean_step_ratios):.2f}x); exploration iterations/s {labels[1]}/{labels[0]} over the "
          f"{len(speed_ratios)} clean variants, geometric mean **{geomean(speed_ratios):.2f}x**; iterations to the bug (variants that found one both times, {len(to_bug)}), geometric mean "
          f"**{geomean(to_bug):.2f}x**. Hunts: {labels[0]} {before_report['elapsedSeconds']:.0f} s, {labels[1]} {after_report['elapsedSeconds']:.0f} s; "
          f"met: {before_report['met']} and {after_report['met']} of {before_report['total']} and {after_report['total']}.")


if __name__ == "__main__":
    main()
