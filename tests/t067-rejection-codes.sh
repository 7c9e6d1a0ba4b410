# t067-rejection-codes: every rejection carries a stable code beside the
# words, in documents.error_code, ledger.error_code, the log, inspect's JSON
# and NAME.error.txt; a blank page is recognised as blank (almost no ink) and
# flagged (status needs_review, issue blank_page), not stored as an
# unrecognised form (issue 14, item 7).
# QUICK
. "$TOP/tests/lib.sh"
. "$TOP/tests/inbox_lib.sh"
plan 16
cd "$TOP" || exit 1
[ -n "$TMPBASE" ] || { fail "TMPBASE set"; done_testing; exit 1; }
W="$TMPBASE/t067"
rm -rf "$W"
mkdir -p "$W/in" || { fail "work folder made"; done_testing; exit 1; }
# a blank A4 page at 300 dpi with 500 specks of dust; a made-up WAV codec
/usr/bin/python3 - "$W/in/blank.png" <<'PY' || fail "blank page made"
import random, struct, sys, zlib
w, h = 2480, 3508
random.seed(7)
rows = [bytearray(b"\x00" + b"\xff" * w) for _ in range(h)]
for _ in range(500):
    rows[random.randrange(h)][1 + random.randrange(w)] = 0x20
def chunk(t, b): return struct.pack(">I", len(b)) + t + b + struct.pack(">I", zlib.crc32(t + b) & 0xffffffff)
open(sys.argv[1], "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
                              + chunk(b"IDAT", zlib.compress(b"".join(bytes(r) for r in rows))) + chunk(b"IEND", b""))
PY
cp fixtures/bad/empty.png fixtures/bad/truncated.png fixtures/bad/bomb.png fixtures/bad/notes.tif \
	fixtures/bad/cut_2p.tif fixtures/audio/bad/unsupported_codec.wav fixtures/audio/bad/corrupt_header.wav "$W/in/" &&
	printf 'plain text, not a recording\n' > "$W/in/memo.wav" && printf 'plain text\n' > "$W/in/memo.txt" ||
	fail "inputs copied"
box_conf "$W/box" </dev/null
fresh_db docpipe_t067

run_rc "run: exit 2 (inputs rejected)" 2 "$DOCPIPE" run "$W/in"
eq "documents: each rejection with its code" "bomb.png|DECOMPRESSION_BOMB
corrupt_header.wav|DAMAGED
cut_2p.tif|TRUNCATED
empty.png|EMPTY_FILE
memo.txt|UNKNOWN_FORMAT
memo.wav|NOT_AUDIO
notes.tif|NOT_AN_IMAGE
truncated.png|TRUNCATED
unsupported_codec.wav|UNKNOWN_CODEC" \
	"$(q "select regexp_replace(source_name, '^.*/', ''), error_code from documents where status = 'rejected' order by 1")"
eq "documents: the words beside the code" "'unsupported_codec.wav' is a WAV file coded as Windows Media Audio v2" \
	"$(q "select split_part(error, ' (', 1) from documents where error_code = 'UNKNOWN_CODEC'")"
eq "ledger: the same codes (rows that differ)" "0 9" "$(q "select count(*) filter (where l.error_code is distinct from d.error_code),
	count(*) from ledger l join documents d on d.id = l.document_id where d.status = 'rejected'" | tr '|' ' ')"
eq "no code on what was not rejected" 0 "$(q "select count(*) from documents where status <> 'rejected' and error_code is not null")"
contains "the log names the code" "$RUN_OUT" "error_code=DECOMPRESSION_BOMB"
eq "blank page: flagged, not an unrecognised form" "needs_review|blank_page|warning" \
	"$(q "select d.status, v.code, v.severity from documents d join validation_issues v on v.document_id = d.id
	where d.source_name like '%blank.png'")"
eq "blank page: no form, no text read" "|" "$(q "select form_type, full_text from documents where source_name like '%blank.png'")"
eq "a written page is not blank" 0 "$(q "select count(*) from validation_issues where code = 'blank_page'
	and document_id in (select id from documents where source_name not like '%blank.png')")"

# a two-page scan whose back is blank (duplex): a notice, the front read as usual
/usr/bin/python3 - "$W/twopage.tif" <<'PY' || fail "two-page TIFF made"
import struct, sys
w, h = 1240, 1754  # A4 at 150 dpi, 8-bit grey, uncompressed
front = bytearray(b"\xff" * (w * h))
for y in range(200, 1500, 60):  # lines of "writing"
    for x in range(150, 1090):
        for t in range(6):
            front[(y + t) * w + x] = 0
pages = [bytes(front), b"\xff" * (w * h)]
out = bytearray(b"II*\0" + struct.pack("<I", 0))
ifd_at = []
for i, px in enumerate(pages):
    data_at = len(out)
    out += px
    tags = [(256, 4, w), (257, 4, h), (258, 3, 8), (259, 3, 1), (262, 3, 1), (273, 4, data_at), (277, 3, 1),
            (278, 4, h), (279, 4, len(px))]
    ifd_at.append(len(out))
    out += struct.pack("<H", len(tags))
    for tag, typ, val in tags:
        out += struct.pack("<HHII", tag, typ, 1, val) if typ == 4 else struct.pack("<HHIHH", tag, typ, 1, val, 0)
    out += struct.pack("<I", 0)
struct.pack_into("<I", out, 4, ifd_at[0])
struct.pack_into("<I", out, ifd_at[0] + 2 + 9 * 12, ifd_at[1])
open(sys.argv[1], "wb").write(out)
PY
eq "inspect: a blank back is a notice, the document is not held for it" "unrecognised blank_page notice 2" \
	"$("$DOCPIPE" inspect -c "$W/box/p.conf" "$W/twopage.tif" 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d["status"], " ".join(i["code"] + " " + i["severity"] for i in d["issues"]), d["pages"])')"

printf '[limits]\nmax_pages = 1\n[forms]\ndir = %s/models/forms\n' "$TOP" > "$W/one.conf"
eq "inspect: more pages than [limits] max_pages: TOO_MANY_PAGES" "rejected TOO_MANY_PAGES" \
	"$("$DOCPIPE" inspect -c "$W/one.conf" "$W/twopage.tif" 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d["status"], d["error_code"])')"

# inspect and the watched folder say the same
run_rc "inspect: exit 2 for a rejected file" 2 "$DOCPIPE" inspect "$W/in/bomb.png"
eq "inspect: error_code in the JSON" "DECOMPRESSION_BOMB" \
	"$(printf '%s\n' "$RUN_OUT" | grep '^{' | python3 -c 'import json, sys; print(json.load(sys.stdin)["error_code"])')"
box_start "$W/box"
cp fixtures/bad/truncated.png "$W/box/inbox/" && cp "$W/in/memo.wav" "$W/box/inbox/"
box_idle "$W/box" && ok "watch: the inbox emptied" || fail "watch: the inbox emptied"
box_stop
grep -q "Code / コード:     TRUNCATED" "$W/box/quarantine/truncated.png.error.txt" 2>/dev/null &&
	ok "watch: the note names the code" || fail "watch: the note names the code"
eq "watch: the ledger names the codes" "NOT_AUDIO TRUNCATED" \
	"$(q "select string_agg(error_code, ' ' order by error_code) from ledger where path like '$W/box/inbox/%'")"
done_testing
