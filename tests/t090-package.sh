# t090-package: `make deb` builds the Debian package (dpkg-buildpackage -us
# -uc -b from a copy of the sources, so the whole program is compiled again:
# minutes, bounded by a timeout), then checks what it declares (its
# dependencies, the docpipe user made in postinst, the conffile) and unpacks
# it into a throw-away root with dpkg -x: the installed binary, with the
# installed configuration moved under that root, recognises a form with
# `inspect` (no database) from outside the checkout, and the units pass
# `systemd-analyze verify`. Installing it on this machine (apt install) is
# what an operator does, not this test: it would change the machine.
. "$TOP/tests/lib.sh"
plan 10
cd "$TOP"
P="$TMPBASE/t090"
mkdir -p "$P/outside"
if ! timeout 1200 make -s deb >"$P/build.log" 2>&1; then
	fail "make deb builds the package"
	tail -20 "$P/build.log" | sed 's/^/# /'
	done_testing
	exit 1
fi
deb=$(ls build/deb/docpipe_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] && ok "make deb builds the package ($(basename "$deb"))" || fail "make deb left no build/deb/docpipe_*.deb"
dep=$(dpkg-deb -f "$deb" Depends)
missing=""
for p in tesseract-ocr-jpn tesseract-ocr-eng tesseract-ocr-script-jpan mecab-ipadic pocketsphinx-en-us libzmq5 libpq5 libtesseract5 adduser procps; do
	case ", $dep," in *", $p"[\ ,]*) ;; *) missing="$missing $p" ;; esac
done
eq "Depends: the engines' data and the libraries ($dep)" "" "$missing"
mkdir -p "$P/ctrl"
dpkg-deb -e "$deb" "$P/ctrl"
contains "conffile: /etc/docpipe/pipeline.conf" "$(cat "$P/ctrl/conffiles" 2>/dev/null)" "/etc/docpipe/pipeline.conf"
contains "postinst creates the docpipe system user" "$(cat "$P/ctrl/postinst")" "adduser --system --group"
R="$P/root"
dpkg -x "$deb" "$R"
missing=""
for f in usr/bin/docpipe etc/docpipe/pipeline.conf usr/share/docpipe/models/forms/hojokin_shinsei.form \
	usr/share/man/man1/docpipe.1.gz usr/share/man/man5/docpipe.conf.5.gz lib/systemd/system/docpipe-watch.service \
	lib/systemd/system/docpipe-nightly.service lib/systemd/system/docpipe-nightly.timer; do
	[ -s "$R/$f" ] || missing="$missing $f"
done
eq "the package's files" "" "$missing"
u="$R/lib/systemd/system/docpipe-watch.service"
hard=""
for k in ProtectSystem=strict PrivateTmp=yes NoNewPrivileges=yes ReadWritePaths=/var/lib/docpipe User=docpipe \
	Environment=OMP_THREAD_LIMIT=1 "ExecStart=/usr/bin/docpipe watch -c /etc/docpipe/pipeline.conf"; do
	grep -qx "$k" "$u" || hard="$hard '$k'"
done
eq "docpipe-watch.service: hardened, runs the installed binary as docpipe" "" "$hard"
sed -e "s|/usr/share/docpipe|$R/usr/share/docpipe|" -e "s|/var/lib/docpipe|$P/var|" "$R/etc/docpipe/pipeline.conf" >"$P/relocated.conf"
out=$(cd "$P/outside" && DOCPIPE_CONF="$P/relocated.conf" "$R/usr/bin/docpipe" config 2>&1 >/dev/null)
contains "packaged binary: config OK" "$out" "configuration OK ($P/relocated.conf)"
json=$(cd "$P/outside" && DOCPIPE_CONF="$P/relocated.conf" PGHOST=/nonexistent "$R/usr/bin/docpipe" inspect \
	"$TOP/fixtures/forms/clean/shogu_kaizen_1.png" "$TOP/fixtures/scans/letter_en.jpg" 2>/dev/null)
r=$(printf '%s\n' "$json" | python3 -c '
import json, sys
a, b = [json.loads(l) for l in sys.stdin]
print(a["form_type"], len(a["fields"]) > 5, b["status"])')
eq "packaged binary: inspect recognises the form, not the letter" "shogu_kaizen True unrecognised" "$r"
eq "packaged binary: the version of this checkout" "docpipe $(git describe --always --dirty 2>/dev/null || cat VERSION)" \
	"$("$R/usr/bin/docpipe" --version)"
if command -v systemd-analyze >/dev/null; then
	mkdir -p "$P/units"
	for f in "$R"/lib/systemd/system/docpipe-*; do
		sed "s|/usr/bin/docpipe|$R/usr/bin/docpipe|" "$f" >"$P/units/$(basename "$f")"
	done
	w=$(systemd-analyze verify --man=no "$P"/units/* 2>&1); rc=$?
	eq "systemd-analyze verify: the packaged units" "0:" "$rc:$w"
else
	skip "systemd-analyze is not installed"
fi
done_testing
