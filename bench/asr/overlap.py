#!/usr/bin/env python3
"""overlap.py: how close the vocabulary corpus is to the texts it is tested on.

usage: bench/asr/overlap.py   (from the repository root)

The council language model (models/asr/corpus/) must not be tuned to the
test scripts. For the fixture scripts (fixtures/audio/*.txt, the long
meeting's sentences) and the held-out sentences (bench/asr/heldout.txt) this
prints: sentences that also occur word for word in the corpus (must be 0),
the longest run of words shared with one corpus sentence, and the share of
the texts' word trigrams that occur anywhere in the corpus. Exit 1 if a
test sentence is in the corpus.
"""
import glob
import re
import sys


def norm(line):
    return re.sub(r"[^a-z0-9' ]+", " ", line.split("#", 1)[0].lower()).split()


def corpus():
    out = []
    for path in sorted(glob.glob("models/asr/corpus/*.txt")):
        for line in open(path, encoding="utf-8"):
            w = norm(line)
            if w:
                out.append(w)
    return out


def grams(words, n):
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def longest_run(a, b):
    best, prev = 0, [0] * (len(b) + 1)
    for x in a:
        cur = [0] * (len(b) + 1)
        for j, y in enumerate(b, 1):
            if x == y:
                cur[j] = prev[j - 1] + 1
                best = max(best, cur[j])
        prev = cur
    return best


def report(name, texts, sents, cset, ctri):
    """texts: list of word lists (sentences where known, else whole scripts)"""
    same = sum(1 for t in texts if tuple(t) in cset)
    runs = [max(longest_run(t, s) for s in sents) for t in texts]
    tri = set().union(*(grams(t, 3) for t in texts))
    seen = len(tri & ctri)
    print(f"{name}: {len(texts)} texts, {sum(map(len, texts))} words; identical to a corpus sentence: {same}; "
          f"longest shared run: {max(runs)} words (median {sorted(runs)[len(runs) // 2]}); "
          f"trigrams also in the corpus: {seen}/{len(tri)} ({100 * seen / max(len(tri), 1):.0f}%)")
    return same


def main():
    sents = corpus()
    cset = {tuple(s) for s in sents}
    ctri = set().union(*(grams(s, 3) for s in sents))
    bad = 0
    # fixture scripts: the long meeting per sentence, the clips whole
    longs = [norm(l.split("\t")[3]) for l in open("fixtures/audio/long_meeting.turns.tsv", encoding="utf-8")][1:]
    clips = [norm(open(p, encoding="utf-8").read()) for p in sorted(glob.glob("fixtures/audio/acc*.txt"))]
    bad += report("fixture long meeting (sentences)", longs, sents, cset, ctri)
    report("fixture accuracy clips (whole scripts)", clips, sents, cset, ctri)
    held = [norm(l.split("|", 1)[1]) for l in open("bench/asr/heldout.txt", encoding="utf-8")
            if "|" in l and not l.startswith("#")]
    bad += report("held-out sentences", held, sents, cset, ctri)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
