#!/usr/bin/env python3
"""report.py RAWDIR: the markdown section of bench/asr_bench.sh from its raw figures.

RAWDIR (bench/asr/last-run) holds clips.tsv (name, file, seconds),
stock.tsv (name, wall s, CPU s without model loading), VARIANT.tsv (name,
CPU s of the audio and asr stage runs), hyp/NAME.ref and hyp/NAME.VARIANT
(scripts and transcripts), wall.tsv (decoder, repeat, wall s, document ms)
and meta.tsv. Word error rates use tests/wer.py.
"""
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests"))
import wer  # noqa: E402

VARIANTS = [
    ("stock", "stock `pocketsphinx_continuous`"),
    ("shipped2", "docpipe, shipped settings (vocabulary, weight 30)"),
    ("novocab2", "docpipe, no vocabulary"),
    ("psdefault2", "docpipe, no vocabulary, PocketSphinx search defaults"),
    ("weight10", "docpipe, vocabulary weight 10"),
    ("weight50", "docpipe, vocabulary weight 50"),
]
ACC9 = ["acc01", "acc02", "acc03", "acc04", "acc05", "acc06", "acc07", "acc10", "acc11"]


def tsv(path):
    with open(path, encoding="utf-8") as f:
        return [l.rstrip("\n").split("\t") for l in f if l.strip()]


