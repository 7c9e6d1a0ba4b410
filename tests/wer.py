#!/usr/bin/env python3
"""wer.py: word error rate of transcripts against their scripts.

usage: wer.py [--max W] REF HYP [REF HYP ...]

REF and HYP are text files ('-' reads HYP from stdin, once). Words are
compared lowercased with punctuation stripped (apostrophes are dropped, other
punctuation separates words); PocketSphinx's alternative-pronunciation marks
("read(2)") and filler tokens ("<sil>", "[noise]") are removed. The distance
is the word-level Levenshtein distance (substitutions, deletions and
insertions each cost 1).

Prints one line per pair and a pooled line (errors summed over words summed):
    NAME<TAB>ERRORS<TAB>WORDS<TAB>WER
    pooled<TAB>ERRORS<TAB>WORDS<TAB>WER
With --max W the exit status is 1 when the pooled WER is above W.
"""
import re
import sys


def words(text):
    text = text.lower()
    text = re.sub(r"\(\d+\)", "", text)          # read(2) -> read
    text = re.sub(r"<[^>]*>|\[[^\]]*\]", " ", text)  # <sil>, [noise]
    text = text.replace("'", "")
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return text.split()


def distance(ref, hyp):
    """Word-level Levenshtein distance, O(len(hyp)) memory."""
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[len(hyp)]


def read(path, stdin_text):
    if path == "-":
        return stdin_text
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def main(argv):
    limit = None
    if len(argv) >= 2 and argv[0] == "--max":
        limit = float(argv[1])
        argv = argv[2:]
    if not argv or len(argv) % 2:
        sys.stderr.write("usage: wer.py [--max W] REF HYP [REF HYP ...]\n")
        return 2
    stdin_text = sys.stdin.read() if "-" in argv[1::2] else ""
    total_err = total_words = 0
    for ref_path, hyp_path in zip(argv[0::2], argv[1::2]):
        ref = words(read(ref_path, stdin_text))
        hyp = words(read(hyp_path, stdin_text))
        err = distance(ref, hyp)
        total_err += err
        total_words += len(ref)
        name = re.sub(r"\.txt$", "", ref_path.rsplit("/", 1)[-1])
        print(f"{name}\t{err}\t{len(ref)}\t{err / max(len(ref), 1):.3f}")
    pooled = total_err / max(total_words, 1)
    print(f"pooled\t{total_err}\t{total_words}\t{pooled:.3f}")
    if limit is not None and pooled > limit:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
