# tests/inbox_lib.sh: a watched folder for the tests of issue 14 (t064-t068),
# sourced after tests/lib.sh. Not a test itself (run-integration runs t*.sh).
#   box_conf DIR      write DIR/p.conf for inbox/, archive/, quarantine/ under
#                     DIR, settle_ms 300; extra conf lines from stdin
#   box_start DIR [VAR=value...]   docpipe watch in the background ($BOX_PID),
#                     its log in DIR/watch.log
#   box_idle DIR [S]  wait (at most S s, default 90) until the inbox holds no
#                     file and the ledger nothing open; 1 on time-out
#   box_stop          SIGTERM the watch, wait; returns its exit status
box_conf() {
	local d=$1
	mkdir -p "$d/inbox" || return 1
	{
		printf '[watch]\ninbox = %s/inbox\nquarantine = %s/quarantine\n' "$d" "$d"
		printf 'settle_ms = 300\nrescan_seconds = 1\n'
		printf '[output]\narchive = %s/archive\n[forms]\ndir = %s/models/forms\n' "$d" "$TOP"
		cat
	} > "$d/p.conf"
}
box_start() {
	local d=$1
	shift
	env "$@" "$DOCPIPE" watch -c "$d/p.conf" >>"$d/watch.log" 2>&1 &
	BOX_PID=$!
}
box_idle() {
	local d=$1 s=${2:-90} i
	for ((i = 0; i < s * 2; i++)); do
		if [ -z "$(find "$d/inbox" -mindepth 1 -maxdepth 1 ! -name '.*' 2>/dev/null)" ] &&
		   [ "$(q "select count(*) from ledger where state in ('queued', 'dispatched')")" = 0 ]; then
			return 0
		fi
		sleep 0.5
	done
	return 1
}
box_stop() {
	kill -TERM "$BOX_PID" 2>/dev/null
	wait "$BOX_PID"
}
