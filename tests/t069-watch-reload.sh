# t069-watch-reload: SIGHUP makes `docpipe watch` read its configuration and
# templates again (issue 14 item 3). Before, HUP killed watch (exit 129, no
# drain). Checked with real forms through the real pipeline:
#   - a changed [forms] dir, sent with HUP while scans are in flight: watch
#     keeps running, finishes them, then recognises a form it did not know;
#   - a template removed from the folder: after HUP that form is unknown again
#     (the templates are read again even when pipeline.conf did not change);
#   - a broken pipeline.conf and a broken template: each refused with
#     FILE:LINE in the log, and the configuration in use goes on working;
#   - no input lost or stored twice, exit 0 on SIGTERM.
. "$TOP/tests/lib.sh"
plan 40
cd "$TOP" || exit 1
W="$TMPBASE/t069"
rm -rf "$W"
run_ok "work directory made" mkdir -p "$W/inbox" "$W/forms1" "$W/forms2"
run_ok "fresh database" fresh_db docpipe_t069
# forms1: two of the three templates; forms2: all three
run_ok "forms1 holds two templates" cp models/forms/hojokin_shinsei.form models/forms/shogu_kaizen.form "$W/forms1/"
run_ok "forms2 holds three templates" cp models/forms/*.form "$W/forms2/"

conf() { # conf FORMS_DIR [extra lines from stdin]
	{
		printf '[watch]\ninbox = %s/inbox\nquarantine = %s/quarantine\nsettle_ms = 300\nrescan_seconds = 2\n' "$W" "$W"
		printf '[output]\narchive = %s/archive\n[forms]\ndir = %s\n[log]\nlevel = info\n' "$W" "$1"
		cat
	} >"$W/p.conf.new" && mv "$W/p.conf.new" "$W/p.conf"
}
# wait until the document whose source name ends with $1 is stored (at most 120 s)
wait_doc() {
	local t=0
	while [ $t -lt 240 ]; do
		[ "$(q "select count(*) from documents where source_name like '%/$1'" 2>/dev/null)" -ge 1 ] 2>/dev/null && return 0
		kill -0 "$WPID" 2>/dev/null || return 1
		sleep 0.5; t=$((t + 1))
	done
	return 1
}
form_of() { q "select coalesce(form_type, 'none') from documents where source_name like '%/$1'"; }
# wait until the log has $1 at least $2 times (at most 60 s)
wait_log() {
	local t=0
	while [ $t -lt 120 ]; do
		[ "$(grep -c -- "$1" "$W/watch.log")" -ge "$2" ] && return 0
		kill -0 "$WPID" 2>/dev/null || return 1
		sleep 0.5; t=$((t + 1))
	done
	return 1
}

run_ok "conf over forms1 written" conf "$W/forms1" </dev/null
"$DOCPIPE" watch -c "$W/p.conf" >"$W/watch.log" 2>&1 &
WPID=$!

# --- 1. before any reload: gyoseishoshi_cert is not a known form -------------
run_ok "a certificate request put in the inbox" cp fixtures/forms/clean/gyoseishoshi_cert_1.png "$W/inbox/cert_1.png"
wait_doc cert_1.png && ok "it is stored" || fail "it is stored"
eq "without its template it is not recognised" none "$(form_of cert_1.png)"

# --- 2. a changed configuration, sent while scans are in flight ---------------
run_ok "conf now names forms2" conf "$W/forms2" </dev/null
for i in 1 2 3 4; do
	{ cat fixtures/scans/letter_en.jpg && printf 'docpipe-t069 %d' "$i"; } >"$W/inbox/letter_$i.jpg"
done
sleep 1 # settle_ms: the letters are taken, some still in the pipeline
run_ok "SIGHUP sent" kill -HUP "$WPID"
wait_log "reload: configuration" 1 && ok "the reload is logged" || fail "the reload is logged"
check "watch is still running after SIGHUP" kill -0 "$WPID"
grep -q "reload: finishing" "$W/watch.log" && ok "it says it finishes the documents in flight first" ||
	fail "it says it finishes the documents in flight first"
run_ok "another certificate request put in the inbox" cp fixtures/forms/clean/gyoseishoshi_cert_2.png "$W/inbox/cert_2.png"
wait_doc cert_2.png && ok "it is stored" || fail "it is stored"
eq "the new configuration's templates recognise it" gyoseishoshi_cert "$(form_of cert_2.png)"

# --- 3. the same configuration, a template taken out of its folder ------------
run_ok "shogu_kaizen.form removed from forms2" rm "$W/forms2/shogu_kaizen.form"
run_ok "SIGHUP sent again" kill -HUP "$WPID"
wait_log "reload: configuration" 2 && ok "the second reload is logged" || fail "the second reload is logged"
run_ok "a shogu_kaizen form put in the inbox" cp fixtures/forms/clean/shogu_kaizen_1.png "$W/inbox/shogu_1.png"
wait_doc shogu_1.png && ok "it is stored" || fail "it is stored"
eq "the template read again: shogu_kaizen is unknown now" none "$(form_of shogu_1.png)"

# --- 4. a broken configuration is refused, the one in use goes on ------------
run_ok "conf with an unknown key written" conf "$W/forms1" <<'CONF'
[pipeline]
max_in_flite = 4
CONF
bad=$(grep -n 'max_in_flite' "$W/p.conf" | cut -d: -f1)
run_ok "SIGHUP sent with the broken conf" kill -HUP "$WPID"
wait_log "reload refused" 1 && ok "the reload is refused" || fail "the reload is refused"
contains "the refusal names the file and line" "$(grep 'reload refused' "$W/watch.log")" "$W/p.conf:$bad: unknown key 'max_in_flite'"
check "watch is still running" kill -0 "$WPID"
run_ok "a third certificate request put in the inbox" cp fixtures/forms/clean/gyoseishoshi_cert_3.png "$W/inbox/cert_3.png"
wait_doc cert_3.png && ok "it is stored" || fail "it is stored"
eq "the configuration in use (forms2) still recognises it" gyoseishoshi_cert "$(form_of cert_3.png)"

# --- 5. a broken template is refused the same way -----------------------------
run_ok "conf over forms2 written again" conf "$W/forms2" </dev/null
printf '[form]\nid = broken\nname = broken\nmatch = broken\ntitle_box = 1 2 3\n' >"$W/forms2/broken.form"
run_ok "SIGHUP sent with a broken template" kill -HUP "$WPID"
wait_log "reload refused" 2 && ok "the reload is refused" || fail "the reload is refused"
contains "the refusal names the template and line" "$(grep 'reload refused' "$W/watch.log" | tail -n 1)" "$W/forms2/broken.form:5:"
run_ok "a hojokin form put in the inbox" cp fixtures/forms/clean/hojokin_shinsei_1.png "$W/inbox/hojokin_1.png"
wait_doc hojokin_1.png && ok "it is stored" || fail "it is stored"
eq "and recognised by the templates in use" hojokin_shinsei "$(form_of hojokin_1.png)"

# --- the end: nothing lost, nothing twice -------------------------------------
kill -TERM "$WPID"
wait "$WPID"
eq "watch exits 0 on SIGTERM" 0 $?
eq "every input stored once (4 letters, 3 certificates, 2 forms)" 9 "$(q 'select count(*) from documents')"
eq "inbox empty" "" "$(ls -A "$W/inbox")"
done_testing
