#!/bin/bash
# bench/asr/compare.sh OUTDIR CONF FILE...: word error rate per recording,
# docpipe (`docpipe inspect -c CONF`, no database) beside the stock decoder
# (`pocketsphinx_continuous -infile`, on the file converted to 16 kHz mono
# 16-bit by sox), for quick work on a setting; bench/asr_bench.sh is the
# reported run. Each FILE has its script next to it (FILE without extension
# + .txt). Writes OUTDIR/NAME.{ref,stock,docpipe}, OUTDIR/inspect.json
# (docpipe's whole output: segments, audio.snr_db, audio.band...) and prints
#   NAME  STOCK_ERRS  DOCPIPE_ERRS  WORDS  STOCK_WER  DOCPIPE_WER
# and a pooled line. STOCK=0 reuses OUTDIR/NAME.stock from an earlier run.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:?usage: compare.sh OUTDIR CONF FILE...}
conf=${2:?usage: compare.sh OUTDIR CONF FILE...}
shift 2
bin=${DOCPIPE:-$top/build/docpipe}
mkdir -p "$out"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for f in "$@"; do
	b=$(basename "$f"); b=${b%.*}
	cp "${f%.*}.txt" "$out/$b.ref"
	if [ "${STOCK:-1}" != 0 ] || [ ! -s "$out/$b.stock" ]; then
		sox -V1 -D "$f" -r 16000 -c 1 -b 16 -e signed-integer "$tmp/$b.wav"
		pocketsphinx_continuous -infile "$tmp/$b.wav" -logfn /dev/null > "$out/$b.stock" &
	fi
done
"$bin" inspect -c "$conf" "$@" > "$out/inspect.json"
wait
python3 - "$out" "$out/inspect.json" "$top/tests" <<'EOF'
import json, os, sys
out, js, tests = sys.argv[1:]
sys.path.insert(0, tests)
import wer
te = td = tw = 0
for line in open(js):
    d = json.loads(line)
    b = os.path.splitext(os.path.basename(d["file"]))[0]
    hyp = " ".join(s["text"] for s in d.get("segments") or [])
    open(f"{out}/{b}.docpipe", "w").write(hyp + "\n")
    ref = wer.words(open(f"{out}/{b}.ref").read())
    es = wer.distance(ref, wer.words(open(f"{out}/{b}.stock").read()))
    ed = wer.distance(ref, wer.words(hyp))
    te += es; td += ed; tw += len(ref)
    flag = "  WORSE" if (ed - es) / len(ref) > 0.02 else ""
    print(f"{b:34s} {es:4d} {ed:4d} {len(ref):4d}  {es/len(ref):.3f}  {ed/len(ref):.3f}{flag}")
print(f"{'pooled':34s} {te:4d} {td:4d} {tw:4d}  {te/tw:.3f}  {td/tw:.3f}  ({1 - td/te:+.1%} below stock)")
EOF
