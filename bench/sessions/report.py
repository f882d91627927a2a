#!/usr/bin/env python3
"""Turns bench/sessions/run.sh's output dir into a markdown table and the checks (usage: report.py OUT)."""
import json
import os
import sys

out = sys.argv[1]


def load(name):
    path = os.path.join(out, name)
    return json.load(open(path)) if os.path.exists(path) else None


def timing(name):
    data = load(name + ".json")
    return data["results"][0] if data else None


def fmt(seconds):
    return "%.0f ms" % (seconds * 1000) if seconds < 1 else "%.2f s" % seconds


meta = load("meta.json")
gl = load("gen-listing.json")
gs = load("gen-sweep.json")
lines = []
lines.append("Machine: %d cores, %s, .NET SDK %s; custodian %s (src dirty files: %d); timer: %s; load at end %s." % (
    meta["cores"], meta["cpu"], meta["dotnet"], meta["version"], meta["dirtySrcFiles"], meta["timer"], meta.get("loadAtEnd", "?")))
gb = int(open(os.path.join(out, "listing-bytes.out")).read()) / 1e9
lines.append("Listing tree: %d sessions in %d projects, %d subagent transcripts, %.2f GB. "
             "Sweep tree: %d files (%d sessions x transcript + subagent + todo + debug log or file history, %d other files), "
             "half older than %d days." % (gl["sessions"], gl["projects"], gl["subagents"], gb,
                                           gs["files"], gs["sessions"], gs["unownedFiles"], gs["days"]))
lines.append("")
lines.append("| Benchmark | Median | Min – max | CPU (user+sys, mean) | Runs | vs reference | Goal |")
lines.append("|---|---:|---:|---:|---:|---:|---|")

start = timing("startup")


def row(label, name, ref=None, goal=None):
    t = timing(name)
    if t is None:
        return
    ratio = ""
    if ref is not None and timing(ref):
        ratio = "%.1f×" % (t["median"] / timing(ref)["median"])
    verdict = ""
    if goal is not None:
        verdict = goal(t)
    cpu = fmt(t["user"] + t["system"]) if "user" in t else "?"
    lines.append("| %s | %s | %s – %s | %s | %d | %s | %s |" % (
        label, fmt(t["median"]), fmt(t["min"]), fmt(t["max"]), cpu, len(t["times"]), ratio, verdict))


n = gl["sessions"]
row("`dotnet custodian.dll --version` (process start-up)", "startup")
row("`ls -R projects` (reference)", "ls-R")
row("`find projects -name '*.jsonl' -newermt … \\| wc -l` (reference)", "find-newermt")
row("`sessions list --all --json`, cold index (%d sessions)" % n, "list-cold", "ls-R")
row("`sessions list --all --json`, warm index (%d sessions)" % n, "list-warm", "ls-R",
    lambda t: "< 300 ms: **%s**" % ("met" if t["median"] < 0.3 else "not met"))
row("`custodian --version`, installed tool (ReadyToRun)", "startup-tool")
row("`custodian sessions list --all --json`, installed tool, warm index", "list-warm-tool", "ls-R",
    lambda t: "< 300 ms: **%s**" % ("met" if t["median"] < 0.3 else "not met"))
row("`find -type f ! -newermt … -delete` (reference, %d files)" % gs["files"], "sweep-find")
row("`find … -delete` + `find -type d -empty -delete` (reference)", "sweep-find-dirs", "sweep-find")
row("`cleanup --dry-run` (planning only), warm index", "sweep-dryrun-warm", "sweep-find")
for variant, label in [("notrash-cold", "`cleanup --no-trash`, cold index"), ("notrash-warm", "`cleanup --no-trash`, warm index"),
                       ("trash-cold", "`cleanup` (to trash), cold index"), ("trash-warm", "`cleanup` (to trash), warm index")]:
    row(label, "sweep-" + variant, "sweep-find",
        lambda t: "≤ 1.5× find: **%s**" % ("met" if t["median"] <= 1.5 * timing("sweep-find")["median"] else "not met"))

lines.append("")
lines.append("Checks:")
listed = json.load(open(os.path.join(out, "list.out")))
sessions = listed["sessions"]
ok = (len(sessions) == n and sum(s["subagents"] for s in sessions) == gl["subagents"] and listed["problems"] == 0
      and all(s["lastActivitySource"] == "timestamp" for s in sessions))
lines.append("- listing: %d sessions (expected %d), %d subagents (expected %d), %d problems, all aged by timestamp: %s" % (
    len(sessions), n, sum(s["subagents"] for s in sessions), gl["subagents"], listed["problems"],
    "ok" if ok else "MISMATCH"))
cf = load("check-find.json")
lines.append("- find -delete: %d of %d files left (expected %d)" % (cf["remaining"], cf["files"], gs["files"] - gs["oldFiles"]))
for variant in ("notrash-cold", "notrash-warm", "trash-cold", "trash-warm"):
    path = os.path.join(out, "sweep-%s.out" % variant)
    if not os.path.exists(path):
        continue
    r = json.load(open(path))
    c = load("check-%s.json" % variant)
    d = r["deleted"]
    ok = (d["sessions"] == gs["oldSessions"] and d["files"] == gs["oldUnownedFiles"] and r["errors"] == 0
          and r["retained"] == gs["recentSessions"] and c["sameAsFind"]
          and (c["trashedFiles"] == (0 if "notrash" in variant else gs["oldFiles"])))
    lines.append("- cleanup %s (last run): removed %d sessions + %d other files (expected %d + %d), kept %d, %d errors; "
                 "surviving files identical to find's: %s; files in trash: %d: %s" % (
                     variant, d["sessions"], d["files"], gs["oldSessions"], gs["oldUnownedFiles"], r["retained"], r["errors"],
                     c["sameAsFind"], c["trashedFiles"], "ok" if ok else "MISMATCH"))
print("\n".join(lines))
