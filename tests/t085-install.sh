# t085-install: `make install` into a throw-away DESTDIR with PREFIX=/usr, then
# the installed tree used from outside the checkout: its configuration (found
# through $DOCPIPE_CONF) names the installed models by absolute paths, which
# this test moves under the DESTDIR with sed, as a relocated install; the
# installed binary recognises a form with `inspect` (no database). The manual
# pages: every key `docpipe config` prints is in docpipe.conf(5), every
# command and long option in docpipe(1), and man renders both without
# warnings. The systemd units pass `systemd-analyze verify`.
# Not QUICK: it installs build/docpipe, whatever binary the run tests.
. "$TOP/tests/lib.sh"
plan 15
cd "$TOP"
R="$TMPBASE/t085/root"
mkdir -p "$TMPBASE/t085/outside"
run_ok "make install DESTDIR=... PREFIX=/usr" make -s install DESTDIR="$R" PREFIX=/usr
missing=""
for f in usr/bin/docpipe etc/docpipe/pipeline.conf usr/share/docpipe/models/forms/hojokin_shinsei.form \
	usr/share/docpipe/models/fees.conf usr/share/docpipe/models/grants.conf usr/share/docpipe/models/procedures.conf \
	usr/share/docpipe/models/asr/council.lm usr/share/man/man1/docpipe.1 usr/share/man/man5/docpipe.conf.5 \
	usr/lib/systemd/system/docpipe-watch.service usr/lib/systemd/system/docpipe-nightly.service \
	usr/lib/systemd/system/docpipe-nightly.timer; do
	[ -s "$R/$f" ] || missing="$missing $f"
done
eq "every file in its place" "" "$missing"
conf="$R/etc/docpipe/pipeline.conf"
contains "installed configuration: templates by absolute path" "$(cat "$conf")" "dir = /usr/share/docpipe/models/forms"
contains "installed configuration: the inbox under /var/lib/docpipe" "$(cat "$conf")" "inbox = /var/lib/docpipe/inbox"
eq "installed configuration: no relative models/ or var/ path left" "" \
	"$(grep -E '^[a-z_]+ *= *(models|var)/' "$conf")"

# relocated: the same file with /usr/share/docpipe and /var/lib/docpipe under the DESTDIR
sed -e "s|/usr/share/docpipe|$R/usr/share/docpipe|" -e "s|/var/lib/docpipe|$TMPBASE/t085/var|" "$conf" > "$TMPBASE/t085/relocated.conf"
out=$(cd "$TMPBASE/t085/outside" && DOCPIPE_CONF="$TMPBASE/t085/relocated.conf" "$R/usr/bin/docpipe" config 2>&1 >/dev/null)
contains "installed binary: config OK from outside the checkout" "$out" "configuration OK ($TMPBASE/t085/relocated.conf)"
json=$(cd "$TMPBASE/t085/outside" && DOCPIPE_CONF="$TMPBASE/t085/relocated.conf" PGHOST=/nonexistent \
	"$R/usr/bin/docpipe" inspect "$TOP/fixtures/forms/clean/hojokin_shinsei_1.png" "$TOP/fixtures/scans/letter_en.jpg" 2>/dev/null)
r=$(printf '%s\n' "$json" | python3 -c '
import json, sys
a, b = [json.loads(l) for l in sys.stdin]
print(a["form_type"], a["procedure_code"], len(a["fields"]) > 5, a["status"], b["status"])')
eq "installed binary: inspect recognises the form, not the letter" "hojokin_shinsei P003 True accepted unrecognised" "$r"
eq "installed binary: its version" "$("$DOCPIPE" --version)" "$("$R/usr/bin/docpipe" --version)"

# the manual pages
m5="$R/usr/share/man/man5/docpipe.conf.5"
m1="$R/usr/share/man/man1/docpipe.1"
keys=$("$DOCPIPE" config -c pipeline.conf 2>/dev/null | awk '/^\[/ {s=$0} /=/ && s != "[workers]" {print $1}')
absent=""
for k in $keys; do grep -q "^\\\\fB${k}\\\\fR = " "$m5" || absent="$absent $k"; done
eq "docpipe.conf(5): every key docpipe config prints ($(echo $keys | wc -w))" "" "$absent"
[ "$(echo $keys | wc -w)" -ge 40 ]
eq "docpipe config printed at least 40 keys" 0 $?
absent=""
for k in $("$DOCPIPE" help | sed -n 's/^  docpipe \([a-z]*\).*/\1/p'); do
	grep -q "^\.B docpipe $k" "$m1" || absent="$absent $k"
done
eq "docpipe(1): every command of docpipe help" "" "$absent"
opts=$(grep -ho '{ "[a-z-]*", \(required\|no\)_argument' src/cmd_*.c | sed 's/{ "\([a-z-]*\)".*/\1/' | sort -u)
absent=""
for o in $opts; do grep -q -- "\\\\-\\\\-${o//-/\\\\-}" "$m1" || absent="$absent --$o"; done
eq "docpipe(1): every long option of src/cmd_*.c ($(echo $opts | wc -w))" "" "$absent"
for p in "$m1" "$m5"; do
	w=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$p" 2>&1 >/dev/null)
	eq "man -l $(basename "$p") renders without warnings" "" "$w"
done

# the systemd units, with ExecStart pointing at the installed binary
if command -v systemd-analyze >/dev/null; then
	mkdir -p "$TMPBASE/t085/units"
	for u in "$R"/usr/lib/systemd/system/docpipe-*; do
		sed "s|/usr/bin/docpipe|$R/usr/bin/docpipe|" "$u" > "$TMPBASE/t085/units/$(basename "$u")"
	done
	w=$(systemd-analyze verify --man=no "$TMPBASE"/t085/units/* 2>&1); rc=$?
	eq "systemd-analyze verify: the three units, no complaint" "0:" "$rc:$w"
else
	skip "systemd-analyze is not installed"
fi
done_testing
