#!/bin/bash
# bench/forms_speed.sh: reading a form's fields against full-page OCR (issue 3).
# In one run over the same form pages: docpipe's field reading (the ocr
# stage: recognition, registration and every field, engines loaded once per
# worker as in production) against `tesseract PAGE - -l jpn+eng` per page
# (the full page text a user would otherwise script).
# Usage: bench/forms_speed.sh [OUT.md]    Run on a quiet machine.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=${1:-bench/results/forms_speed.md}
mkdir -p "$(dirname "$out")"
export OMP_THREAD_LIMIT=1
pages=$(ls fixtures/forms/clean/*.png fixtures/forms/degraded/*.png fixtures/forms/degraded/*.jpg)
n=$(echo "$pages" | wc -l)
calc() { awk "BEGIN { printf \"%.3f\", $* }"; }

t0=$(date +%s.%N)
# shellcheck disable=SC2086
build/docpipe inspect $pages > /tmp/forms_speed.$$.json
t1=$(date +%s.%N)
inspect_wall=$(calc "$t1 - $t0")
read -r ocr_cpu ocr_wall pre_cpu < <(python3 - /tmp/forms_speed.$$.json <<'PY'
import json, sys
oc = ow = pc = 0.0
for line in open(sys.argv[1]):
    for t in json.loads(line)["timings"]:
        if t["stage"] == "ocr":
            oc += t["cpu_ms"]; ow += t["wall_ms"]
        if t["stage"] == "preprocess":
            pc += t["cpu_ms"]
print(oc, ow, pc)
PY
)
rm -f /tmp/forms_speed.$$.json

t0=$(date +%s.%N)
for f in $pages; do tesseract "$f" - -l jpn+eng >/dev/null 2>&1; done
t1=$(date +%s.%N)
cli_wall=$(calc "$t1 - $t0")

{
	echo "## Form fields against full-page OCR ($(date -u +%Y-%m-%d), $n pages: fixtures/forms clean and degraded)"
	echo
	echo "Command: \`bench/forms_speed.sh\`"
	echo
	echo "| per page | ms |"
	echo "| --- | ---: |"
	echo "| docpipe ocr stage (recognise, register, read every field), CPU | $(calc "$ocr_cpu / $n") |"
	echo "| docpipe ocr stage, wall | $(calc "$ocr_wall / $n") |"
	echo "| docpipe preprocess (decode, deskew), CPU | $(calc "$pre_cpu / $n") |"
	echo "| docpipe inspect, whole process wall incl. loading models, per page | $(calc "$inspect_wall * 1000 / $n") |"
	echo "| \`tesseract PAGE - -l jpn+eng\` (full page), wall | $(calc "$cli_wall * 1000 / $n") |"
	echo
	echo "Field reading is $(calc "$cli_wall * 1000 / $n / ($ocr_wall / $n)") times faster per page than full-page" \
		"tesseract (ocr stage wall time against the command's wall time)."
} > "$out"
cat "$out"
