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
    ("shipped2", "docpipe, shipped"),
    ("weights2", "docpipe, shipped but language weight 100 and vocabulary weight 30 (before the second round)"),
    ("previous2", "docpipe before issue 16 (no narrow-band decoder, no noise suppression, topn 3, maxhmmpf 3000)"),
    ("onechunk2", "docpipe, shipped, each recording one chunk"),
]


def tsv(path):
    with open(path, encoding="utf-8") as f:
        return [l.rstrip("\n").split("\t") for l in f if l.strip()]


def main(raw):
    clips = {r[0]: float(r[2]) for r in tsv(f"{raw}/clips.tsv")}
    sets = {r[0]: r[3] for r in tsv(f"{raw}/clips.tsv")}
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

    A = [b for b in order if sets[b] == "A"]
    B = [b for b in order if sets[b] == "B"]
    groups = [
        ("set A, tuning: all (pooled)", A),
        ("set A: Festival voices, no long meeting", [b for b in A if not b.startswith(("rob", "long"))]),
        ("set A: long meeting", [b for b in A if b.startswith("long")]),
        ("set A: espeak-ng", [b for b in A if b.startswith("rob")]),
        ("**set B, report: all (pooled)**", B),
        ("set B: Festival voices and the meeting", [b for b in B if "espeak" not in b]),
        ("set B: espeak-ng voices", [b for b in B if "espeak" in b]),
        ("held-out clips (pooled)", [b for b in order if sets[b] == "heldout"]),
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
      "`sox -D X -r 16000 -c 1 -b 16 -e signed-integer` (no dither, so every run gives the stock decoder the same samples), CPU (user + system) minus its model loading "
      f"({meta['stock_load_cpu']} s, measured on one second of silence). docpipe: `docpipe run` with 2 asr "
      "workers on the original files; CPU is the sum of the audio and asr stage runs of each recording "
      "(stage_runs.cpu_ms: decoding, resampling, voice activity and PocketSphinx; model loading is in the first "
      "chunk each worker decodes, about 0.5 s, so the recordings decoded first carry it). CPU/s = CPU seconds per second of audio, i.e. the real-time factor per core. "
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
    p("<details open><summary>per recording</summary>\n")
    p("| set | clip | seconds | " + " | ".join(f"WER {v}" for v, _ in variants) + " | shipped - stock | "
      + " | ".join(f"CPU/s {v}" for v, _ in variants) + " |")
    p("|---|---|---|" + "---|" * (2 * len(variants) + 1))
    for b in order:
        d = errs["shipped2", b][0] / errs["shipped2", b][1] - errs["stock", b][0] / errs["stock", b][1]
        p(f"| {sets[b]} | {b} | {clips[b]:.1f} | "
          + " | ".join(f"{errs[v, b][0] / max(errs[v, b][1], 1):.3f}" for v, _ in variants)
          + f" | {d:+.3f}{' **worse**' if d > 0.02 else ''} | "
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
             "shipped1": "`docpipe run`, 1 asr worker (chunks 5-20 s, shipped)",
             "shipped2": "`docpipe run`, 2 asr workers (chunks 5-20 s, shipped)"}
    med = {d: statistics.median(ts) for d, ts in walls.items()}
    mdoc = {d: statistics.median(ts) for d, ts in docs.items()}
    single = {"shipped2": "shipped1", "shipped1": "shipped1"}
    for d in ("stock", "shipped1", "shipped2"):
        if d not in walls:
            continue
        doc = f"{mdoc[d]:.1f}" if d in mdoc else "-"
        vs1 = f"{med[d] / med[single[d]]:.2f}" if d in single and single[d] in med else "-"
        if d in single and d in mdoc and single[d] in mdoc:
            vs1 += f" ({mdoc[d] / mdoc[single[d]]:.2f})"
        p(f"| {names[d]} | {', '.join(f'{t:.1f}' for t in walls[d])} | {med[d]:.1f} | {med[d] / long_s:.3f} | "
          f"{med[d] / med['stock']:.2f} | {vs1} | {doc} |")
    p("")
    p("`docpipe run` wall time is the whole command: starting every stage's workers (Tesseract "
      "models; each asr worker loads PocketSphinx on its first chunk), the database, the audio stage and the merge; \"vs docpipe, 1 worker\" compares "
      "with the same chunking, in brackets the document times (received to loaded, without the start-up). "
      "Targets (issue 5): two workers at most 0.6 of one decoder, wall real-time factor at most 0.10.\n")

    if os.path.exists(f"{raw}/hour.tsv"):
        p("### An hours-long recording (bench/asr/hour.sh)\n")
        p("acc01 (24.65 s of speech) and 20 s of silence, repeated to fill the hours, 16 kHz mono FLAC, "
          "`docpipe run` with the shipped settings and 2 asr workers:\n")
        p("| hours | file MB | wall s | wall real-time factor | peak memory MB | segments | asr chunk jobs | status |")
        p("|---|---|---|---|---|---|---|---|")
        for h, mb, wall, rss, segs, chunks, status in tsv(f"{raw}/hour.tsv"):
            p(f"| {h} | {mb} | {float(wall):.1f} | {float(wall) / (float(h) * 3600):.3f} | {rss} | {segs} | "
              f"{chunks} | {status} |")
        p("\nA little over half of this recording is speech; the silent 20 s stretches are not sent to the "
          "decoder (a chunk keeps a fraction of a second of the silence around its speech). Memory: the file itself (held whole, [limits] max_file_bytes), one 20 s chunk in the audio "
          "stage, a few queued chunks, the decoders (about 100 MB each) and the segments.\n")

    # findings, from the figures above
    def w(v, names):
        e, n = pooled(v, names)
        return e / n if n else float("nan")

    def worse(names):
        return [b for b in names
                if errs["shipped2", b][0] / errs["shipped2", b][1] - errs["stock", b][0] / errs["stock", b][1] > 0.02]
    p("### Findings\n")
    for label, names in (("set B (report)", B), ("set A (tuning)", A)):
        if not names:
            continue
        wb = worse(names)
        before = "".join(f"; {what} {w(v, names):.3f}" for v, what in
                         (("weights2", "before the second round"), ("previous2", "before issue 16")) if v in cpu)
        p(f"- {label}: pooled WER {w('shipped2', names):.3f} against {w('stock', names):.3f} for the stock decoder, "
          f"{100 * (1 - w('shipped2', names) / w('stock', names)):.1f}% below it (target: 25% on set B){before}. "
          f"Recordings worse than stock by more than 0.02: {', '.join(wb) if wb else 'none'}.")
    for v, what in (("weights2", "before the second round (language weight 100, vocabulary weight 30)"),
                    ("previous2", "before issue 16")):
        if v in cpu:
            p(f"- CPU per second of audio, shipped against {what}: {rtf('shipped2', A):.3f} against "
              f"{rtf(v, A):.3f} on set A, {rtf('shipped2', B):.3f} against {rtf(v, B):.3f} on set B "
              f"(stock decoder {rtf('stock', A):.3f} and {rtf('stock', B):.3f}).")
    if "onechunk2" in cpu:
        p(f"- Chunking: each recording decoded as one chunk gives {w('onechunk2', A):.3f} on set A and "
          f"{w('onechunk2', B):.3f} on set B, against {w('shipped2', A):.3f} and {w('shipped2', B):.3f} with "
          "chunks of 5-20 s cut at pauses.")
    if "shipped2" in med and "shipped1" in med:
        p(f"- Two asr workers: {med['shipped2']:.1f} s for the {long_s:.1f} s meeting, a wall real-time factor of "
          f"{med['shipped2'] / long_s:.3f} (target 0.10) on a machine shared with other jobs (load average above); "
          f"CPU per second of audio with the shipped settings: {rtf('shipped2', order):.3f} over all clips, "
          f"{rtf('shipped2', order) / 2:.3f} per second of audio on two cores.")
    p("")
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
