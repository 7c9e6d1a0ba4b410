# t066-files-private: what docpipe files away is private whatever the clerk's
# umask or the file's mode in the inbox: folders it makes 0750, files 0640, in
# [files] group; inbox inputs are opened without following a link and only
# when they have one name, so a link to a file elsewhere is refused (and the
# file elsewhere untouched); notes are written through temporaries of
# unpredictable names, so a link planted where the old name was leads nowhere
# (issue 14, item 5).
# QUICK
. "$TOP/tests/lib.sh"
. "$TOP/tests/inbox_lib.sh"
plan 21
cd "$TOP" || exit 1
[ -n "$TMPBASE" ] || { fail "TMPBASE set"; done_testing; exit 1; }
W="$TMPBASE/t066"
rm -rf "$W"
mkdir -p "$W/elsewhere" || { fail "work folder made"; done_testing; exit 1; }
GROUP=daemon
GID=$(getent group "$GROUP" | cut -d: -f3)
[ -n "$GID" ] || { fail "group $GROUP exists here"; done_testing; exit 1; }
mode() { stat -c '%a %g' "$1" 2>/dev/null; }
scan() { { cat fixtures/scans/letter_en.jpg && printf 'docpipe-t066 %s' "$2"; } > "$1"; }
fresh_db docpipe_t066
D="$W/box"
printf '[files]\ngroup = %s\n[output]\nreceipts = %s/receipts\n' "$GROUP" "$W" | box_conf "$D"
run_ok "config: accepted" "$DOCPIPE" config -c "$D/p.conf"
contains "config: shows [files] group" "$RUN_OUT" "[files]
group = $GROUP"
printf '[files]\ngroup = no-such-group-t066\n' > "$W/bad.conf"
run_rc "config: an unknown group is refused" 1 "$DOCPIPE" config -c "$W/bad.conf"
contains "config: it says which" "$RUN_OUT" "files.group: there is no group 'no-such-group-t066'"

# files elsewhere that links in the inbox point at; each must stay as it is
scan "$W/elsewhere/secret.jpg" 1 && chmod 644 "$W/elsewhere/secret.jpg" && scan "$W/elsewhere/hard.jpg" 2 &&
	chmod 644 "$W/elsewhere/hard.jpg" && echo "victim" > "$W/elsewhere/victim" ||
	{ fail "files elsewhere made"; done_testing; exit 1; }

umask 000 # the clerk's umask: everything writable by everyone
box_start "$D"
for i in $(seq 1 40); do [ -d "$D/quarantine" ] && break; sleep 0.25; done
# where the old code wrote a note's temporary (NAME.error.txt.tmpPID)
ln -s "$W/elsewhere/victim" "$D/quarantine/bad.png.error.txt.tmp$BOX_PID"
scan "$D/inbox/good.jpg" 3 && chmod 666 "$D/inbox/good.jpg" && : > "$D/inbox/bad.png" && chmod 666 "$D/inbox/bad.png" &&
	ln -s "$W/elsewhere/secret.jpg" "$D/inbox/link.jpg" && ln "$W/elsewhere/hard.jpg" "$D/inbox/hard.jpg" ||
	fail "inputs put in the inbox"
box_idle "$D" && ok "watch: the inbox emptied" || fail "watch: the inbox emptied"
box_stop
eq "watch: exits 0" 0 $?
day=$(ls "$D/archive" | head -n 1)
eq "archive/ and its day folder: 0750, the clerks' group" "750 $GID 750 $GID" "$(mode "$D/archive") $(mode "$D/archive/$day")"
eq "quarantine/: 0750, the clerks' group" "750 $GID" "$(mode "$D/quarantine")"
eq "the archived scan (0666 in the inbox): 0640, the clerks' group" "640 $GID" "$(mode "$D/archive/$day/good.jpg")"
eq "the quarantined file and its note: 0640, the clerks' group" "640 $GID 640 $GID" \
	"$(mode "$D/quarantine/bad.png") $(mode "$D/quarantine/bad.png.error.txt")"
eq "the link planted at the note's old temporary name led nowhere" "victim" "$(cat "$W/elsewhere/victim")"
eq "link: refused (LINK), nothing read through it" "rejected|LINK" \
	"$(q "select state, error_code from ledger where path like '%/link.jpg'")"
eq "link: the file it points at is not stored" 0 \
	"$(q "select count(*) from documents where sha256 = '$(sha256sum "$W/elsewhere/secret.jpg" | cut -c1-64)'")"
check "link: quarantined as the link itself, with a note" test -L "$D/quarantine/link.jpg" -a -f "$D/quarantine/link.jpg.error.txt"
eq "link: the file it points at is unchanged" "644 0" "$(mode "$W/elsewhere/secret.jpg")"
eq "hard link: refused (HARD_LINK)" "rejected|HARD_LINK" "$(q "select state, error_code from ledger where path like '%/hard.jpg'")"
eq "hard link: the file elsewhere is not stored" 0 \
	"$(q "select count(*) from documents where sha256 = '$(sha256sum "$W/elsewhere/hard.jpg" | cut -c1-64)'")"
eq "hard link: the file elsewhere keeps its mode (not made 0640 through the other name)" "644 0" \
	"$(mode "$W/elsewhere/hard.jpg")"
grep -q "Code / コード:     HARD_LINK" "$D/quarantine/hard.jpg.error.txt" 2>/dev/null &&
	ok "hard link: its note names the code" || fail "hard link: its note names the code"

# receipts: an application with a receipt QR payload gets one, private too
run_ok "run: a QR application" "$DOCPIPE" run -c "$D/p.conf" fixtures/qr/scans/qr_dpi200.png
rc=$(find "$W/receipts" -name '*.receipt.png' 2>/dev/null | head -n 1)
if [ -n "$rc" ]; then
	eq "receipts/: 0750, the receipt 0640, the clerks' group" "750 $GID 640 $GID" "$(mode "$W/receipts") $(mode "$rc")"
else
	fail "receipts/: the application got a receipt"
fi
done_testing
