# t091-systemd: the operator's install, as docs/OPERATIONS.md "Installing"
# tells it, on a fresh Debian machine booted by systemd: a minimal Debian of
# this machine's release is made with debootstrap (systemd included, nothing
# of docpipe's dependencies), the package from `make deb` (built by t090 just
# before, built here when missing) is installed in it with `apt-get install
# ./docpipe_*.deb postgresql`, which fetches every dependency from Debian's
# archive, the machine is booted with systemd as PID 1 in a container
# (systemd-nspawn -b, no network), the database is set up with the
# documented commands, the units are enabled, and then: `systemctl status
# docpipe-watch` is active with the documents counted (Type=notify,
# STATUS=), a scan dropped into the inbox is archived and loaded, a broken
# file is quarantined with its reason, a reload and a stop are clean, and
# the nightly service runs `make run`'s samples. Needs root (debootstrap,
# namespaces), as CI runs it, and Debian's archive (about 250 MB, 3-4
# minutes here); as another user it is skipped.
. "$TOP/tests/lib.sh"
plan 19
cd "$TOP"
P="$TMPBASE/t091"
mkdir -p "$P"
if [ "$(id -u)" != 0 ]; then
	skip "not root: debootstrap and the container need root (CI runs as root)" 19
	done_testing
	exit 0
fi
deb=$(ls build/deb/docpipe_*.deb 2>/dev/null | head -1)
if [ -z "$deb" ]; then
	timeout 1200 make -s deb >"$P/build.log" 2>&1
	deb=$(ls build/deb/docpipe_*.deb 2>/dev/null | head -1)
fi
[ -n "$deb" ] && ok "the package to install: $(basename "$deb")" || { fail "make deb built no package"; done_testing; exit 1; }

R="$P/root"
NSPID=""
LEADER=""
cleanup() {
	if [ -n "$LEADER" ] && kill -0 "$LEADER" 2>/dev/null; then
		nsenter -t "$LEADER" -a systemctl poweroff >/dev/null 2>&1
	fi
	if [ -n "$NSPID" ]; then
		for _ in $(seq 1 60); do kill -0 "$NSPID" 2>/dev/null || break; sleep 0.5; done
		kill -KILL "$NSPID" 2>/dev/null
		wait "$NSPID" 2>/dev/null
	fi
	# nothing may stay mounted under the root before it is removed
	if ! grep -q " $R/" /proc/self/mounts; then rm -rf "$R"; fi
}
trap cleanup EXIT
# a fresh machine: this machine's Debian release from the archive its apt uses
. /etc/os-release
mirror=$(sed -n 's/^URIs: *\(http[^ ]*debian\)\/*$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
[ -n "$mirror" ] || mirror=$(sed -n 's/^deb \(http[^ ]*debian\)\/* .*/\1/p' /etc/apt/sources.list 2>/dev/null | head -1)
mirror=${mirror:-http://deb.debian.org/debian}
timeout 900 debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus "$VERSION_CODENAME" "$R" "$mirror" \
	>"$P/debootstrap.log" 2>&1
rc=$?
eq "a fresh Debian $VERSION_CODENAME with systemd (debootstrap from $mirror)" "0" "$rc"
[ "$rc" = 0 ] || { tail -5 "$P/debootstrap.log" | sed 's/^/# debootstrap: /'; done_testing; exit 1; }

ns() { # a command in the container, not booted
	systemd-nspawn -q -D "$R" --register=no --keep-unit "$@"
}
cp "$deb" "$R/root/$(basename "$deb")"
ns sh -c "apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	./root/$(basename "$deb") postgresql" >"$P/apt.log" 2>&1
eq "apt-get install ./docpipe_*.deb postgresql (every dependency from the archive)" "install ok installed" \
	"$(ns dpkg-query -W -f '${Status}' docpipe 2>/dev/null)"
grep -E '^(Get|Setting up) ' "$P/apt.log" | grep -c '^Setting up' | sed 's/^/# packages set up by apt: /'
tail -3 "$P/apt.log" | sed 's/^/# apt: /'

# boot it: systemd as PID 1
systemd-nspawn -q -D "$R" --register=no --keep-unit --private-network -M "dp$DP_RUN" -b --console=passive \
	>"$P/boot.log" 2>&1 &
NSPID=$!
for _ in $(seq 1 100); do
	LEADER=$(pgrep -P "$NSPID" -x systemd | head -1)
	[ -n "$LEADER" ] && break
	sleep 0.2
done
ct() { nsenter -t "$LEADER" -a env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }
state=""
for _ in $(seq 1 120); do
	[ -n "$LEADER" ] && state=$(ct systemctl is-system-running 2>/dev/null)
	case "$state" in running | degraded) break ;; esac
	sleep 0.5
done
case "$state" in
running | degraded) ok "the container booted with systemd as PID 1 ($state)" ;;
*) fail "the container booted with systemd as PID 1: is-system-running said '$state'" ;;
esac
[ "$state" = degraded ] && ct systemctl --failed --no-legend --plain 2>&1 | sed 's/^/# failed in the container (not docpipe): /'
if [ "$state" != running ] && [ "$state" != degraded ]; then
	sed 's/^/# boot: /' "$P/boot.log" | tail -20
	done_testing
	exit 1
fi

# the database, as docs/OPERATIONS.md says
for _ in $(seq 1 60); do ct runuser -u postgres -- pg_isready -q 2>/dev/null && break; sleep 0.5; done
ct runuser -u postgres -- createuser docpipe >"$P/db.log" 2>&1 &&
	ct runuser -u postgres -- createdb docpipe >>"$P/db.log" 2>&1 &&
	ct runuser -u postgres -- env PGDATABASE=docpipe docpipe db migrate >>"$P/db.log" 2>&1 &&
	ct runuser -u postgres -- psql -X -q -d docpipe -c 'GRANT docpipe_loader TO docpipe' >>"$P/db.log" 2>&1
