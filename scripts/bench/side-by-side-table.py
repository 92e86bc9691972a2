#!/usr/bin/env python3
"""One markdown table from side-by-side.sh's runs: both engines' tok/s (median over rounds), the ratio,
and the decode efficiency (weight bytes per token x tok/s / read bandwidth, both from streamllm's json).

    side-by-side-table.py DIR [--missing "Q4_K_M Q6_K"]

DIR holds ENGINE-TYPE-tTHREADS-rROUND.json, ENGINE being streamllm or llama.cpp; both are lists of
runs in llama-bench's json schema (n_prompt, n_gen, n_threads, avg_ts, ...)."""
import argparse
import json
import re
import statistics
import sys
from collections import defaultdict
from pathlib import Path

NAME = re.compile(r"(streamllm|llama\.cpp)-(.+)-t(\d+)-r(\d+)\.json$")


def test_name(run):
    return f"pp{run['n_prompt']}" if run["n_prompt"] > 0 else f"tg{run['n_gen']}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dir", type=Path)
    parser.add_argument("--missing", default="", help="types streamllm could not synthesize")
    args = parser.parse_args()

    speeds = defaultdict(list)    # (engine, type, threads, test) -> avg_ts per round
    bandwidth = defaultdict(list)  # threads -> GB/s per streamllm run
    weight_bytes = {}              # type -> bytes read per decoded token
    first = {}                     # engine -> one run, for the machine and build description
    broken = []
    for path in sorted(args.dir.glob("*.json")):
        match = NAME.search(path.name)
        if not match:
            continue
        engine, type_, threads, _ = match.groups()
        try:
            runs = json.loads(path.read_text())
        except (ValueError, OSError):
            broken.append(path.name)
            continue
        for run in runs:
            speeds[(engine, type_, int(threads), test_name(run))].append(run["avg_ts"])
            first.setdefault(engine, run)
            if engine == "streamllm":
                bandwidth[int(threads)].append(run["bandwidth_gbs"])
                weight_bytes[type_] = run["weight_bytes_per_token"]

    def efficiency(type_, threads, test, ts):
        if not test.startswith("tg") or type_ not in weight_bytes or not bandwidth[threads]:
            return ""
        return f"{100 * weight_bytes[type_] * ts / (statistics.median(bandwidth[threads]) * 1e9):.0f}%"

    s, l = first.get("streamllm", {}), first.get("llama.cpp", {})
    rounds = max((len(v) for v in speeds.values()), default=0)
    print(f"streamllm vs llama.cpp (build {l.get('build_number', '?')}, {l.get('build_commit', '?')}), "
          f"medians of {rounds} alternating rounds")
    print()
    print(f"- CPU: {s.get('cpu_info') or l.get('cpu_info', '?')}; streamllm's kernels: {s.get('instruction_set', '?')}"
          f" (cpu flags: {s.get('cpu_flags', '?')})")
    print("- read bandwidth (streamllm's measure, same thread count): "
          + ", ".join(f"{statistics.median(v):.1f} GB/s at {t} threads" for t, v in sorted(bandwidth.items())))
    if args.missing.strip():
        print(f"- not run, streamllm cannot synthesize them yet: {args.missing.strip()}")
    if broken:
        print(f"- runs that left no json (see their .log): {', '.join(broken)}")
    print()
    print("| type | threads | test | streamllm t/s | llama.cpp t/s | streamllm / llama.cpp "
          "| decode eff. streamllm | decode eff. llama.cpp |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    keys = sorted({k[1:] for k in speeds}, key=lambda k: (k[0], k[1], k[2].startswith("tg"), k[2]))
    for type_, threads, test in keys:
        ours = speeds.get(("streamllm", type_, threads, test))
        theirs = speeds.get(("llama.cpp", type_, threads, test))
        a = statistics.median(ours) if ours else None
        b = statistics.median(theirs) if theirs else None
        print(f"| {type_} | {threads} | {test} | {f'{a:.2f}' if a else '-'} | {f'{b:.2f}' if b else '-'} "
              f"| {f'{a / b:.2f}x' if a and b else '-'} | {efficiency(type_, threads, test, a) if a else ''} "
              f"| {efficiency(type_, threads, test, b) if b else ''} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
