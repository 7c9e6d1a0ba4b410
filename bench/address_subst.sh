#!/bin/bash
# bench/address_subst.sh: the address rule of the OCR stage (a value made of
# the IPA dictionary's place names in the written order needs no confidence
# threshold; docs/FORMS-reference.md section 9) against misreadings. Every
# address and location in the truth of test sets A, T and B is checked, then
# 40 copies of each with one kanji replaced by a random kanji of the place
# names (seeded): the share of those that still read as an address is the
# chance that one misread kanji slips past the grammar (two readings must
# then also agree on it).
# Usage: bench/address_subst.sh [DICTIONARY_DIR]   (after make)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
dict=${1:-/usr/share/mecab/dic/ipadic}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ -f var/forms-tune/truth.json ] || /usr/bin/python3 fixtures/forms/gen_forms.py --tuning var/forms-tune >/dev/null
cc -O2 -Ilib bench/address_subst.c build/libdocpipe.a -lcrypto -o "$tmp/address_subst"
python3 - "$dict" "$tmp" <<'PY'
import json, random, subprocess, sys
d, tmp = sys.argv[1], sys.argv[2]
addrs = set()
for f in ("fixtures/forms/truth.json", "var/forms-tune/truth.json", "fixtures/forms-b/truth.json"):
    for t in json.load(open(f, encoding="utf-8")):
        for k, v in t.get("fields", {}).items():
            if "address" in k or k == "location":
                addrs.add(v)
addrs = sorted(addrs)
places = subprocess.run("iconv -f euc-jp -t utf-8 %s/Noun.place.csv | cut -d, -f1" % d, shell=True,
                        capture_output=True, text=True, check=True).stdout.split()
kanji = [c for w in places for c in w if "\u4e00" <= c <= "\u9fff"]
rnd = random.Random(20261204)
variants = []
for a in addrs:
    idx = [i for i, c in enumerate(a) if "\u4e00" <= c <= "\u9fff"]
    for _ in range(40):
        i, c = rnd.choice(idx), rnd.choice(kanji)
        if c != a[i]:
            variants.append(a[:i] + c + a[i + 1:])
def check(lines):
    out = subprocess.run([tmp + "/address_subst", d], input="\n".join(lines) + "\n", capture_output=True,
                         text=True, check=True).stdout.splitlines()
    return [l.split(" ", 1) for l in out]
right = check(addrs)
print("addresses of the test sets that read as one: %d of %d" % (sum(r == "1" for r, _ in right), len(right)))
for r, a in right:
    if r != "1":
        print("   not an address by the grammar:", a)
got = check(variants)
n = sum(r == "1" for r, _ in got)
print("one kanji replaced at random: %d of %d still read as an address (%.1f%%)" % (n, len(got), 100.0 * n / len(got)))
PY
