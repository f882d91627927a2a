#!/usr/bin/env python3
"""Recall and false positives of Custodian's redaction and of gitleaks on the team's labelled set (issue 14).

    recall.py build LABELLED_DIR OUT.jsonl INDEX.json
        Embeds every case of the set in one realistic Claude Code transcript line (one case per line) and writes the
        index: per line its case id, family, group, kind, form, and the secret as it appears in the line (needles).
    recall.py score INDEX.json IN.jsonl CUSTODIAN_OUT.jsonl GITLEAKS_REPORT.json OUT_DIR [KEY=VALUE ...]
        Scores both tools line by line and writes OUT_DIR/report.md (the tables), OUT_DIR/misses.md (case ids to guide
        rule writers) and OUT_DIR/cases.tsv (one row per case and tool); prints the report. KEY=VALUE pairs describe
        the run (date, commit, load) in the report's first line.

A true positive counts as found when every occurrence of its secret in the line is covered: for Custodian, by the
spans its `[REDACTED:...]` markers replaced; for gitleaks, by the secret of a finding on that line. "Partial" means
some, not all, of the secret was covered (a leak all the same). A false-positive line counts against Custodian when
its output differs from its input in any way, and against gitleaks when gitleaks reports anything on it.
"""
import hashlib
import json
import os
import re
import sys
import uuid
from collections import defaultdict

NS = uuid.UUID("5b0e1d5c-7a1e-4c14-9b8e-000000000014")
B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
MARKER = re.compile(r"\[REDACTED:[^\]\s\"\\]*\]")
GROUPS = [("red2", "RED-2 formats"), ("other", "other common services"), ("none", "no secret in the text")]


def enc(s):
    """A string as it appears inside a JSON string of the transcript line."""
    return json.dumps(s, ensure_ascii=False)[1:-1]


def ident(seed, n):
    d = hashlib.sha256(seed.encode()).digest()
    v = int.from_bytes(d, "big")
    out = ""
    for _ in range(n):
        v, k = divmod(v, 62)
        out += B62[k]
    return out


