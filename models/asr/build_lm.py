#!/usr/bin/env python3
"""build_lm.py: the council language model from the sentences in corpus/.

usage: models/asr/build_lm.py [--order N] [--out models/asr/council.lm]

Reads every corpus/*.txt next to this script (one sentence a line, '#'
comments), lowercases it and keeps letters, digits and apostrophes. Every
word must have a pronunciation in PocketSphinx's dictionary or in
council.dict; the script stops and lists the words that have none.

Writes a trigram back-off model in ARPA format (which PocketSphinx reads
directly): absolute discounting with one discount per order,
D = n1 / (n1 + 2 n2) (Ney et al.), back-off weights computed so that every
distribution sums to one. The unigram distribution is discounted the same way
and the mass left over is spread evenly over the vocabulary.

docpipe interpolates this model with the general en-US model ([asr]
vocabulary_lm and vocabulary_weight in pipeline.conf), so words outside the
corpus are still recognised; this model only shifts probability towards
council phrasing. Deterministic: the same corpus gives the same file.
"""
import glob
import math
import os
import re
import sys
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
DICT = "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict"


def sentences():
    for path in sorted(glob.glob(os.path.join(HERE, "corpus", "*.txt"))):
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.split("#", 1)[0].strip().lower()
                words = re.sub(r"[^a-z0-9' ]+", " ", line).split()
                words = [w.strip("'") for w in words if w.strip("'")]
                if words:
                    yield path, words


def dictionary_words(paths):
    known = set()
    for path in paths:
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                line = line.split("#", 1)[0].strip()
                if line:
                    known.add(re.sub(r"\(\d+\)$", "", line.split()[0].lower()))
    return known


def log10(p):
    return math.log10(p) if p > 0 else -99.0


def build(sents, order):
    counts = [defaultdict(int) for _ in range(order + 1)]  # counts[k][tuple of k words]
    for words in sents:
        toks = ["<s>"] + words + ["</s>"]
        for k in range(1, order + 1):
            for i in range(len(toks) - k + 1):
                gram = tuple(toks[i:i + k])
                if k == 1 and gram == ("<s>",):
                    continue
                counts[k][gram] += 1
    disc = [0.0] * (order + 1)
    for k in range(1, order + 1):
        n1 = sum(1 for c in counts[k].values() if c == 1)
        n2 = sum(1 for c in counts[k].values() if c == 2)
        disc[k] = n1 / (n1 + 2 * n2) if n1 + n2 else 0.5
    vocab = sorted(w for (w,) in counts[1])
    total = sum(counts[1].values())
    left = disc[1] * len(vocab) / total
    prob = [dict() for _ in range(order + 1)]
    for (w,), c in counts[1].items():
        prob[1][(w,)] = (c - disc[1]) / total + left / len(vocab)
    # children of each history
    follows = [defaultdict(list) for _ in range(order + 1)]
    for k in range(2, order + 1):
        for gram in counts[k]:
            follows[k][gram[:-1]].append(gram)
    bow = [dict() for _ in range(order + 1)]
    for k in range(2, order + 1):
        for hist, grams in follows[k].items():
            ctot = sum(counts[k][g] for g in grams)
            for g in grams:
                prob[k][g] = (counts[k][g] - disc[k]) / ctot
            mass = disc[k] * len(grams) / ctot
            lower = sum(prob[k - 1][g[1:]] for g in grams)
            bow[k - 1][hist] = mass / (1.0 - lower) if lower < 1.0 else 1e-9
    return vocab, prob, bow


def write_arpa(out, prob, bow, order, nsent):
    with open(out, "w", encoding="utf-8") as f:
        f.write("# council.lm: written by models/asr/build_lm.py from models/asr/corpus/ "
                f"({nsent} sentences); do not edit, run the script\n")
        f.write("\\data\\\n")
        f.write(f"ngram 1={len(prob[1]) + 1}\n")
        for k in range(2, order + 1):
            f.write(f"ngram {k}={len(prob[k])}\n")
        f.write("\n\\1-grams:\n")
        f.write(f"-99.0000 <s> {log10(bow[1].get(('<s>',), 1.0)):.4f}\n")
        for g in sorted(prob[1]):
            b = bow[1].get(g)
            f.write(f"{log10(prob[1][g]):.4f} {g[0]}" + (f" {log10(b):.4f}" if b is not None else "") + "\n")
        for k in range(2, order + 1):
            f.write(f"\n\\{k}-grams:\n")
            for g in sorted(prob[k]):
                b = bow[k].get(g) if k < order else None
                f.write(f"{log10(prob[k][g]):.4f} {' '.join(g)}" + (f" {log10(b):.4f}" if b is not None else "") + "\n")
        f.write("\n\\end\\\n")


def main(argv):
    order, out = 3, os.path.join(HERE, "council.lm")
    while argv:
        if argv[0] == "--order" and len(argv) > 1:
            order = int(argv[1]); argv = argv[2:]
        elif argv[0] == "--out" and len(argv) > 1:
            out = argv[1]; argv = argv[2:]
        else:
            sys.stderr.write("usage: build_lm.py [--order N] [--out FILE]\n")
            return 2
    known = dictionary_words([DICT, os.path.join(HERE, "council.dict")])
    sents, missing = [], defaultdict(set)
    for path, words in sentences():
        for w in words:
            if known and w not in known:
                missing[w].add(os.path.basename(path))
        sents.append(words)
    if missing:
        for w in sorted(missing):
            sys.stderr.write(f"build_lm.py: '{w}' ({', '.join(sorted(missing[w]))}) has no pronunciation: "
                             "add it to council.dict or reword the sentence\n")
        return 1
    vocab, prob, bow = build(sents, order)
    write_arpa(out, prob, bow, order, len(sents))
    print(f"{out}: {len(sents)} sentences, {sum(len(s) for s in sents)} words, {len(vocab)} word types, "
          + ", ".join(f"{len(prob[k])} {k}-grams" for k in range(1, order + 1)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
