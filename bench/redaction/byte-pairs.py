#!/usr/bin/env python3
"""Writes src/Custodian.Redaction/Internal/BytePairs.bin: how often each pair of adjacent bytes occurs in Claude Code
transcripts, per million pairs, as 128 x 128 little-endian uint16 (row = first byte, column = second; every byte at
or above 0x80 counts as 0x00, as the prefilter sees it). Each pair takes the larger of its frequency in the shared
corpus's transcripts and in a generated transcript of bench/redaction (the same rule as AnchorIndex.PerMillion);
a pair seen at all counts at least 1. The table only decides how the prefilter groups anchors, so it decides speed,
never what is found.
    bench/redaction/byte-pairs.py GENERATED.jsonl   (bench/Custodian.Redaction.Throughput generate FILE 10 2)
"""
import glob, os, struct, sys

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

def pairs(paths):
    counts = [0] * (128 * 128)
    total = 0
    for path in paths:
        data = open(path, 'rb').read()
        data = bytes(b if b < 128 else 0 for b in data)
        for i in range(len(data) - 1):
            counts[data[i] * 128 + data[i + 1]] += 1
        total += max(0, len(data) - 1)
    return counts, total

corpus = sorted(glob.glob(os.path.join(root, '..', 'shared', 'corpus', '**', '*.jsonl'), recursive=True))
if not corpus:
    sys.exit('byte-pairs.py: no transcripts under ../shared/corpus')
tables = [pairs(corpus), pairs(sys.argv[1:])]
out = bytearray()
for k in range(128 * 128):
    best = 0
    for counts, total in tables:
        if total and counts[k]:
            best = max(best, max(1, round(counts[k] * 1e6 / total)))
    out += struct.pack('<H', min(best, 65535))
path = os.path.join(root, 'src', 'Custodian.Redaction', 'Internal', 'BytePairs.bin')
open(path, 'wb').write(out)
print(f'{path}: {len(corpus)} corpus transcripts, {len(sys.argv) - 1} generated')