rc=$?
eq "the database set up with the documented commands" "0" "$rc"
[ "$rc" = 0 ] || sed 's/^/# db: /' "$P/db.log"
sql() { ct runuser -u postgres -- psql -X -qAt -d docpipe -c "$1" 2>&1; }

# enable --now returns once the watcher has said READY=1
run_ok "systemctl enable --now docpipe-watch.service docpipe-nightly.timer" \
	ct systemctl enable --now docpipe-watch.service docpipe-nightly.timer
eq "docpipe-watch: active, running, ready (Type=notify)" "ActiveState=active NRestarts=0 SubState=running Type=notify" \
	"$(ct systemctl show docpipe-watch -p ActiveState -p SubState -p Type -p NRestarts | sort | tr '\n' ' ' | sed 's/ $//')"
eq "docpipe-nightly.timer is waiting" "active" "$(ct systemctl is-active docpipe-nightly.timer)"

# a clerk drops a form and a broken file into the inbox
cp fixtures/forms/clean/shogu_kaizen_1.png "$R/var/lib/docpipe/inbox/"
printf 'PNG? no, a text file\n' >"$R/var/lib/docpipe/inbox/broken.png"
loaded=""
for _ in $(seq 1 360); do
	loaded=$(sql "select form_type||' '||status from documents where source_name like '%/shogu_kaizen_1.png'")
	q=$(ls "$R/var/lib/docpipe/quarantine" 2>/dev/null | grep -c broken)
	a=$(find "$R/var/lib/docpipe/archive" -name 'shogu_kaizen_1*.png' 2>/dev/null | wc -l)
	# the row is committed first, the file moved to the archive just after
	[ -n "$loaded" ] && [ "$q" -ge 1 ] && [ "$a" -ge 1 ] && break
	sleep 0.5
done
contains "the dropped form is read and loaded (form_type status)" "$loaded" "shogu_kaizen"
[ -n "$loaded" ] || ct journalctl -q --no-pager -u docpipe-watch -o cat | tail -15 | sed 's/^/# watch: /'
eq "the form is archived, the inbox empty" "1:0" \
	"$(find "$R/var/lib/docpipe/archive" -name 'shogu_kaizen_1*.png' | wc -l):$(ls -A "$R/var/lib/docpipe/inbox" | wc -l)"
contains "the broken file is quarantined with its reason" \
	"$(cat "$R"/var/lib/docpipe/quarantine/broken*.error.txt 2>/dev/null)" "NOT_AN_IMAGE"
for _ in $(seq 1 10); do
	st=$(ct systemctl status --no-pager docpipe-watch 2>&1)
	case "$st" in *"Status: \"2 documents"*) break ;; esac
	sleep 0.5
done
contains "systemctl status docpipe-watch shows what it did" "$st" 'Status: "2 documents since start:'
printf '%s\n' "$st" | grep 'Status:' | sed 's/^/# /'

# reload (SIGHUP), then stop (SIGTERM): both clean
run_ok "systemctl reload docpipe-watch" ct systemctl reload docpipe-watch
# `systemctl reload` returns once SIGHUP is sent (ExecReload=kill -HUP); the
# unit is "reloading" (RELOADING=1) until the new configuration's stages
# have started and the watcher says READY=1 again: a few seconds at most
for _ in $(seq 1 120); do
	[ "$(ct systemctl is-active docpipe-watch)" = reloading ] || break
	sleep 0.5
done
eq "after the reload: active, same process, no restart" "active NRestarts=0" \
	"$(ct systemctl is-active docpipe-watch) $(ct systemctl show -p NRestarts docpipe-watch)"
contains "the journal has the reload" "$(ct journalctl -q --no-pager -u docpipe-watch -o cat 2>&1)" "reload: configuration"
run_ok "systemctl stop docpipe-watch" ct systemctl stop docpipe-watch
eq "stopped cleanly (exit 0 on SIGTERM)" "Result=success" "$(ct systemctl show -p Result docpipe-watch)"

# the nightly batch over its folder: the samples of `make run` (scans, a
# letter, a 2-page TIFF, three forms, one of them already loaded by watch, and
# a copy of a notice: two duplicates)
N="$R/var/lib/docpipe/nightly"
cp fixtures/scans/* fixtures/forms/clean/hojokin_shinsei_1.png fixtures/forms/clean/shogu_kaizen_1.png \
	fixtures/forms/clean/gyoseishoshi_cert_1.png "$N/"
nfiles=$(ls "$N" | wc -l)
nnew=$(($(sha256sum "$N"/* | cut -c1-64 | sort -u | wc -l) - 1))
ct systemctl start docpipe-nightly.service
stored=$(sql "select count(*) from documents where source_name like '/var/lib/docpipe/nightly/%'")
eq "docpipe-nightly.service ran the samples: each new input stored once, the rest duplicates" \
	"Result=success $nnew by status: accepted" \
	"$(ct systemctl show -p Result docpipe-nightly.service) $stored $(ct journalctl -q --no-pager -u docpipe-nightly -o cat |
		grep -o 'by status: accepted' | head -1)"
summary=$(ct journalctl -q --no-pager -u docpipe-nightly -o cat | grep 'by status:' | tail -1)
contains "the nightly summary counts the duplicates ($summary)" "$summary" "duplicate $((nfiles - nnew))"
[ "$stored" = "$nnew" ] || ct journalctl -q --no-pager -u docpipe-nightly -o cat | tail -15 | sed 's/^/# nightly: /'
done_testing
