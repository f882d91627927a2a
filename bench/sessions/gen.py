#!/usr/bin/env python3
"""Generates Claude Code config dirs for bench/sessions/run.sh (issue 4).

  gen.py listing DIR --sessions N   N sessions (~200 KB transcript each, ~30% with 1-3 subagents) over 50 projects
  gen.py sweep DIR --sessions N --others M --days D
                                     N sessions (transcript + 1 subagent each) and M files in the swept folders;
                                     exactly half of everything is older than D days: sessions by the timestamps
                                     inside (and their files' mtimes), other files by mtime.

Fast by construction: one template per size class, built once; each session is the template joined with its
own timestamps and the session id substituted (bytes.replace), then written and its mtime set. Prints a JSON
summary of what it wrote (the expected counts the benchmark checks against) on stdout.
"""
import argparse
import json
import os
import random
import sys
import time
import uuid

SID = b"@@SESSIONID@@@@@@@@@@@@@@@@@@@@@@@@@"  # 36 bytes, like a UUID
assert len(SID) == 36
TS_LEN = len("2026-01-01T00:00:00.000Z")

WORDS = ("the function returns a list of files that changed since the last build so we can skip the slow path "
         "when nothing moved; check the parser handles empty lines and a trailing newline, then run the tests "
         "again with the release configuration and compare timings against the baseline before merging").split()


_CORPUS = []


def text(rng, n_bytes):
    """n_bytes of prose: a random slice of a long shuffled text built once."""
    if not _CORPUS:
        r = random.Random(1)
        words = [r.choice(WORDS) + ("\n\n" if r.random() < 0.04 else " ") for _ in range(40000)]
        _CORPUS.append("".join(words))
    corpus = _CORPUS[0]
    start = rng.randrange(0, len(corpus) - n_bytes - 1)
    return corpus[start:start + n_bytes]


def line_heads(rng, cwd, n_lines, sidechain, agent_id=None):
    """JSON lines without their timestamp: each head ends just before the timestamp value."""
    heads = []
    parent = None
    for i in range(n_lines):
        u = str(uuid.UUID(int=rng.getrandbits(128)))
        common = {"parentUuid": parent, "isSidechain": sidechain, "userType": "external", "cwd": cwd,
                  "sessionId": "@SID@", "version": "2.0.14", "gitBranch": "main"}
        if agent_id:
            common["agentId"] = agent_id
        kind = i % 4
        if i == 0:
            obj = dict(common, type="user", message={"role": "user", "content": "Please " + text(rng, rng.randint(200, 900))})
        elif kind == 1:
            obj = dict(common, type="assistant", requestId="req_" + u.replace("-", "")[:24], message={
                "id": "msg_" + u.replace("-", "")[:24], "type": "message", "role": "assistant", "model": "claude-sonnet-4-5-20250929",
                "content": [{"type": "text", "text": text(rng, rng.randint(600, 2800))}],
                "stop_reason": None, "stop_sequence": None,
                "usage": {"input_tokens": rng.randint(5, 5000), "cache_creation_input_tokens": rng.randint(0, 9000),
                          "cache_read_input_tokens": rng.randint(0, 90000), "output_tokens": rng.randint(10, 2000),
                          "service_tier": "standard"}})
        elif kind == 2:
            obj = dict(common, type="assistant", requestId="req_" + u.replace("-", "")[:24], message={
                "id": "msg_" + u.replace("-", "")[:24], "type": "message", "role": "assistant", "model": "claude-sonnet-4-5-20250929",
                "content": [{"type": "tool_use", "id": "toolu_" + u.replace("-", "")[:24], "name": "Edit",
                             "input": {"file_path": cwd + "/src/module_%d.py" % rng.randint(1, 40),
                                       "old_string": text(rng, rng.randint(100, 600)),
                                       "new_string": text(rng, rng.randint(100, 900))}}],
                "stop_reason": "tool_use", "stop_sequence": None,
                "usage": {"input_tokens": 12, "output_tokens": 340, "service_tier": "standard"}})
        elif kind == 3:
            obj = dict(common, type="user", message={"role": "user", "content": [
                {"tool_use_id": "toolu_" + u.replace("-", "")[:24], "type": "tool_result",
                 "content": text(rng, rng.randint(400, 3000))}]},
                toolUseResult={"stdout": "", "stderr": "", "interrupted": False})
        else:
            obj = dict(common, type="user", message={"role": "user", "content": text(rng, rng.randint(200, 1200))})
        obj["uuid"] = u
        parent = u
        s = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
        assert s.endswith("}")
        heads.append((s[:-1] + ',"timestamp":"').replace('"@SID@"', '"' + SID.decode() + '"').encode())
    return heads


