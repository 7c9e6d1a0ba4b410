# t047-inspect-overlay: `docpipe inspect --overlay OUT.png FILE`, the
# template writer's picture (docs/FORMS.md): every recognised page drawn with
# its field boxes as registered, red where a field needs review; what the
# title band read and each template's score in the JSON (page.N.band,
# page.N.scores). No database.
# QUICK
. "$TOP/tests/lib.sh"
cd "$TOP"
T="$TMPBASE/t047"
mkdir -p "$T"
PLANNED=13
png_size() { python3 -c 'import struct, sys
b = open(sys.argv[1], "rb").read()
print("%dx%d" % struct.unpack(">II", b[16:24]) if b[:8] == b"\x89PNG\r\n\x1a\n" else "not a png")' "$1" 2>/dev/null; }

"$DOCPIPE" inspect --overlay "$T/two.png" fixtures/forms/multi/gyoseishoshi_cert_shogu_kaizen_2p.tif \
	>"$T/two.json" 2>"$T/two.log"
eq "a two-page form: exit 0" 0 $?
eq "page 1 drawn at the scan's size" 2480x3508 "$(png_size "$T/two.png")"
eq "page 2 drawn beside it, as OUT-2.png" 2480x3508 "$(png_size "$T/two-2.png")"
contains "the log names both pictures" "$(cat "$T/two.log")" "two-2.png"
r=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
a = d["attrs"]
print(a.get("page.1.form"), "gyoseishoshi_cert=1.00" in a.get("page.1.scores", ""), "交付申請書" in a.get("page.1.band", ""))' "$T/two.json")
eq "the JSON shows the band read and every score" "gyoseishoshi_cert True True" "$r"
# red (flagged) and green (not flagged) boxes: count the pixels of each colour
r=$(python3 - "$T/two.png" "$T/two.json" <<'PY'
import json, sys, zlib, struct
def pixels(path):
    b = open(path, "rb").read()
    pos, idat, plte, hdr = 8, b"", None, None
    while pos < len(b):
        n, t = struct.unpack(">I4s", b[pos:pos + 8])
        c = b[pos + 8:pos + 8 + n]
        if t == b"IHDR": hdr = struct.unpack(">IIBBBBB", c)
        if t == b"PLTE": plte = [tuple(c[i:i + 3]) for i in range(0, len(c), 3)]
        if t == b"IDAT": idat += c
        pos += 12 + n
    return hdr, plte, zlib.decompress(idat)
hdr, plte, raw = pixels(sys.argv[1])
w, h, depth, ctype = hdr[0], hdr[1], hdr[2], hdr[3]
colours = set()
if ctype == 3 and depth == 8 and plte:
    stride = w + 1
    seen = set(raw[r * stride + 1 + x] for r in range(0, h, 7) for x in range(0, w, 3))
    colours = {plte[i] for i in seen if i < len(plte)}
elif ctype == 2 and depth == 8:
    colours = {"rgb"}
red = any(r > 150 and g < 100 and b < 100 for (r, g, b) in colours) if "rgb" not in colours else True
green = any(g > 100 and r < 100 and b < 100 for (r, g, b) in colours) if "rgb" not in colours else True
flagged = any(f["needs_review"] for f in json.load(open(sys.argv[2]))["fields"] if f["page"] == 1)
print(green, red == flagged)
PY
)
eq "green boxes, and red ones exactly when page 1 has a flagged field" "True True" "$r"

"$DOCPIPE" inspect --overlay "$T/none.png" fixtures/scans/letter_en.jpg >/dev/null 2>"$T/none.log"
eq "a page no template recognises: exit 0" 0 $?
check "  nothing drawn" test ! -e "$T/none.png"
contains "  and the log says why, and where to look" "$(cat "$T/none.log")" "page.N.band"

"$DOCPIPE" inspect --overlay "$T/x.png" fixtures/scans/letter_en.jpg fixtures/scans/letter_en.jpg >/dev/null 2>"$T/two-files.log"
eq "--overlay with two files: a usage error (exit 1)" 1 $?
contains "  saying one FILE" "$(cat "$T/two-files.log")" "exactly one FILE"
"$DOCPIPE" inspect --overlay >/dev/null 2>&1
eq "--overlay without OUT and FILE: a usage error" 1 $?
check "declared $PLANNED checks, made $((T_N + 1))" test "$((T_N + 1))" -eq "$PLANNED"
done_testing