def main(raw):
    clips = {r[0]: float(r[2]) for r in tsv(f"{raw}/clips.tsv")}
    order = [r[0] for r in tsv(f"{raw}/clips.tsv")]
    meta = dict(tsv(f"{raw}/meta.tsv"))
    cpu = {"stock": {r[0]: float(r[2]) for r in tsv(f"{raw}/stock.tsv")}}
    variants = [v for v in VARIANTS if v[0] == "stock" or os.path.exists(f"{raw}/{v[0]}.tsv")]
    for v, _ in variants[1:]:
        cpu[v] = {r[0]: float(r[1]) for r in tsv(f"{raw}/{v}.tsv")}
    errs = {}
    for v, _ in variants:
        for b in order:
            ref = wer.words(open(f"{raw}/hyp/{b}.ref", encoding="utf-8").read())
            hyp = wer.words(open(f"{raw}/hyp/{b}.{v}", encoding="utf-8").read())
            errs[v, b] = (wer.distance(ref, hyp), len(ref))

    groups = [
        ("nine accuracy clips (pooled)", [b for b in order if b[:5] in ACC9]),
        ("acc08 telephone band", [b for b in order if b.startswith("acc08")]),
        ("acc09 pink noise", [b for b in order if b.startswith("acc09")]),
        ("long meeting", [b for b in order if b.startswith("long")]),
        ("held-out clips (pooled)", [b for b in order if b.startswith("heldout")]),
        ("everything (pooled)", order),
    ]

    def pooled(v, names):
        e = sum(errs[v, b][0] for b in names)
        n = sum(errs[v, b][1] for b in names)
        return e, n

    def rtf(v, names):
        return sum(cpu[v][b] for b in names) / sum(clips[b] for b in names)

    p = print
    p("## Meeting transcription: word error rate and speed (bench/asr_bench.sh)\n")
    p(f"Command: `scripts/dev-db start && make && bench/asr_bench.sh {meta.get('reps', '3')}` "
      f"(run {meta['started']}; {meta['machine']}; pocketsphinx {meta['pocketsphinx']}; "
      f"load average {meta['load_before']} before, {meta['load_after']} after: the machine is shared, "
      "compare columns of this one run). Raw figures: bench/asr/last-run/.\n")
    p("Stock: `pocketsphinx_continuous -infile X.wav -logfn /dev/null` on each clip converted with "
      "`sox X -r 16000 -c 1 -b 16 -e signed-integer`, CPU (user + system) minus its model loading "
      f"({meta['stock_load_cpu']} s, measured on one second of silence). docpipe: `docpipe run` with 2 asr "
      "workers on the original files; CPU is the sum of the audio and asr stage runs of each recording "
      "(stage_runs.cpu_ms: decoding, resampling, voice activity and PocketSphinx; model loading, once per "
      "worker, excluded). CPU/s = CPU seconds per second of audio, i.e. the real-time factor per core. "
      "WER: tests/wer.py (word-level Levenshtein, lowercase, punctuation stripped).\n")

    p("### Word error rate (errors / words)\n")
    p("| clips | " + " | ".join(label for _, label in variants) + " |")
    p("|---|" + "---|" * len(variants))
    for name, names in groups:
        if not names:
            continue
        cells = []
        for v, _ in variants:
            e, n = pooled(v, names)
            cells.append(f"{e / n:.3f} ({e}/{n})")
        p(f"| {name} | " + " | ".join(cells) + " |")
    p("")
    p("### CPU per second of audio (real-time factor per core)\n")
    p("| clips | " + " | ".join(label for _, label in variants) + " |")
    p("|---|" + "---|" * len(variants))
    for name, names in groups:
        if names:
            p(f"| {name} | " + " | ".join(f"{rtf(v, names):.3f}" for v, _ in variants) + " |")
    p("")
    p("<details><summary>per clip</summary>\n")
    p("| clip | seconds | " + " | ".join(f"WER {v}" for v, _ in variants) + " | "
      + " | ".join(f"CPU/s {v}" for v, _ in variants) + " |")
    p("|---|---|" + "---|" * (2 * len(variants)))
    for b in order:
        p(f"| {b} | {clips[b]:.1f} | "
          + " | ".join(f"{errs[v, b][0] / max(errs[v, b][1], 1):.3f}" for v, _ in variants) + " | "
          + " | ".join(f"{cpu[v][b] / clips[b]:.3f}" for v, _ in variants) + " |")
    p("\n</details>\n")

    walls = {}
    docs = {}
    for dec, _, t, doc in tsv(f"{raw}/wall.tsv"):
        if t:
            walls.setdefault(dec, []).append(float(t))
        if doc not in ("-", ""):
            docs.setdefault(dec, []).append(float(doc) / 1000)
    long_s = clips.get("long_meeting", 200.6)
    p(f"### The long meeting ({long_s:.1f} s): wall time, {meta.get('reps', '3')} interleaved runs each\n")
    p("| decoder | wall s (each run) | median wall s | wall real-time factor | vs stock | vs docpipe, 1 worker | document s (received to loaded) |")
    p("|---|---|---|---|---|---|---|")
    names = {"stock": "stock `pocketsphinx_continuous` (one decoder, whole file)",
             "shipped1": "`docpipe run`, 1 asr worker", "shipped2": "`docpipe run`, 2 asr workers"}
    med = {d: statistics.median(ts) for d, ts in walls.items()}
    for d in ("stock", "shipped1", "shipped2"):
        if d not in walls:
            continue
        doc = f"{statistics.median(docs[d]):.1f}" if d in docs else "-"
        p(f"| {names[d]} | {', '.join(f'{t:.1f}' for t in walls[d])} | {med[d]:.1f} | {med[d] / long_s:.3f} | "
          f"{med[d] / med['stock']:.2f} | {med[d] / med['shipped1']:.2f} | {doc} |")
    p("")
    p("`docpipe run` wall time is the whole command: starting every stage's workers (Tesseract and "
      "PocketSphinx models), the database, the audio stage and the merge. Targets (issue 5): two workers "
      "at most 0.6 of one decoder, wall real-time factor at most 0.10.\n")
    try:
        ov = subprocess.run([sys.executable, "bench/asr/overlap.py"], capture_output=True, text=True, check=False)
        p("### How far the vocabulary corpus is from the test texts (bench/asr/overlap.py)\n")
        p("```")
        p(ov.stdout.strip())
        p("```")
    except OSError:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "bench/asr/last-run"))