def envelope(case, i, parent):
    cid = case["id"]
    u = str(uuid.uuid5(NS, cid))
    base = {"parentUuid": parent, "isSidechain": False, "userType": "external", "cwd": "/home/dev/acme-api",
            "sessionId": str(uuid.uuid5(NS, "session:" + case["family"])), "version": "2.0.14", "gitBranch": "main"}
    ts = "2026-01-12T%02d:%02d:%02d.%03dZ" % (8 + i // 3600 % 12, i // 60 % 60, i % 60, i * 37 % 1000)
    tool = "toolu_01" + ident("tool:" + cid, 22)
    text, shape, path = case["text"], case["shape"], case.get("path")
    usage = {"input_tokens": 4, "cache_creation_input_tokens": 1203, "cache_read_input_tokens": 18554,
             "output_tokens": 96, "service_tier": "standard"}

    def assistant(content):
        return dict(base, type="assistant", requestId="req_011C" + ident("req:" + cid, 20), uuid=u, timestamp=ts,
                    message={"id": "msg_01" + ident("msg:" + cid, 22), "type": "message", "role": "assistant",
                             "model": "claude-sonnet-4-5-20250929", "content": content, "stop_reason": None,
                             "stop_sequence": None, "usage": usage})

    if shape == "prompt":
        return dict(base, type="user", message={"role": "user", "content": text}, uuid=u, timestamp=ts), u
    if shape == "bash-call":
        return assistant([{"type": "tool_use", "id": tool, "name": "Bash",
                           "input": {"command": text, "description": "Run the command"}}]), u
    if shape == "write-call":
        return assistant([{"type": "tool_use", "id": tool, "name": "Write",
                           "input": {"file_path": path, "content": text}}]), u
    if shape == "assistant-text":
        return assistant([{"type": "text", "text": text}]), u
    if shape == "bash-result":
        return dict(base, type="user", uuid=u, timestamp=ts,
                    message={"role": "user", "content": [{"tool_use_id": tool, "type": "tool_result", "content": text,
                                                          "is_error": False}]},
                    toolUseResult={"stdout": text, "stderr": "", "interrupted": False, "isImage": False}), u
    if shape == "read-result":
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        numbered = "\n".join("%6d\u2192%s" % (n, line) for n, line in enumerate(lines, 1))
        return dict(base, type="user", uuid=u, timestamp=ts,
                    message={"role": "user", "content": [{"tool_use_id": tool, "type": "tool_result",
                                                          "content": numbered}]},
                    toolUseResult={"type": "text", "file": {"filePath": path, "content": text, "numLines": len(lines),
                                                            "startLine": 1, "totalLines": len(lines)}}), u
    raise SystemExit(f"{case['id']}: unknown shape {shape!r}")


def needles(case):
    """The secret's pieces as they appear in the line: one per text line of the secret (a PEM body has several)."""
    s, e = case["span"]
    parts = [p.strip() for p in case["text"][s:e].split("\n")]
    return [enc(p) for p in parts if len(p) >= 8] or [enc(case["text"][s:e])]


def build(labelled, out_path, index_path):
    cases = []
    for name in sorted(os.listdir(labelled)):
        if name.endswith(".jsonl"):
            with open(os.path.join(labelled, name), encoding="utf-8") as fh:
                for n, line in enumerate(fh, 1):
                    try:
                        cases.append(json.loads(line))
                    except json.JSONDecodeError as e:
                        raise SystemExit(f"{name}:{n}: not JSON: {e}")
    index, parent = [], None
    with open(out_path, "w", encoding="utf-8") as out:
        for i, case in enumerate(cases):
            obj, parent = envelope(case, i, parent)
            line = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
            entry = {k: case[k] for k in ("id", "family", "group", "kind", "format", "form")}
            if case["kind"] == "tp":
                entry["needles"] = needles(case)
                for nd in entry["needles"]:
                    if nd not in line:
                        raise SystemExit(f"{case['id']}: secret not found in its transcript line")
            out.write(line + "\n")
            index.append(entry)
    with open(index_path, "w", encoding="utf-8") as fh:
        json.dump(index, fh)
    print(f"{len(index)} lines -> {out_path}")


def custodian_regions(inp, out):
    """Spans of inp that Custodian's markers replaced, or None when out is not inp with markers put in."""
    segs = MARKER.split(out)
    if len(segs) == 1:
        return []
    first, last, middle = segs[0], segs[-1], [s for s in segs[1:-1] if s]
    if not inp.startswith(first):
        return None
    regions, pos = [], len(first)
    for seg in middle:
        at = inp.find(seg, pos + 1)
        if at < 0:
            return None
        regions.append((pos, at))
        pos = at + len(seg)
    end = len(inp) - len(last)
    if end <= pos or not inp.endswith(last):
        return None
    regions.append((pos, end))
    return regions


def gitleaks_regions(line, findings, first_line):
    """Spans of line that gitleaks' findings name as secrets.

    gitleaks 8.16 gives the match's start as a byte column, counted from 1 on the first line and from the preceding
    newline on the others; the match is located in the line nearest that column and the secret inside the match.
    Every other occurrence of a reported secret value in the same line counts as covered too: a tool that knows the
    value would remove it everywhere (tool output appears twice in a transcript line)."""
    raw = line.encode()
    regions = []
    for f in findings:
        match, secret = f.get("Match") or "", f.get("Secret") or f.get("Match") or ""
        hint = f.get("StartColumn", 1) - (1 if first_line else 2)
        mb = match.encode()
        starts = [m.start() for m in re.finditer(re.escape(mb), raw)] if mb else []
        if starts:
            at = len(raw[:min(starts, key=lambda s: abs(s - hint))].decode(errors="ignore"))
            off = max(match.find(secret), 0)
            regions.append((at + off, at + off + len(secret or match)))
        if len(secret) >= 8:
            regions.extend((m.start(), m.end()) for m in re.finditer(re.escape(secret), line))
    return regions


def status(line, nds, regions):
    """found | partial | missed for one case's needles against covered regions."""
    total = covered_any = 0
    all_covered = True
    for nd in nds:
        for m in re.finditer(re.escape(nd), line):
            a, b = m.start(), m.end()
            total += 1
            cover = [False] * (b - a)
            for r0, r1 in regions:
                for k in range(max(a, r0), min(b, r1)):
                    cover[k - a] = True
            if all(cover):
                covered_any += 1
            else:
                all_covered = False
                if any(cover):
                    covered_any += 1
    if total and all_covered:
        return "found"
    return "partial" if covered_any else "missed"


def pct(n, d):
    return "–" if d == 0 else f"{100.0 * n / d:.1f}%"


def score(index_path, in_path, cus_path, gl_path, out_dir, meta):
    index = json.load(open(index_path, encoding="utf-8"))
    inp = open(in_path, encoding="utf-8").read().split("\n")[:-1]
    cus = open(cus_path, encoding="utf-8").read().split("\n")
    if cus and cus[-1] == "":
        cus.pop()
    if len(cus) != len(inp) or len(inp) != len(index):
        raise SystemExit(f"{cus_path}: {len(cus)} lines, expected {len(inp)} (one per case)")
    raw = open(gl_path, encoding="utf-8").read().strip()
    findings = json.loads(raw) if raw else []
    by_line = defaultdict(list)
    for f in findings:
        by_line[f["StartLine"]].append(f)

    rows = []
    for i, (case, a, b) in enumerate(zip(index, inp, cus)):
        gl = by_line.get(i + 1, [])
        if case["kind"] == "tp":
            regions = custodian_regions(a, b)
            if regions is None:  # output is not the input with markers in it: judge by the secret's absence only
                c = "found" if all(nd not in b for nd in case["needles"]) else "missed"
            else:
                c = status(a, case["needles"], regions)
            g = status(a, case["needles"], gitleaks_regions(a, gl, i == 0))
        else:
            c = "changed" if a != b else "kept"
            g = "flagged" if gl else "kept"
        rows.append((case, c, g, sorted({f["RuleID"] for f in gl})))

    fams = defaultdict(lambda: defaultdict(int))
    forms = defaultdict(lambda: defaultdict(int))
    for case, c, g, _ in rows:
        s = fams[(case["group"], case["family"])]
        if case["kind"] == "tp":
            s["tp"] += 1; s["c"] += c == "found"; s["g"] += g == "found"; s["cp"] += c == "partial"; s["gp"] += g == "partial"
            fm = forms[case["form"]]
            fm["tp"] += 1; fm["c"] += c == "found"; fm["g"] += g == "found"
        else:
            s["fp"] += 1; s["cf"] += c == "changed"; s["gf"] += g == "flagged"

    def row(name, s):
        beat = ""
        if s["tp"]:
            beat = " ✓" if s["c"] > s["g"] else (" =" if s["c"] == s["g"] else " ✗")
        part = lambda n: f" (+{n} partial)" if n else ""
        return (f"| {name} | {s['tp']} | {pct(s['c'], s['tp'])}{part(s['cp'])} | {pct(s['g'], s['tp'])}{part(s['gp'])} |{beat} "
                f"| {s['fp']} | {s['cf']} ({pct(s['cf'], s['fp'])}) | {s['gf']} ({pct(s['gf'], s['fp'])}) |")

    head = ("| Family | True positives | Custodian recall | gitleaks recall | Custodian > gitleaks | False-positive cases "
            "| Custodian changed | gitleaks flagged |\n|---|---:|---:|---:|:---:|---:|---:|---:|")
    invalid = 0
    for line in cus:
        try:
            json.loads(line)
        except json.JSONDecodeError:
            invalid += 1
    md = []
    if meta:
        md.append("Run: " + ", ".join(f"{k} {v}" for k, v in meta) + ".\n")
    md.append(f"Custodian's output lines that are not valid JSON (RED-1): {invalid} of {len(cus)}.\n")
    totals, grand = {}, defaultdict(int)
    for g, gname in GROUPS:
        t = defaultdict(int)
        for (grp, fam), s in sorted(fams.items()):
            if grp == g:
                for k, v in s.items():
                    t[k] += v; grand[k] += v
        totals[g] = t
    scored = [(fam, s) for (grp, fam), s in sorted(fams.items()) if s["tp"]]
    behind = [fam for fam, s in scored if s["c"] <= s["g"]]
    md.append(f"Issue 14's goals: Custodian's recall is higher than gitleaks' in {len(scored) - len(behind)} of "
              f"{len(scored)} families (not in: {', '.join(behind) or 'none'}); false-positive lines Custodian "
              f"changed: {grand['cf']} of {grand['fp']}.\n")
    md.append("Totals (✓: Custodian finds more than gitleaks in the family, =: as many, ✗: fewer):\n")
    md.append(head)
    for g, gname in GROUPS:
        md.append(row(f"**{gname}**", totals[g]))
    md.append(row("**all**", grand))
    for g, gname in GROUPS:
        md.append(f"\n{gname}:\n")
        md.append(head)
        for (grp, fam), s in sorted(fams.items()):
            if grp == g:
                md.append(row(fam, s))
    md.append("\nRecall by form (all families; forms used by fewer than 20 cases are summed in the last row, "
              "cases.tsv has each):\n")
    md.append("| Form | True positives | Custodian | gitleaks |\n|---|---:|---:|---:|")
    rest = defaultdict(int)
    for form, s in sorted(forms.items(), key=lambda kv: (-kv[1]["tp"], kv[0])):
        if s["tp"] >= 20:
            md.append(f"| {form} | {s['tp']} | {pct(s['c'], s['tp'])} | {pct(s['g'], s['tp'])} |")
        else:
            rest["n"] += 1
            for k in ("tp", "c", "g"):
                rest[k] += s[k]
    if rest["n"]:
        md.append(f"| {rest['n']} format-specific forms | {rest['tp']} | {pct(rest['c'], rest['tp'])} | {pct(rest['g'], rest['tp'])} |")
    report = "\n".join(md) + "\n"

    miss = ["# Custodian's misses and false positives on the labelled set",
            "",
            "Case ids (bench/redaction/labelled/<family>.jsonl), with the form in brackets; `*` marks a case gitleaks "
            "gets right. Partial: part of the secret was left in the output.", ""]
    per = defaultdict(lambda: defaultdict(lambda: {"missed": [], "partial": [], "changed": []}))
    for case, c, g, rules in rows:
        slot = per[case["family"]][case["format"]]
        if case["kind"] == "tp" and c in ("missed", "partial"):
            slot[c].append(f"{case['id']} ({case['form']}){'*' if g == 'found' else ''}")
        elif case["kind"] == "fp" and c == "changed":
            slot["changed"].append(f"{case['id']} ({case['form']}){'' if g == 'flagged' else '*'}")
    for fam in sorted(per):
        miss.append(f"## {fam}")
        for fmt in sorted(per[fam]):
            for k, label in (("missed", "missed"), ("partial", "partial"), ("changed", "false positives changed")):
                if per[fam][fmt][k]:
                    miss.append(f"- {fmt}, {label} ({len(per[fam][fmt][k])}): " + ", ".join(per[fam][fmt][k]))
        miss.append("")

    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "report.md"), "w", encoding="utf-8") as fh:
        fh.write(report)
    with open(os.path.join(out_dir, "misses.md"), "w", encoding="utf-8") as fh:
        fh.write("\n".join(miss) + "\n")
    with open(os.path.join(out_dir, "cases.tsv"), "w", encoding="utf-8") as fh:
        fh.write("id\tfamily\tgroup\tkind\tformat\tform\tcustodian\tgitleaks\tgitleaks_rules\n")
        for case, c, g, rules in rows:
            fh.write("\t".join([case["id"], case["family"], case["group"], case["kind"], case["format"], case["form"],
                                c, g, ",".join(rules)]) + "\n")
    print(report)


def main(argv):
    if len(argv) >= 4 and argv[0] == "build":
        return build(argv[1], argv[2], argv[3])
    if len(argv) >= 6 and argv[0] == "score":
        meta = [tuple(a.split("=", 1)) for a in argv[6:] if "=" in a]
        return score(argv[1], argv[2], argv[3], argv[4], argv[5], meta)
    print(__doc__, file=sys.stderr)
    sys.exit(2)


if __name__ == "__main__":
    main(sys.argv[1:])
