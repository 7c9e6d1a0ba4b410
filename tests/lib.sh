# tests/lib.sh: helpers for the integration tests (sourced).
# Each test gets its own database on the private cluster, so tests never see
# each other's rows (and, under tests/run-integration, neither do two runs). Assertions print "ok N - what" or "not ok N - what".
#
# Counting (TAP-like):
#   plan N        once, near the top: the script will make N checks, skips
#                 included. Prints "1..N". Without a plan nothing is counted
#                 against a declaration (older scripts keep working).
#   ok/fail/check/eq/contains/run_ok/run_rc
#                 each makes one check: T_N counts them, T_FAILS the failed.
#   skip "reason" [K]
#                 K (default 1) checks that were not made, each printed as
#                 "ok N - # SKIP reason": counted in T_SKIPS, never in T_N, so
#                 a skip is never a passed check. Use it where the situation a
#                 check needs did not arise (or was switched off): never an ok
#                 on both branches.
#   done_testing  prints "# T_N checks, T_FAILS failed" (and "# K skipped");
#                 fails when any check failed or, with a plan, when
#                 checks made + skipped differs from N ("not ok - planned N
#                 checks, ran M"). With a plan, a script that ends without
#                 reaching done_testing (it died, or exited early) fails too.
# TAP numbers run over checks and skips together (T_N + T_SKIPS).
# run_ok "what" cmd...   runs cmd (its stdout and stderr kept in $RUN_OUT,
#                 its status in $RUN_RC), checks that it exits 0; on failure
#                 prints the end of its output as "# " lines. Returns its status.
# run_rc "what" N cmd... the same, expecting exit status N.

T_FAILS=0
T_N=0
T_SKIPS=0
T_PLAN=
T_DONE=
T_PID=$$
ok() { T_N=$((T_N + 1)); echo "ok $((T_N + T_SKIPS)) - $*"; }
fail() { T_N=$((T_N + 1)); T_FAILS=$((T_FAILS + 1)); echo "not ok $((T_N + T_SKIPS)) - $*"; }
skip() { # skip "reason" [K]: K checks not made (not passed)
	local k=${2:-1} i
	for ((i = 0; i < k; i++)); do
		T_SKIPS=$((T_SKIPS + 1))
		echo "ok $((T_N + T_SKIPS)) - # SKIP $1"
	done
}
plan() { # plan N: the script makes N checks (skips included)
	case "$1" in '' | *[!0-9]*) echo "lib.sh: plan needs a number, got '$1'" >&2; exit 1 ;; esac
	T_PLAN=$1
	echo "1..$1"
	trap t_exit EXIT
}
t_exit() { # with a plan: the script ended without done_testing
	local rc=$?
	[ "${BASHPID:-$$}" = "$T_PID" ] || return 0
	if [ -n "$T_PLAN" ] && [ -z "$T_DONE" ]; then
		echo "not ok $((T_N + T_SKIPS + 1)) - planned $T_PLAN checks, the script ended after $((T_N + T_SKIPS)) without done_testing (exit $rc)"
		[ "$rc" -ne 0 ] || exit 1
	fi
}
run_rc() { # run_rc "description" N command...: one check, that command exits N
	local what="$1" want="$2" out
	shift 2
	out=$(mktemp "${TMPBASE:-/tmp}/run.XXXXXX")
	"$@" >"$out" 2>&1
	RUN_RC=$?
	RUN_OUT=$(cat "$out")
	rm -f "$out"
	if [ "$RUN_RC" -eq "$want" ]; then
		ok "$what"
	else
		fail "$what: exit status $RUN_RC, expected $want ($*)"
		printf '%s\n' "$RUN_OUT" | tail -n 20 | sed 's/^/# /'
	fi
	return "$RUN_RC"
}
run_ok() { # run_ok "description" command...: one check, that command exits 0
	local what="$1"
	shift
	run_rc "$what" 0 "$@"
}
check() { # check "description" command...
	local what="$1"; shift
	if "$@"; then ok "$what"; else fail "$what"; fi
}
eq() { # eq "description" expected actual
	if [ "$2" = "$3" ]; then ok "$1"; else fail "$1: expected '$2', got '$3'"; fi
}
contains() { # contains "description" haystack needle
	case "$2" in *"$3"*) ok "$1" ;; *) fail "$1: '$3' not in '$(printf '%s' "$2" | head -c 300)'" ;; esac
}
q() { psql -X -qAt -v ON_ERROR_STOP=1 -c "$1"; }

fresh_db() { # fresh_db NAME: create and select an empty database
	# tests/run-integration sets DP_RUN, so that two runs on one checkout
	# (one cluster) do not share databases; it drops them at the end
	local db="$1${DP_RUN:+_$DP_RUN}"
	export PGDATABASE="$db"
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS \"$db\"" >/dev/null 2>&1
	psql -X -q -d postgres -c "CREATE DATABASE \"$db\"" >/dev/null
}

asr_conf() { # asr_conf FILE WORKERS [extra lines: a later key overrides]
	# the shipped [asr] settings (pipeline.conf), the vocabulary's paths
	# made absolute, with WORKERS asr workers
	{
		printf '[workers]\nasr = %s\n[forms]\ndir = %s/models/forms\n[asr]\n' "$2" "$TOP"
		sed -n '/^\[asr\]/,/^\[/p' "$TOP/pipeline.conf" | grep -E '^[a-z_]+ *=' |
			sed -E "s#^(vocabulary_lm|vocabulary_dict) *= *([^/ ][^ ]*)\$#\1 = $TOP/\2#"
		printf '%b' "${3:-}"
	} > "$1"
}

segments_apart() { # segments_apart JSON: the first document's segments of `docpipe inspect`
	# are in order (seq 0, 1...), apart and inside the recording
	python3 - "$1" <<'PY'
import json, sys
d = json.loads(open(sys.argv[1]).readline())
segs, end = d["segments"], float(d["attrs"]["audio.seconds"]) * 1000
print([(s["start_ms"], s["end_ms"]) for s in segs])
ok = segs and all(0 <= s["start_ms"] < s["end_ms"] <= end + 10 for s in segs)
ok = ok and all(a["end_ms"] <= b["start_ms"] for a, b in zip(segs, segs[1:]))
ok = ok and [s["seq"] for s in segs] == list(range(len(segs)))
sys.exit(0 if ok else 1)
PY
}

done_testing() {
	T_DONE=1
	echo "# $T_N checks, $T_FAILS failed"
	[ "$T_SKIPS" -eq 0 ] || echo "# $T_SKIPS skipped"
	if [ -n "$T_PLAN" ] && [ $((T_N + T_SKIPS)) -ne "$T_PLAN" ]; then
		echo "not ok $((T_N + T_SKIPS + 1)) - planned $T_PLAN checks, ran $((T_N + T_SKIPS)) ($T_SKIPS of them skipped)"
		return 1
	fi
	[ "$T_FAILS" -eq 0 ]
}