class Template:
    """A transcript shape: per line, the bytes before the timestamp; each line ends with `"}\\n`."""

    def __init__(self, heads):
        self.heads = heads
        self.size = sum(len(h) + TS_LEN + 3 for h in heads)

    def render(self, sid, start, step):
        """The transcript of session `sid`, its lines `step` seconds apart from `start` (epoch seconds); and its newest time."""
        parts = []
        t = start
        for i, h in enumerate(self.heads):
            t = start + i * step
            parts.append(h)
            parts.append(time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)).encode() + b".%03dZ\"}\n" % (i * 37 % 1000))
        return b"".join(parts).replace(SID, sid.encode()), t


def templates_for(rng, cwd, target_kb, count, sidechain=False):
    """`count` templates whose sizes spread around target_kb (0.6x .. 1.4x when count > 1)."""
    out = []
    for k in range(count):
        want = target_kb * 1024 * ((0.6 + 0.8 * k / (count - 1)) if count > 1 else 1.0)
        agent = ("a" + "%07x" % rng.getrandbits(28)) if sidechain else None
        candidates = line_heads(rng, cwd, int(want / 1000) + 8, sidechain, agent)
        heads, size = [], 0
        for h in candidates:
            heads.append(h)
            size += len(h) + TS_LEN + 3
            if size >= want:
                break
        out.append(Template(heads))
    return out


def project_cwds(n):
    names = ["api", "web", "infra", "docs", "ml-pipeline", "cli", "mobile", "billing", "search", "auth"]
    return ["/home/dev/work/%s-%02d" % (names[i % len(names)], i) for i in range(n)]


def encode(cwd):
    return "".join(c if c.isascii() and c.isalnum() else "-" for c in cwd)


def write(path, data, mtime):
    with open(path, "wb") as f:
        f.write(data)
    os.utime(path, (mtime, mtime))


def listing(args):
    rng = random.Random(args.seed)
    now = time.time()
    cwds = project_cwds(args.projects)
    # Templates are built with a placeholder cwd per project so every project has its own; build per project lazily.
    shapes = {}
    total_bytes = subagents = with_subagents = 0
    for p, cwd in enumerate(cwds):
        os.makedirs(os.path.join(args.dir, "projects", encode(cwd)), exist_ok=True)
    for i in range(args.sessions):
        p = i % len(cwds)
        cwd = cwds[p]
        if p not in shapes:
            shapes[p] = (templates_for(rng, cwd, args.kb, 4), templates_for(rng, cwd, 30, 2, sidechain=True))
        main, subs = shapes[p]
        sid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        last = now - rng.uniform(0, 90 * 86400)
        tmpl = main[i % len(main)]
        step = rng.randint(5, 40)
        data, newest = tmpl.render(sid, last - step * len(tmpl.heads), step)
        proj = os.path.join(args.dir, "projects", encode(cwd))
        write(os.path.join(proj, sid + ".jsonl"), data, newest)
        total_bytes += len(data)
        if rng.random() < args.subagent_share:
            with_subagents += 1
            folder = os.path.join(proj, sid, "subagents")
            os.makedirs(folder)
            for _ in range(rng.randint(1, 3)):
                st = subs[rng.randrange(len(subs))]
                sdata, snewest = st.render(sid, last - 3600, 3)
                write(os.path.join(folder, "agent-%08x.jsonl" % rng.getrandbits(32)), sdata, snewest)
                total_bytes += len(sdata)
                subagents += 1
    return {"mode": "listing", "sessions": args.sessions, "projects": len(cwds), "subagents": subagents,
            "sessionsWithSubagents": with_subagents, "bytes": total_bytes, "files": args.sessions + subagents}


