#!/usr/bin/env bash
# bench/asr/make_heldout.sh OUTDIR: speak bench/asr/heldout.txt with Festival
# into OUTDIR/heldout_VOICE.wav (16 kHz mono 16-bit, 0.6 s between sentences,
# like fixtures/audio/gen.sh) with OUTDIR/heldout_VOICE.txt as its script.
# Needs festival and its slt, kal and ked voices (the fixtures' packages).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: make_heldout.sh OUTDIR}
mkdir -p "$out"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for v in slt kal ked; do
	case $v in
	slt) voice=voice_cmu_us_slt_arctic_hts ;;
	kal) voice=voice_kal_diphone ;;
	ked) voice=voice_ked_diphone ;;
	esac
	n=0; parts=(); : > "$tmp/$v.script"
	while IFS='|' read -r who text; do
		[[ -z $who || $who == \#* || $who != "$v" ]] && continue
		n=$((n + 1))
		printf '%s.\n' "$text" | text2wave -eval "($voice)" -o "$tmp/$v$n.raw.wav"
		sox -R -D -V1 "$tmp/$v$n.raw.wav" -r 16000 -c 1 -e floating-point -b 32 "$tmp/$v$n.wav" pad 0 0.6
		parts+=("$tmp/$v$n.wav")
		printf '%s\n' "$text" >> "$tmp/$v.script"
	done < "$here/heldout.txt"
	sox -R -D -V1 "${parts[@]}" -e signed-integer -b 16 "$out/heldout_$v.wav" pad 0.5 0 norm -3
	tr '\n' ' ' < "$tmp/$v.script" | sed 's/  */ /g; s/ $//' > "$out/heldout_$v.txt"
	echo >> "$out/heldout_$v.txt"
done
