/* cmd_minutes.c: `docpipe minutes [-c CONF] DOCUMENT [--format text|srt|vtt|json]`:
 * the minutes of a transcribed recording, with timestamps, from the database.
 * DOCUMENT is a document id, a SHA-256 (or a unique prefix of at least 8
 * digits), or the file name the recording had (with or without its folder).
 *
 * text: "# FILE (document N)" then "[HH:MM:SS] words" per segment; a
 * recording without words says why in a "# ..." line (the notice stored with
 * it). srt and vtt: subtitles (numbered cues / WEBVTT), times HH:MM:SS,mmm.
 * json: {"document_id", "file", "status", "seconds", "notices": [...],
 * "segments": [{"seq", "start_ms", "end_ms", "confidence", "text"}]}.
 * Exit 0; 1 for a bad command line, no such document, or a document that is
 * not a recording; 2 when the recording was rejected (the reason on stderr);
 * 3 when the database cannot be reached. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "../lib/db.h"
#include "../lib/json.h"
#include "../lib/util.h"

enum fmt { F_TEXT, F_SRT, F_VTT, F_JSON };

static void stamp(char *out, size_t n, long long ms, char sep)
{
	long long h = ms / 3600000, mi = ms / 60000 % 60, s = ms / 1000 % 60, f = ms % 1000;
	if (sep)
		snprintf(out, n, "%02lld:%02lld:%02lld%c%03lld", h, mi, s, sep, f);
	else
		snprintf(out, n, "%02lld:%02lld:%02lld", h, mi, s);
}

static PGresult *query(struct db *d, const char *sql, const char *param)
{
	const char *p[1] = { param };
	PGresult *r = PQexecParams(db_conn(d), sql, 1, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		fprintf(stderr, "docpipe: %s", PQerrorMessage(db_conn(d)));
		PQclear(r);
		return NULL;
	}
	return r;
}

static int minutes_opt(int val, const char *f, void *user)
{
	enum fmt *fmt = user;

	if (!strcmp(f, "text")) *fmt = F_TEXT;
	else if (!strcmp(f, "srt")) *fmt = F_SRT;
	else if (!strcmp(f, "vtt")) *fmt = F_VTT;
	else if (!strcmp(f, "json")) *fmt = F_JSON;
	else {
		fprintf(stderr, "docpipe minutes: --format is text, srt, vtt or json, not '%s'\n", f);
		return -1;
	}
	return 0;
}

int cmd_minutes(int argc, char **argv)
{
	struct conf c;
	struct db *d = NULL;
	struct dp_msg m;
	enum fmt fmt = F_TEXT;
	const char *doc = NULL;
	PGresult *r = NULL, *notes = NULL;
	char id[32], name[1024], status[64], seconds[32];
	int rc = EXIT_OK;

	static const struct option opts[] = { { "format", required_argument, NULL, 'f' }, { NULL, 0, NULL, 0 } };
	int first;

	if ((rc = cli_parse("minutes", argc, argv, opts, minutes_opt, &fmt, &c, &first)) != CLI_GO)
		return rc;
	rc = EXIT_OK;
	if (argc - first != 1)
		return cli_usage_error("minutes", "give one DOCUMENT");
	doc = argv[first];
	if (db_open(&d, c.conninfo, 5, &m)) {
		fprintf(stderr, "docpipe: %s\n", m.text);
		return EXIT_FAILURE_RT;
	}
	r = query(d,
		  "SELECT id, source_name, status, kind, coalesce(error, ''), "
		  "coalesce((SELECT value FROM document_attrs a WHERE a.document_id = d.id AND key = 'audio.seconds'), '') "
		  "FROM documents d WHERE "
		  "($1 ~ '^[0-9]+$' AND length($1) < 19 AND id = $1::bigint) "
		  "OR (length($1) >= 8 AND sha256 LIKE lower($1) || '%') "
		  "OR source_name = $1 OR right(source_name, length($1) + 1) = '/' || $1 ORDER BY id",
		  doc);
	if (!r) {
		rc = EXIT_FAILURE_RT;
		goto out;
	}
	if (PQntuples(r) != 1) {
		fprintf(stderr, "docpipe: %s document matches '%s'%s\n", PQntuples(r) ? "more than one" : "no", doc,
			PQntuples(r) ? ": give its id" : " (give a document id, SHA-256 or file name)");
		rc = EXIT_USAGE;
		goto out;
	}
	str_copy(id, sizeof id, PQgetvalue(r, 0, 0));
	str_copy(name, sizeof name, PQgetvalue(r, 0, 1));
	str_copy(status, sizeof status, PQgetvalue(r, 0, 2));
	str_copy(seconds, sizeof seconds, PQgetvalue(r, 0, 5));
	if (strcmp(PQgetvalue(r, 0, 3), "audio") && strcmp(status, "rejected")) {
		fprintf(stderr, "docpipe: document %s ('%s') is a %s, not a recording: it has no minutes\n", id, name,
			PQgetvalue(r, 0, 3));
		rc = EXIT_USAGE;
		goto out;
	}
	if (!strcmp(status, "rejected")) {
		fprintf(stderr, "docpipe: document %s ('%s') was rejected: %s\n", id, name, PQgetvalue(r, 0, 4));
		rc = EXIT_REJECTED;
		goto out;
	}
	PQclear(r);
	notes = query(d,
		      "SELECT code, severity, message_en FROM validation_issues WHERE document_id = $1::bigint "
		      "AND coalesce(field, '') = '' ORDER BY id",
		      id);
	r = query(d,
		  "SELECT seq, start_ms, end_ms, text, coalesce(confidence, 0) FROM transcript_segments "
		  "WHERE document_id = $1::bigint ORDER BY seq",
		  id);
	if (!r || !notes) {
		rc = EXIT_FAILURE_RT;
		goto out;
	}
	if (fmt == F_JSON) {
		struct buf b;
		buf_init(&b, 0);
		buf_printf(&b, "{\"document_id\":%s,\"file\":", id);
		json_str(&b, name);
		buf_addstr(&b, ",\"status\":");
		json_str(&b, status);
		buf_printf(&b, ",\"seconds\":%s,\"notices\":[", seconds[0] ? seconds : "null");
		for (int i = 0; i < PQntuples(notes); i++) {
			buf_addstr(&b, i ? ",{\"code\":" : "{\"code\":");
			json_str(&b, PQgetvalue(notes, i, 0));
			buf_addstr(&b, ",\"severity\":");
			json_str(&b, PQgetvalue(notes, i, 1));
			buf_addstr(&b, ",\"message\":");
			json_str(&b, PQgetvalue(notes, i, 2));
			buf_addstr(&b, "}");
		}
		buf_addstr(&b, "],\"segments\":[");
		for (int i = 0; i < PQntuples(r); i++) {
			buf_printf(&b, "%s{\"seq\":%s,\"start_ms\":%s,\"end_ms\":%s,\"confidence\":%s,\"text\":", i ? "," : "",
				   PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2), PQgetvalue(r, i, 4));
			json_str(&b, PQgetvalue(r, i, 3));
			buf_addstr(&b, "}");
		}
		buf_addstr(&b, "]}");
		printf("%s\n", b.data);
		buf_release(&b);
		goto out;
	}
	if (fmt == F_VTT)
		printf("WEBVTT\n\n");
	if (fmt == F_TEXT) {
		printf("# %s (document %s)\n", name, id);
		for (int i = 0; i < PQntuples(notes); i++)
			printf("# %s: %s\n", PQgetvalue(notes, i, 1), PQgetvalue(notes, i, 2));
	}
	for (int i = 0; i < PQntuples(r); i++) {
		char a[32], z[32];
		long long s = atoll(PQgetvalue(r, i, 1)), e = atoll(PQgetvalue(r, i, 2));
		switch (fmt) {
		case F_TEXT:
			stamp(a, sizeof a, s, 0);
			printf("[%s] %s\n", a, PQgetvalue(r, i, 3));
			break;
		case F_SRT:
			stamp(a, sizeof a, s, ',');
			stamp(z, sizeof z, e, ',');
			printf("%d\n%s --> %s\n%s\n\n", i + 1, a, z, PQgetvalue(r, i, 3));
			break;
		case F_VTT:
			stamp(a, sizeof a, s, '.');
			stamp(z, sizeof z, e, '.');
			printf("%s --> %s\n%s\n\n", a, z, PQgetvalue(r, i, 3));
			break;
		case F_JSON:
			break;
		}
	}
out:
	PQclear(r);
	PQclear(notes);
	db_close(&d);
	return rc;
}