def sweep(args):
    """Half old, half recent; every file of an old session is old by mtime too, so `find ! -newermt` deletes the same set."""
    rng = random.Random(args.seed)
    now = time.time()
    day = 86400
    cwds = project_cwds(args.projects)
    shapes = {}
    d = args.dir
    for folder in ("todos", "debug", "file-history", "tool-results", "paste-cache", "shell-snapshots"):
        os.makedirs(os.path.join(d, folder), exist_ok=True)
    files = old_files = 0
    old_sessions = 0
    n = args.sessions

    def age(old):
        # Old: 5..400 days beyond the cut-off; recent: within the last (days - 5) days. No file near the boundary.
        return now - (args.days + rng.uniform(5, 400)) * day if old else now - rng.uniform(0, max(1, args.days - 5)) * day

    for i in range(n):
        p = i % len(cwds)
        cwd = cwds[p]
        if p not in shapes:
            shapes[p] = (templates_for(rng, cwd, args.kb, 3), templates_for(rng, cwd, args.kb / 2, 1, sidechain=True))
        main, subs = shapes[p]
        old = i % 2 == 0
        old_sessions += old
        sid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        last = age(old)
        tmpl = main[i % len(main)]
        data, newest = tmpl.render(sid, last - 10 * len(tmpl.heads), 10)
        proj = os.path.join(d, "projects", encode(cwd))
        os.makedirs(os.path.join(proj, sid, "subagents"))
        write(os.path.join(proj, sid + ".jsonl"), data, newest)
        sdata, snewest = subs[0].render(sid, newest - 600, 2)
        write(os.path.join(proj, sid, "subagents", "agent-%08x.jsonl" % rng.getrandbits(32)), sdata, snewest)
        # Per-session files outside the project folder: a todo for every session, then a debug log or a file history.
        write(os.path.join(d, "todos", "%s-agent-%s.json" % (sid, sid)), b'[{"content":"run the tests","status":"completed","activeForm":"Running the tests"}]', newest)
        if (i // 2) % 2 == 0:
            write(os.path.join(d, "debug", sid + ".txt"), b"[DEBUG] startup\n" * 40, newest)
        else:
            os.makedirs(os.path.join(d, "file-history", sid))
            write(os.path.join(d, "file-history", sid, "%016x@v1" % rng.getrandbits(64)), b"x = 1\n" * 200, newest)
        files += 4
        old_files += 4 if old else 0

    # Swept files that belong to no session, until the total is sessions*4 + others... e.g. 20,000*2 + 20,000 + 20,000 = 80,000
    # for 20,000 sessions; the rest of --others goes here.
    rest = args.others - 2 * n
    if rest < 0:
        sys.exit("--others must be at least twice --sessions (a todo and a debug/file-history per session)")
    split = [("tool-results", "toolu_%024x.txt", b"total 48\n-rw-r--r-- 1 dev dev 1200 src/main.py\n" * 20, 2),
             ("paste-cache", "%016x.txt", b"pasted text " * 60, 1), ("shell-snapshots", "snapshot-bash-%016x.sh", b"export PATH=/usr/bin\n" * 30, 1)]
    weights = sum(s[3] for s in split)
    unowned = unowned_old = 0
    for k, (folder, pattern, content, weight) in enumerate(split):
        count = rest * weight // weights if k < len(split) - 1 else rest - unowned
        for j in range(count):
            old = j % 2 == 0
            write(os.path.join(d, folder, pattern % rng.getrandbits(64)), content, age(old))
            unowned += 1
            unowned_old += old
    files += unowned
    old_files += unowned_old
    return {"mode": "sweep", "sessions": n, "oldSessions": old_sessions, "recentSessions": n - old_sessions,
            "unownedFiles": unowned, "oldUnownedFiles": unowned_old, "files": files, "oldFiles": old_files,
            "days": args.days}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["listing", "sweep"])
    ap.add_argument("dir")
    ap.add_argument("--sessions", type=int, required=True)
    ap.add_argument("--others", type=int, default=0)
    ap.add_argument("--projects", type=int, default=50)
    ap.add_argument("--kb", type=float, default=200, help="mean transcript size")
    ap.add_argument("--subagent-share", type=float, default=0.3)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--seed", type=int, default=4)
    args = ap.parse_args()
    started = time.time()
    summary = listing(args) if args.mode == "listing" else sweep(args)
    summary["seconds"] = round(time.time() - started, 1)
    json.dump(summary, sys.stdout)
    print()


if __name__ == "__main__":
    main()
