# tests/lib.sh: helpers for the integration tests (sourced).
# Each test gets its own database on the private cluster, so tests never see
# each other's rows (and, under tests/run-integration, neither do two runs). Assertions print "ok N - what" or "not ok N - what".

T_FAILS=0
T_N=0
ok() { T_N=$((T_N + 1)); echo "ok $T_N - $*"; }
fail() { T_N=$((T_N + 1)); T_FAILS=$((T_FAILS + 1)); echo "not ok $T_N - $*"; }
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

done_testing() {
	echo "# $T_N checks, $T_FAILS failed"
	[ "$T_FAILS" -eq 0 ]
}
