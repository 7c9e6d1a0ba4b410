/* review.c: the review station's HTTP server (docs/REVIEW.md "Contract").
 *
 * libmicrohttpd, one thread per connection (at most REVIEW_CONNECTIONS), TLS
 * (GnuTLS inside libmicrohttpd) when [review] tls_cert and tls_key are set;
 * a bind address that is not loopback is refused without them.
 *
 * Logins. POST /login connects to the database of [database] conninfo (or
 * libpq's PG* variables) as the clerk, with the clerk's password, and keeps
 * the connection only when pg_has_role(session_user, 'docpipe_clerk',
 * 'MEMBER'): an analyst or any other login is refused (403). A session is a
 * random 32-byte id (cookie dpsid: HttpOnly, SameSite=Strict, Secure under
 * TLS), a random CSRF token (header X-CSRF-Token on every POST, or the form
 * field csrf of the logout form), that connection, and the time of the
 * clerk's last action per document. Sessions idle for [review]
 * session_minutes are closed; at most REVIEW_SESSIONS live at once. Requests
 * of one session take turns on its connection. HTTP Basic with the
 * PostgreSQL login and password also works, on every path but the login
 * page: a connection for that one request, with the same check. Any POST
 * whose Origin header names another site is refused (Basic credentials are
 * sent by browsers on their own, so the CSRF token alone would not cover
 * them). The server reads and writes only through the SQL functions of
 * db/007_review.sql, on the clerk's connection: the database decides what a
 * clerk may do and records who did it.
 *
 * Corrections. A document is rebuilt as the struct job the pipeline had
 * (review_document, review_fields, review_attrs), the change applied (a typed
 * value is normalised by its field type from the form template, and kept as
 * typed when the type refuses it, so that validate raises bad_format; the
 * field's source becomes "clerk" and it no longer needs review), its issues
 * cleared, and the validate then the enrich stage run on it through the
 * stage table, with states made once at start from the configuration (enrich
 * opens its own database connection from [database] conninfo for autofill,
 * under the server's login, not the clerk's). The status is the pipeline's
 * rule (job_settle_status), and review_apply stores the changes, the issues
 * and the status in one transaction, with the seconds the clerk spent: since
 * opening the document in this session or since their previous action on it,
 * at most 30 minutes (0 under Basic, which has no session). Issues raised by
 * earlier stages (qr_malformed) are not raised again: the clerk has seen the
 * document.
 *   Enrich during review: it fills only empty fields (from the entrance QR
 * code, or autofill from the applicant's previous application), as in the
 * pipeline. So a field the clerk empties may be filled again: every stored
 * field whose value the stages changed is sent to review_apply as a
 * "correct" of that value (the audit row shows the clerk, the old value and
 * the filled one), so that what is stored is what was validated. A field
 * that enrich adds and that was not stored before cannot be stored through
 * review_apply: it is left out (and logged), as are the attrs enrich sets.
 *
 * Pages are embedded HTML (src/review_assets/, scripts/embed-assets); they
 * carry only the CSRF token, the clerk's login name (HTML-escaped) and the
 * document number, and their script fetches the rest from /api/ and puts it
 * in the page with textContent, so no value from a document is ever parsed
 * as HTML. Responses carry a Content-Security-Policy that allows only this
 * server's own script, style, images and audio. */
#include "review.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <libpq-fe.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "review_media.h"
#include "../stages/stage.h"
#include "../lib/fieldtype.h"
#include "../lib/fname.h"
#include "../lib/forms.h"
#include "../lib/job.h"
#include "../lib/json.h"
#include "../lib/log.h"
#include "../lib/status.h"
#include "../lib/util.h"

#define REVIEW_SESSIONS 200          /* live sessions at most (each holds a connection) */
#define REVIEW_CONNECTIONS 64        /* HTTP connections at most */
#define REVIEW_BODY_MAX (64 * 1024)  /* request bodies: small JSON or a login form */
#define REVIEW_SECONDS_CAP 1800.0    /* an action counts at most 30 minutes */
#define REVIEW_DOC_TIMES 32          /* documents whose timer a session keeps */
#define REVIEW_PAGE_WIDTH 1600       /* whole pages are scaled to this width */
#define REVIEW_QUEUE_LIMIT 500

/* scripts/embed-assets: every file of src/review_assets */
struct review_asset {
	const char *name;
	const char *data;
	size_t len;
};
extern const struct review_asset review_assets[];

/* ---- sessions ---- */

struct doc_time {
	long long doc;
	int64_t at_us;
};

struct session {
	char id[65];                 /* 32 random bytes, hex */
	char csrf[65];
	char user[64];
	PGconn *pg;
	pthread_mutex_t use;         /* one request at a time on pg */
	int refs;                    /* requests holding it (under the server's lock) */
	int dead;                    /* out of the list: freed when refs drops to 0 */
	int64_t last_us;
	struct doc_time times[REVIEW_DOC_TIMES];
	struct session *next;
};

struct review_server {
	struct conf conf;
	struct MHD_Daemon *d;
	int tls;
	char *cert, *key;
	pthread_mutex_t lock;        /* sessions */
	struct session *sessions;
	int nsessions;
	int64_t last_sweep_us;
	struct form_set forms;
	pthread_mutex_t stage_lock;  /* the stage states are one worker's */
	const struct stage *validate, *enrich;
	void *vstate, *estate;
};

/* per request: the body as it arrives */
struct req {
	struct buf body;
	int too_big;
};

/* what a request is answered with */
struct reply {
	unsigned status;
	const char *ctype;
	struct buf body;
	unsigned char *bin;          /* binary body (PNG, WAV) instead of body, malloc'd */
	size_t binlen;
	char location[256];
	char cookies[2][256];
	int www_auth;
};

/* who is asking */
struct auth {
	struct session *s;           /* cookie session, or NULL */
	PGconn *pg;                  /* the session's, or this request's (Basic) */
	char user[64];
};

static int64_t session_ttl_us(const struct review_server *srv)
{
	return (int64_t)srv->conf.review_session_minutes * 60 * 1000000;
}

static int random_hex(char out[65])
{
	unsigned char b[32];
	size_t got = 0;

	while (got < sizeof b) {
		ssize_t r = getrandom(b + got, sizeof b - got, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)r;
	}
	for (size_t i = 0; i < sizeof b; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	return 0;
}

/* constant-time comparison of two tokens */
static int token_eq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char d = la != lb;

	for (size_t i = 0; i < la && i < lb; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0 && la > 0;
}

static void session_free(struct session *s)
{
	if (s->pg)
		PQfinish(s->pg);
	pthread_mutex_destroy(&s->use);
	explicit_bzero(s->id, sizeof s->id);
	explicit_bzero(s->csrf, sizeof s->csrf);
	free(s);
}

/* under srv->lock: take s out of the list; freed now or by its last user */
static void session_unlink(struct review_server *srv, struct session *s)
{
	for (struct session **p = &srv->sessions; *p; p = &(*p)->next)
		if (*p == s) {
			*p = s->next;
			srv->nsessions--;
			break;
		}
	s->dead = 1;
	if (s->refs == 0)
		session_free(s);
}

/* under srv->lock */
static void sweep_locked(struct review_server *srv, int64_t now)
{
	struct session *s = srv->sessions, *next;

	for (; s; s = next) {
		next = s->next;
		if (now - s->last_us > session_ttl_us(srv)) {
			log_info("review: session of %s expired", s->user);
			session_unlink(srv, s);
		}
	}
	srv->last_sweep_us = now;
}

/* The live session of this id, held (session_put), or NULL. */
static struct session *session_get(struct review_server *srv, const char *id)
{
	struct session *found = NULL;
	int64_t now = now_us();

	if (!id || strlen(id) != 64)
		return NULL;
	pthread_mutex_lock(&srv->lock);
	for (struct session *s = srv->sessions; s; s = s->next)
		if (token_eq(s->id, id)) {
			found = s;
			break;
		}
	if (found && now - found->last_us > session_ttl_us(srv)) {
		log_info("review: session of %s expired", found->user);
		session_unlink(srv, found);
		found = NULL;
	}
	if (found) {
		found->refs++;
		found->last_us = now;
	}
	pthread_mutex_unlock(&srv->lock);
	if (found)
		pthread_mutex_lock(&found->use);
	return found;
}

static void session_put(struct review_server *srv, struct session *s)
{
	pthread_mutex_unlock(&s->use);
	pthread_mutex_lock(&srv->lock);
	if (--s->refs == 0 && s->dead)
		session_free(s);
	pthread_mutex_unlock(&srv->lock);
}

/* seconds since the clerk opened doc in this session or last acted on it */
static double session_seconds(struct session *s, long long doc)
{
	if (!s)
		return 0;
	for (int i = 0; i < REVIEW_DOC_TIMES; i++)
		if (s->times[i].doc == doc) {
			double sec = (double)(now_us() - s->times[i].at_us) / 1e6;
			return sec < 0 ? 0 : sec > REVIEW_SECONDS_CAP ? REVIEW_SECONDS_CAP : sec;
		}
	return 0;
}

/* start (or, when only_if_absent, start unless running) doc's timer */
static void session_mark(struct session *s, long long doc, int only_if_absent)
{
	int slot = 0;

	if (!s)
		return;
	for (int i = 0; i < REVIEW_DOC_TIMES; i++) {
		if (s->times[i].doc == doc) {
			if (!only_if_absent)
				s->times[i].at_us = now_us();
			return;
		}
		if (s->times[i].at_us < s->times[slot].at_us)
			slot = i; /* the oldest, or an empty one */
	}
	s->times[slot].doc = doc;
	s->times[slot].at_us = now_us();
}

/* ---- text: HTML, forms (JSON: lib/json.h) ---- */

static void html_esc(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	for (; *p; p++) {
		switch (*p) {
		case '&': buf_addstr(b, "&amp;"); break;
		case '<': buf_addstr(b, "&lt;"); break;
		case '>': buf_addstr(b, "&gt;"); break;
		case '"': buf_addstr(b, "&quot;"); break;
		case '\'': buf_addstr(b, "&#39;"); break;
		default: buf_add(b, p, 1);
		}
	}
}

/* application/x-www-form-urlencoded: the value of name (malloc'd), or NULL */
static char *form_value(const char *body, size_t len, const char *name)
{
	size_t nl = strlen(name);
	const char *p = body, *end = body + len;

	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *e = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(e - p));
		if (eq && (size_t)(eq - p) == nl && !memcmp(p, name, nl)) {
			struct buf v;
			buf_init(&v, REVIEW_BODY_MAX);
			for (const char *q = eq + 1; q < e; q++) {
				if (*q == '+') {
					buf_add(&v, " ", 1);
				} else if (*q == '%' && e - q >= 3 && hex_value((unsigned char)q[1]) >= 0 &&
					   hex_value((unsigned char)q[2]) >= 0) {
					char c = (char)(hex_value((unsigned char)q[1]) * 16 + hex_value((unsigned char)q[2]));
					buf_add(&v, &c, 1);
					q += 2;
				} else {
					buf_add(&v, q, 1);
				}
			}
			size_t n = v.len;
			buf_add(&v, "", 1);
			char *s = buf_detach(&v, NULL);
			if (!utf8_valid(s, n)) {
				free(s);
				return NULL;
			}
			return s;
		}
		p = e + 1;
	}
	return NULL;
}

/* ---- replies ---- */

static void reply_init(struct reply *r)
{
	memset(r, 0, sizeof *r);
	buf_init(&r->body, 0);
	r->status = MHD_HTTP_OK;
	r->ctype = "application/json; charset=utf-8";
}

static void reply_error(struct reply *r, unsigned status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void reply_error(struct reply *r, unsigned status, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	r->status = status;
	r->ctype = "application/json; charset=utf-8";
	free(r->bin);
	r->bin = NULL;
	r->body.len = 0;
	buf_addstr(&r->body, "{");
	json_kstr(&r->body, "error", msg);
	buf_addstr(&r->body, "}\n");
}

static void reply_redirect(struct reply *r, const char *to)
{
	r->status = MHD_HTTP_FOUND;
	r->ctype = "text/plain; charset=utf-8";
	str_copy(r->location, sizeof r->location, to);
	r->body.len = 0;
	buf_addstr(&r->body, "see ");
	buf_addstr(&r->body, to);
	buf_addstr(&r->body, "\n");
}

static void reply_cookie(struct reply *r, const struct review_server *srv, const char *name, const char *value,
			 int clear)
{
	int k = r->cookies[0][0] ? 1 : 0;
	snprintf(r->cookies[k], sizeof r->cookies[k], "%s=%s; Path=/; HttpOnly; SameSite=Strict%s%s", name, value,
		 srv->tls ? "; Secure" : "", clear ? "; Max-Age=0" : "");
}

static const char CSP[] = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
			  "media-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
			  "frame-ancestors 'none'";

static enum MHD_Result reply_send(struct MHD_Connection *conn, struct reply *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if (r->bin) {
		resp = MHD_create_response_from_buffer(r->binlen, r->bin, MHD_RESPMEM_MUST_FREE);
		r->bin = NULL;
	} else {
		size_t n = r->body.len;
		char *d = buf_detach(&r->body, NULL);
		if (!d)
			d = xstrdup("");
		resp = MHD_create_response_from_buffer(n, d, MHD_RESPMEM_MUST_FREE);
	}
	buf_release(&r->body);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->ctype);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", "same-origin"); /* no-referrer would make Origin "null" */
	MHD_add_response_header(resp, "Content-Security-Policy", CSP);
	if (r->location[0])
		MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, r->location);
	for (int k = 0; k < 2; k++)
		if (r->cookies[k][0])
			MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, r->cookies[k]);
	if (r->www_auth)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
					"Basic realm=\"docpipe review\", charset=\"UTF-8\"");
	ret = MHD_queue_response(conn, r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static const struct review_asset *asset(const char *name)
{
	for (const struct review_asset *a = review_assets; a->name; a++)
		if (!strcmp(a->name, name))
			return a;
	return NULL;
}

/* The asset `name` into b with {{key}} replaced by HTML-escaped values
 * (keys[i], vals[i]; unknown keys become "") and {{>part}} by the asset
 * `part`, filled the same way (parts are not nested). -1 when an asset is
 * missing. */
static int fill_page(struct buf *b, const char *name, const char *const *keys, const char *const *vals, int n,
		     int depth)
{
	const struct review_asset *a = asset(name);
	const char *p, *end;

	if (!a)
		return -1;
	for (p = a->data, end = a->data + a->len; p < end;) {
		const char *open = strstr(p, "{{"), *close;
		if (!open || !(close = strstr(open, "}}"))) {
			buf_add(b, p, (size_t)(end - p));
			break;
		}
		buf_add(b, p, (size_t)(open - p));
		if (open[2] == '>' && depth == 0) {
			char part[64];
			snprintf(part, sizeof part, "%.*s", (int)(close - open - 3), open + 3);
			if (fill_page(b, part, keys, vals, n, 1))
				return -1;
		}
		for (int i = 0; i < n; i++)
			if ((size_t)(close - open - 2) == strlen(keys[i]) && !memcmp(open + 2, keys[i], strlen(keys[i])))
				html_esc(b, vals[i]);
		p = close + 2;
	}
	return 0;
}

static void reply_page(struct reply *r, const char *name, const char *const *keys, const char *const *vals, int n)
{
	r->ctype = "text/html; charset=utf-8";
	r->body.len = 0;
	if (fill_page(&r->body, name, keys, vals, n, 0))
		reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "page %s or a part of it is missing from the build", name);
}

/* ---- the database, on the clerk's connection ---- */

/* libpq's error as a reply: the function's RAISE is a conflict with the
 * document's state (409), a privilege refused 403, bad input 400. */
static void reply_pg_error(struct reply *r, PGresult *res, PGconn *pg)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	unsigned st = MHD_HTTP_INTERNAL_SERVER_ERROR;

	if (!msg)
		msg = PQerrorMessage(pg);
	if (PQstatus(pg) != CONNECTION_OK)
		st = MHD_HTTP_SERVICE_UNAVAILABLE;
	else if (state && !strcmp(state, "42501"))
		st = MHD_HTTP_FORBIDDEN;
	else if (state && (!strcmp(state, "P0002") || !strcmp(state, "02000")))
		st = MHD_HTTP_NOT_FOUND;
	else if (state && (!strcmp(state, "P0001") || !strncmp(state, "23", 2) || !strncmp(state, "55", 2)))
		st = MHD_HTTP_CONFLICT;
	else if (state && !strncmp(state, "22", 2))
		st = MHD_HTTP_BAD_REQUEST;
	else if (state && !strcmp(state, "42883"))
		msg = "the review functions are missing from the database: run docpipe db migrate";
	if (st >= 500)
		log_warn("review: database: %s%s%s", state ? state : "", state ? " " : "", msg ? msg : "");
	reply_error(r, st, "%s", msg && *msg ? msg : "database error");
}

/* One statement with text parameters; NULL after filling r on an error. */
static PGresult *pg_query(PGconn *pg, struct reply *r, const char *sql, int n, const char *const *params)
{
	PGresult *res;

	if (PQstatus(pg) != CONNECTION_OK)
		PQreset(pg);
	engine_enter();
	res = PQexecParams(pg, sql, n, NULL, params, NULL, NULL, 0);
	engine_leave();
	if (res && (PQresultStatus(res) == PGRES_TUPLES_OK || PQresultStatus(res) == PGRES_COMMAND_OK))
		return res;
	reply_pg_error(r, res, pg);
	PQclear(res);
	return NULL;
}

static int col(PGresult *res, const char *name)
{
	return PQfnumber(res, name);
}

static const char *val(PGresult *res, int row, const char *name)
{
	int c = PQfnumber(res, name);
	return c < 0 || PQgetisnull(res, row, c) ? NULL : PQgetvalue(res, row, c);
}

/* the column's text, "" when NULL or absent */
static const char *sval(PGresult *res, int row, const char *name)
{
	const char *v = val(res, row, name);
	return v ? v : "";
}

/* The members of one row (columns whose name starts with '_' left out):
 * numbers and booleans as such, NULL as null, the rest as strings. Writes
 * no braces. */
static void row_members(struct buf *b, PGresult *res, int row)
{
	for (int c = 0; c < PQnfields(res); c++) {
		const char *name = PQfname(res, c);
		const char *v = PQgetvalue(res, row, c);
		if (name[0] == '_')
			continue;
		json_key(b, name);
		if (PQgetisnull(res, row, c)) {
			buf_addstr(b, "null");
			continue;
		}
		switch (PQftype(res, c)) {
		case 16: /* bool */
			buf_addstr(b, v[0] == 't' ? "true" : "false");
			break;
		case 20: case 21: case 23: case 26: /* int8 int2 int4 oid */
			buf_addstr(b, v);
			break;
		case 700: case 701: case 1700: { /* float4 float8 numeric */
			char *e;
			double d = strtod(v, &e);
			if (*e || !isfinite(d))
				buf_addstr(b, "null");
			else
				buf_addstr(b, v);
			break;
		}
		default:
			json_str(b, v);
		}
	}
}

static void rows_array(struct buf *b, PGresult *res)
{
	buf_add(b, "[", 1);
	for (int i = 0; i < PQntuples(res); i++) {
		json_item(b);
		buf_add(b, "{", 1);
		row_members(b, res, i);
		buf_add(b, "}", 1);
	}
	buf_add(b, "]", 1);
}

static const char SQL_DOC[] =
	"SELECT d.*, extract(epoch FROM d.received_at)::float8 AS _epoch FROM review_document($1::bigint) d";
static const char SQL_FIELDS[] = "SELECT * FROM review_fields($1::bigint)";
static const char SQL_ATTRS[] = "SELECT * FROM review_attrs($1::bigint)";
static const char SQL_ISSUES[] = "SELECT * FROM review_issues($1::bigint)";
static const char SQL_SEGMENTS[] = "SELECT * FROM review_segments($1::bigint)";

/* the form template of a page: attr page.N.form, else the document's form */
static const struct form *page_form(const struct review_server *srv, PGresult *attrs, int page, const char *form_type)
{
	char key[48];
	const struct form *f = NULL;

	snprintf(key, sizeof key, "page.%d.form", page);
	for (int i = 0; attrs && i < PQntuples(attrs); i++)
		if (!strcmp(sval(attrs, i, "key"), key))
			f = forms_find(&srv->forms, sval(attrs, i, "value"));
	if (!f && form_type && *form_type)
		f = forms_find(&srv->forms, form_type);
	return f;
}

static const char *attr_of(PGresult *attrs, const char *key)
{
	for (int i = 0; attrs && i < PQntuples(attrs); i++)
		if (!strcmp(sval(attrs, i, "key"), key))
			return sval(attrs, i, "value");
	return NULL;
}

/* The document row; NULL after a reply (404 when there is none). */
/* The row of res whose column id is id, -1 if none. */
static int row_of_id(PGresult *res, long long id)
{
	for (int i = 0; i < PQntuples(res); i++)
		if (atoll(sval(res, i, "id")) == id)
			return i;
	return -1;
}

/* attr_of as review_page_placement wants it */
static const char *attr_cb(void *ctx, const char *key)
{
	return attr_of(ctx, key);
}

static PGresult *doc_row(PGconn *pg, struct reply *r, long long doc)
{
	char id[32];
	const char *p[1] = { id };
	PGresult *res;

	snprintf(id, sizeof id, "%lld", doc);
	if (!(res = pg_query(pg, r, SQL_DOC, 1, p)))
		return NULL;
	if (PQntuples(res) != 1) {
		PQclear(res);
		reply_error(r, MHD_HTTP_NOT_FOUND, "no document %lld", doc);
		return NULL;
	}
	return res;
}

static PGresult *doc_rows(PGconn *pg, struct reply *r, const char *sql, long long doc)
{
	char id[32];
	const char *p[1] = { id };

	snprintf(id, sizeof id, "%lld", doc);
	return pg_query(pg, r, sql, 1, p);
}

/* GET /api/documents/ID: the document, its fields (with the template's
 * label and type), issues and segments. */
static void api_document(struct review_server *srv, PGconn *pg, struct reply *r, long long doc)
{
	PGresult *d = NULL, *f = NULL, *a = NULL, *is = NULL, *sg = NULL;

	if (!(d = doc_row(pg, r, doc)) || !(f = doc_rows(pg, r, SQL_FIELDS, doc)) ||
	    !(a = doc_rows(pg, r, SQL_ATTRS, doc)) || !(is = doc_rows(pg, r, SQL_ISSUES, doc)) ||
	    !(sg = doc_rows(pg, r, SQL_SEGMENTS, doc)))
		goto out;
	struct buf *b = &r->body;
	const char *form_type = val(d, 0, "form_type");
	b->len = 0;
	buf_addstr(b, "{\"document\":{");
	row_members(b, d, 0);
	buf_addstr(b, "},\"fields\":[");
	for (int i = 0; i < PQntuples(f); i++) {
		const char *pg_page = val(f, i, "page");
		const char *name = val(f, i, "name");
		const struct form *fm = page_form(srv, a, pg_page ? atoi(pg_page) : 0, form_type);
		const struct form_field *fd = fm && name ? form_field(fm, name) : NULL;
		json_item(b);
		buf_add(b, "{", 1);
		row_members(b, f, i);
		json_kstr(b, "label", fd && fd->label[0] ? fd->label : name);
		json_kstr(b, "type", fd && fd->type ? fd->type->name : NULL);
		buf_add(b, "}", 1);
	}
	buf_addstr(b, "],\"issues\":");
	rows_array(b, is);
	buf_addstr(b, ",\"segments\":");
	rows_array(b, sg);
	buf_addstr(b, "}\n");
	r->status = MHD_HTTP_OK;
	r->ctype = "application/json; charset=utf-8";
out:
	PQclear(d);
	PQclear(f);
	PQclear(a);
	PQclear(is);
	PQclear(sg);
}

/* GET /api/queue */
static void api_queue(PGconn *pg, struct reply *r, const char *proc, const char *form, const char *limit,
		      const char *offset)
{
	char lim[16], off[16];
	long l = limit && *limit ? strtol(limit, NULL, 10) : 50, o = offset && *offset ? strtol(offset, NULL, 10) : 0;
	PGresult *q, *c;

	if (l < 1 || l > REVIEW_QUEUE_LIMIT || o < 0 || o > 100000000) {
		reply_error(r, MHD_HTTP_BAD_REQUEST, "limit is 1..%d and offset 0 or more", REVIEW_QUEUE_LIMIT);
		return;
	}
	snprintf(lim, sizeof lim, "%ld", l);
	snprintf(off, sizeof off, "%ld", o);
	const char *p[4] = { proc && *proc ? proc : NULL, form && *form ? form : NULL, lim, off };
	if (!(q = pg_query(pg, r, "SELECT * FROM review_queue($1, $2, $3::int, $4::int)", 4, p)))
		return;
	if (!(c = pg_query(pg, r, "SELECT * FROM review_counts()", 0, NULL))) {
		PQclear(q);
		return;
	}
	struct buf *b = &r->body;
	b->len = 0;
	buf_printf(b, "{\"total\":%s,\"counts\":", PQntuples(q) ? sval(q, 0, "total") : "0");
	if (PQntuples(q) == 0 && o > 0) {
		/* past the end: the total still counts */
		PQclear(q);
		const char *p0[4] = { p[0], p[1], "1", "0" };
		if ((q = pg_query(pg, r, "SELECT * FROM review_queue($1, $2, $3::int, $4::int)", 4, p0))) {
			b->len = 0;
			buf_printf(b, "{\"total\":%s,\"counts\":", PQntuples(q) ? sval(q, 0, "total") : "0");
			PQclear(q);
		}
		q = NULL;
	}
	rows_array(b, c);
	buf_addstr(b, ",\"documents\":[");
	for (int i = 0; q && i < PQntuples(q); i++) {
		static const char *const keep[] = { "id", "source_name", "kind", "status", "form_type",
						    "procedure_code", "received_at", "flagged", "errors" };
		json_item(b);
		buf_add(b, "{", 1);
		for (size_t k = 0; k < sizeof keep / sizeof keep[0]; k++) {
			int cc = col(q, keep[k]);
			if (cc < 0)
				continue;
			json_key(b, keep[k]);
			if (PQgetisnull(q, i, cc))
				buf_addstr(b, "null");
			else if (k == 0 || k >= 7)
				buf_addstr(b, PQgetvalue(q, i, cc));
			else
				json_str(b, PQgetvalue(q, i, cc));
		}
		buf_add(b, "}", 1);
	}
	buf_addstr(b, "]}\n");
	PQclear(q);
	PQclear(c);
}

/* ---- corrections ---- */

enum act_kind { ACT_CORRECT, ACT_CONFIRM, ACT_ACCEPT };

struct change {
	long long field_id;
	const char *action;
	char *value;
};

static void add_change(struct change **ch, size_t *n, long long fid, const char *action, const char *value)
{
	for (size_t i = 0; i < *n; i++)
		if ((*ch)[i].field_id == fid) {
			(*ch)[i].action = action;
			job_set_str(&(*ch)[i].value, value);
			return;
		}
	*ch = xrealloc(*ch, (*n + 1) * sizeof **ch);
	(*ch)[*n].field_id = fid;
	(*ch)[*n].action = action;
	(*ch)[*n].value = xstrdup(value);
	(*n)++;
}

static void job_clear_issues(struct job *j)
{
	for (size_t i = 0; i < j->nissues; i++) {
		free(j->issues[i].field);
		free(j->issues[i].code);
		free(j->issues[i].severity);
		free(j->issues[i].msg_ja);
		free(j->issues[i].msg_en);
	}
	j->nissues = 0;
}

static int open_status(const char *st)
{
	return st && (!strcmp(st, "needs_review") || !strcmp(st, "invalid"));
}

/* 409 unless the document (row d) is in a state the action is for: a form
 * in review (forms), else a transcribed recording. Returns 0 when it is. */
static int status_refused(struct reply *r, PGresult *d, long long doc, int forms)
{
	const char *st = val(d, 0, "status");

	if (forms ? open_status(st) : st && !strcmp(st, "transcribed"))
		return 0;
	reply_error(r, MHD_HTTP_CONFLICT, "document %lld is %s: %s", doc, st ? st : "?",
		    forms ? "only needs_review and invalid documents are reviewed"
			  : "segments are reviewed in transcribed recordings");
	return -1;
}

/* The document's row, fields and attrs; -1 after a reply (the caller
 * clears what is set either way). */
struct docrows {
	PGresult *d, *f, *a;
};

static int docrows_load(PGconn *pg, struct reply *r, long long doc, struct docrows *x)
{
	memset(x, 0, sizeof *x);
	return (x->d = doc_row(pg, r, doc)) && (x->f = doc_rows(pg, r, SQL_FIELDS, doc)) &&
			       (x->a = doc_rows(pg, r, SQL_ATTRS, doc))
		       ? 0
		       : -1;
}

static void docrows_clear(struct docrows *x)
{
	PQclear(x->d);
	PQclear(x->f);
	PQclear(x->a);
	memset(x, 0, sizeof *x);
}

/* One of the review functions on the clerk's connection, then the
 * document's timer restarts and the answer is the document; -1 on an error
 * (in r). */
static int run_action(struct review_server *srv, struct auth *au, struct reply *r, long long doc, const char *sql,
		      int n, const char *const *params)
{
	PGresult *res = pg_query(au->pg, r, sql, n, params);

	if (!res)
		return -1;
	PQclear(res);
	session_mark(au->s, doc, 0);
	api_document(srv, au->pg, r, doc);
	return 0;
}

/* The job the pipeline had, from the document's rows; fids[i] is the id of
 * j->fields[i]. */
static struct job *job_rebuild(PGresult *d, PGresult *f, PGresult *a, long long **fids)
{
	struct job *j = job_new();
	const char *v;

	str_copy(j->id, sizeof j->id, (v = val(d, 0, "sha256")) ? v : "");
	job_set_str(&j->source, val(d, 0, "source_name"));
	str_copy(j->kind, sizeof j->kind, (v = val(d, 0, "kind")) ? v : "scan");
	str_copy(j->format, sizeof j->format, (v = val(d, 0, "format")) ? v : "");
	str_copy(j->form_type, sizeof j->form_type, (v = val(d, 0, "form_type")) ? v : "");
	str_copy(j->procedure, sizeof j->procedure, (v = val(d, 0, "procedure_code")) ? v : "");
	j->page_count = (v = val(d, 0, "page_count")) ? atoi(v) : 0;
	j->received_us = (v = val(d, 0, "_epoch")) ? (int64_t)(strtod(v, NULL) * 1e6) : 0;
	j->ocr_conf = -1;
	*fids = xcalloc((size_t)PQntuples(f) + 1, sizeof **fids);
	for (int i = 0; i < PQntuples(f); i++) {
		const char *src = val(f, i, "source"), *conf = val(f, i, "confidence");
		const char *value = val(f, i, "value"), *raw = val(f, i, "raw_text");
		const char *nr = val(f, i, "needs_review");
		if (!src)
			src = "ocr";
		/* a clerk's value is what the clerk typed: messages quote it */
		if (!strcmp(src, "clerk"))
			raw = value;
		const char *page = val(f, i, "page");
		job_add_field(j, page ? atoi(page) : 1, sval(f, i, "name"), value ? value : "", raw ? raw : "", conf ? strtod(conf, NULL) : -1, nr && nr[0] == 't', src);
		(*fids)[i] = atoll(val(f, i, "id"));
	}
	for (int i = 0; i < PQntuples(a); i++)
		job_set_attr(j, sval(a, i, "key"), sval(a, i, "value"));
	return j;
}

/* POST .../fields/FID, .../fields/FID/confirm, .../accept */
static void api_act(struct review_server *srv, struct auth *au, struct reply *r, long long doc, enum act_kind kind,
		    long long fid, const char *typed)
{
	struct docrows x;
	PGresult *d, *f, *a;
	struct job *j = NULL;
	long long *fids = NULL;
	struct change *ch = NULL;
	size_t nch = 0, nstored;
	char **before = NULL;

	if (docrows_load(au->pg, r, doc, &x) || status_refused(r, x.d, doc, 1))
		goto out;
	d = x.d, f = x.f, a = x.a;
	j = job_rebuild(d, f, a, &fids);
	nstored = j->nfields;
	if (kind == ACT_ACCEPT) {
		for (size_t i = 0; i < nstored; i++)
			if (j->fields[i].needs_review) {
				j->fields[i].needs_review = 0;
				add_change(&ch, &nch, fids[i], "confirm", j->fields[i].value);
			}
	} else {
		size_t i;
		for (i = 0; i < nstored && fids[i] != fid; i++)
			;
		if (i == nstored) {
			reply_error(r, MHD_HTTP_NOT_FOUND, "document %lld has no field %lld", doc, fid);
			goto out;
		}
		struct job_field *jf = &j->fields[i];
		if (kind == ACT_CORRECT) {
			const struct form *fm = page_form(srv, a, jf->page, j->form_type);
			const struct form_field *fd = fm ? form_field(fm, jf->name) : NULL;
			char norm[4096];
			if (fd && fd->type && field_type_normalise(fd->type, typed, norm, sizeof norm) == 0)
				job_set_str(&jf->value, norm);
			else
				job_set_str(&jf->value, typed); /* invalid: kept as typed, validate says why */
			job_set_str(&jf->raw, typed);
			job_set_str(&jf->source, "clerk");
			jf->needs_review = 0;
			add_change(&ch, &nch, fid, "correct", jf->value);
		} else {
			jf->needs_review = 0;
			add_change(&ch, &nch, fid, "confirm", jf->value);
		}
	}

	/* validate and enrich, as on the scan route */
	before = xcalloc(nstored + 1, sizeof *before);
	for (size_t i = 0; i < nstored; i++)
		before[i] = xstrdup(j->fields[i].value);
	job_clear_issues(j);
	j->status[0] = '\0';
	{
		struct dp_msg m = { 0 };
		enum dp_err e = DP_OK;
		pthread_mutex_lock(&srv->stage_lock);
		if (srv->validate->ops->process)
			e = srv->validate->ops->process(srv->vstate, j, &m);
		if (!e && srv->enrich->ops->process)
			e = srv->enrich->ops->process(srv->estate, j, &m);
		pthread_mutex_unlock(&srv->stage_lock);
		if (e) {
			reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "re-validation failed: %s", m.text);
			goto out;
		}
	}
	job_settle_status(j);
	for (size_t i = 0; i < nstored; i++)
		if (strcmp(before[i], j->fields[i].value)) {
			log_info("review: document %lld: enrich filled '%s' with '%s' (%s)", doc, j->fields[i].name,
				 j->fields[i].value, j->fields[i].source);
			add_change(&ch, &nch, fids[i], "correct", j->fields[i].value);
		}
	for (size_t i = nstored; i < j->nfields; i++)
		log_info("review: document %lld: enrich added field '%s' (%s), not stored by review", doc,
			 j->fields[i].name, j->fields[i].source);

	struct buf cj, ij;
	char sdoc[32], ssec[32];
	buf_init(&cj, 0);
	buf_init(&ij, 0);
	buf_add(&cj, "[", 1);
	for (size_t i = 0; i < nch; i++) {
		json_item(&cj);
		buf_printf(&cj, "{\"field_id\":%lld", ch[i].field_id);
		json_kstr(&cj, "action", ch[i].action);
		json_kstr(&cj, "value", ch[i].value);
		buf_add(&cj, "}", 1);
	}
	buf_add(&cj, "]", 2);
	buf_add(&ij, "[", 1);
	for (size_t i = 0; i < j->nissues; i++) {
		const struct job_issue *is = &j->issues[i];
		json_item(&ij);
		buf_add(&ij, "{", 1);
		json_kstr(&ij, "field", is->field);
		json_kstr(&ij, "code", is->code);
		json_kstr(&ij, "severity", is->severity);
		json_kstr(&ij, "message_ja", is->msg_ja);
		json_kstr(&ij, "message_en", is->msg_en);
		buf_add(&ij, "}", 1);
	}
	buf_add(&ij, "]", 2);
	snprintf(sdoc, sizeof sdoc, "%lld", doc);
	snprintf(ssec, sizeof ssec, "%.3f", session_seconds(au->s, doc));
	const char *p[5] = { sdoc, cj.data, ij.data, j->status, ssec };
	int failed = run_action(srv, au, r, doc, "SELECT review_apply($1::bigint, $2::jsonb, $3::jsonb, $4, $5::float8)",
				5, p);
	buf_release(&cj);
	buf_release(&ij);
	if (failed)
		goto out;
	log_info("review: %s %s document %lld%s%lld: %s, %zu issues, %s s", au->user,
		 kind == ACT_ACCEPT ? "accepted" : kind == ACT_CORRECT ? "corrected" : "confirmed", doc,
		 kind == ACT_ACCEPT ? "" : " field ", kind == ACT_ACCEPT ? 0LL : fid, j->status, j->nissues, ssec);
out:
	for (size_t i = 0; before && i < nstored; i++)
		free(before[i]);
	free(before);
	for (size_t i = 0; i < nch; i++)
		free(ch[i].value);
	free(ch);
	free(fids);
	job_free(&j);
	docrows_clear(&x);
}

/* Before a reject or a segment: the document exists and is in the state
 * the action is for (forms: in review; else a transcribed recording); its id
 * and the seconds spent as text. -1 after a reply. */
static int action_start(struct auth *au, struct reply *r, long long doc, int forms, char sdoc[32], char ssec[32])
{
	PGresult *d = doc_row(au->pg, r, doc);
	int refused;

	if (!d)
		return -1;
	refused = status_refused(r, d, doc, forms);
	PQclear(d);
	if (refused)
		return -1;
	snprintf(sdoc, 32, "%lld", doc);
	snprintf(ssec, 32, "%.3f", session_seconds(au->s, doc));
	return 0;
}

/* POST .../reject {"reason"} */
static void api_reject(struct review_server *srv, struct auth *au, struct reply *r, long long doc, const char *reason)
{
	char sdoc[32], ssec[32];

	if (action_start(au, r, doc, 1, sdoc, ssec))
		return;
	const char *p[3] = { sdoc, reason, ssec };
	if (!run_action(srv, au, r, doc, "SELECT review_reject($1::bigint, $2, $3::float8)", 3, p))
		log_info("review: %s rejected document %lld", au->user, doc);
}

/* POST .../segments/SID {"text"} */
static void api_segment(struct review_server *srv, struct auth *au, struct reply *r, long long doc, long long seg,
			const char *text)
{
	char sdoc[32], sseg[32], ssec[32];

	if (action_start(au, r, doc, 0, sdoc, ssec))
		return;
	snprintf(sseg, sizeof sseg, "%lld", seg);
	const char *p[4] = { sdoc, sseg, text, ssec };
	if (!run_action(srv, au, r, doc, "SELECT review_segment($1::bigint, $2::bigint, $3, $4::float8)", 4, p))
		log_info("review: %s reviewed segment %lld of document %lld", au->user, seg, doc);
}

/* ---- pictures and sounds (src/review_media.h) ---- */

static void media_error(struct reply *r, enum dp_err e, const struct dp_msg *m)
{
	log_warn("review: %s", m->text);
	reply_error(r, e == DP_ERR_IO ? MHD_HTTP_NOT_FOUND : MHD_HTTP_INTERNAL_SERVER_ERROR, "%s", m->text);
}

/* Where the input of document row d is: review_find_input under the name's
 * bytes (source_name_hex, db/009) when they were stored, else under
 * source_name (rows from before; names that were UTF-8 are the same). */
static enum dp_err find_input(struct review_server *srv, PGresult *d, char *path, size_t n, struct dp_msg *m)
{
	const char *hex = val(d, 0, "source_name_hex"), *name = val(d, 0, "source_name");
	char *raw = hex && *hex ? fname_unhex(hex) : NULL;
	enum dp_err e = review_find_input(&srv->conf, raw ? raw : name ? name : "",
					  val(d, 0, "sha256") ? val(d, 0, "sha256") : "", path, n, m);
	free(raw);
	return e;
}

/* fill p for page of document row d; path receives the input's location */
static int media_page(struct review_server *srv, PGresult *d, PGresult *a, int page, struct review_page *p,
		      char *path, size_t n, struct reply *r)
{
	char key[48];
	const char *v;
	struct dp_msg m;
	enum dp_err e;

	memset(p, 0, sizeof *p);
	if ((e = find_input(srv, d, path, n, &m))) {
		media_error(r, e, &m);
		return -1;
	}
	p->path = path;
	p->sha256 = val(d, 0, "sha256");
	p->page = page;
	p->form = page_form(srv, a, page, val(d, 0, "form_type"));
	review_page_placement(p, attr_cb, a);
	snprintf(key, sizeof key, "page.%d.dpi", page);
	p->dpi = (v = attr_of(a, key)) ? atoi(v) : 0;
	if (p->dpi <= 0)
		p->dpi = srv->conf.page_dpi_default;
	if (!p->form) {
		reply_error(r, MHD_HTTP_NOT_FOUND, "page %d of document was read with no form template", page);
		return -1;
	}
	return 0;
}

static void get_field_png(struct review_server *srv, PGconn *pg, struct reply *r, long long doc, long long fid)
{
	struct docrows x;
	PGresult *f;
	char path[CONF_PATH_MAX * 2];
	struct review_page p;
	struct dp_msg m;
	int row = -1;

	if (docrows_load(pg, r, doc, &x))
		goto out;
	f = x.f;
	row = row_of_id(f, fid);
	if (row < 0) {
		reply_error(r, MHD_HTTP_NOT_FOUND, "document %lld has no field %lld", doc, fid);
		goto out;
	}
	if (media_page(srv, x.d, x.a, atoi(sval(f, row, "page")), &p, path, sizeof path, r))
		goto out;
	enum dp_err e = review_field_png(&srv->conf, &p, sval(f, row, "name"), &r->bin, &r->binlen, &m);
	if (e) {
		media_error(r, e, &m);
		goto out;
	}
	r->ctype = "image/png";
out:
	docrows_clear(&x);
}

static void get_page_png(struct review_server *srv, PGconn *pg, struct reply *r, long long doc, long long page)
{
	struct docrows x;
	PGresult *f;
	char path[CONF_PATH_MAX * 2];
	struct review_page p;
	struct review_box *boxes = NULL;
	char **labels = NULL;
	int nb = 0;
	struct dp_msg m;

	if (docrows_load(pg, r, doc, &x))
		goto out;
	f = x.f;
	const char *pc = val(x.d, 0, "page_count");
	if (page < 1 || !pc || page > atoll(pc)) {
		reply_error(r, MHD_HTTP_NOT_FOUND, "document %lld has no page %lld", doc, page);
		goto out;
	}
	if (media_page(srv, x.d, x.a, (int)page, &p, path, sizeof path, r))
		goto out;
	boxes = xcalloc((size_t)PQntuples(f) + 1, sizeof *boxes);
	labels = xcalloc((size_t)PQntuples(f) + 1, sizeof *labels);
	for (int i = 0; i < PQntuples(f); i++) {
		const char *conf = val(f, i, "confidence"), *nr = val(f, i, "needs_review");
		struct buf lb;
		if (atoll(sval(f, i, "page")) != page)
			continue;
		buf_init(&lb, 0);
		buf_addstr(&lb, val(f, i, "value") ? val(f, i, "value") : "");
		if (conf && strtod(conf, NULL) >= 0)
			buf_printf(&lb, " (%.0f)", strtod(conf, NULL));
		buf_add(&lb, "", 1);
		labels[nb] = buf_detach(&lb, NULL);
		boxes[nb].field = sval(f, i, "name");
		boxes[nb].label = labels[nb];
		boxes[nb].flagged = nr && nr[0] == 't';
		nb++;
	}
	enum dp_err e = review_page_png(&srv->conf, &p, boxes, nb, REVIEW_PAGE_WIDTH, &r->bin, &r->binlen, &m);
	if (e) {
		media_error(r, e, &m);
		goto out;
	}
	r->ctype = "image/png";
out:
	for (int i = 0; labels && i < nb; i++)
		free(labels[i]);
	free(labels);
	free(boxes);
	docrows_clear(&x);
}

static void get_segment_wav(struct review_server *srv, PGconn *pg, struct reply *r, long long doc, long long seg)
{
	PGresult *d = NULL, *s = NULL;
	char path[CONF_PATH_MAX * 2];
	struct dp_msg m;
	enum dp_err e;
	int row = -1;

	if (!(d = doc_row(pg, r, doc)) || !(s = doc_rows(pg, r, SQL_SEGMENTS, doc)))
		goto out;
	row = row_of_id(s, seg);
	if (row < 0) {
		reply_error(r, MHD_HTTP_NOT_FOUND, "document %lld has no segment %lld", doc, seg);
		goto out;
	}
	const char *sha = val(d, 0, "sha256") ? val(d, 0, "sha256") : "";
	if ((e = find_input(srv, d, path, sizeof path, &m)) ||
	    (e = review_audio_wav(&srv->conf, path, sha, atoll(sval(s, row, "start_ms")),
				  atoll(sval(s, row, "end_ms")), &r->bin, &r->binlen, &m))) {
		media_error(r, e, &m);
		goto out;
	}
	r->ctype = "audio/wav";
out:
	PQclear(d);
	PQclear(s);
}

/* ---- logins ---- */

/* A connection as user/password that is a clerk's; NULL with the reply
 * (401 wrong login, 403 not a clerk, 503 no database) otherwise. */
static PGconn *clerk_connect(struct review_server *srv, const char *user, const char *password, struct reply *r)
{
	const char *keys[] = { "connect_timeout", "application_name", "dbname", "user", "password", NULL };
	const char *vals[] = { "10", "docpipe review", srv->conf.conninfo, user, password, NULL };
	PGconn *pg;
	PGresult *res;

	if (!*user || strlen(user) >= 64 || !*password) {
		reply_error(r, MHD_HTTP_UNAUTHORIZED, "user and password are needed");
		return NULL;
	}
	engine_enter();
	pg = PQconnectdbParams(keys, vals, 1);
	engine_leave();
	if (!pg || PQstatus(pg) != CONNECTION_OK) {
		const char *why = pg ? PQerrorMessage(pg) : "out of memory";
		int auth = strstr(why, "authentication") || strstr(why, "password") || strstr(why, "role \"");
		log_warn("review: login of %s refused: %s", user, why);
		reply_error(r, auth ? MHD_HTTP_UNAUTHORIZED : MHD_HTTP_SERVICE_UNAVAILABLE, "%s",
			    auth ? "wrong user or password" : "the database cannot be reached");
		PQfinish(pg);
		return NULL;
	}
	engine_enter();
	res = PQexec(pg, "SELECT pg_has_role(session_user, 'docpipe_clerk', 'MEMBER')");
	engine_leave();
	if (!res || PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 || PQgetvalue(res, 0, 0)[0] != 't') {
		int norole = res && PQresultStatus(res) != PGRES_TUPLES_OK;
		log_warn("review: login of %s refused: %s", user,
			 norole ? PQresultErrorMessage(res) : "not a member of docpipe_clerk");
		reply_error(r, MHD_HTTP_FORBIDDEN, "%s",
			    norole ? "the role docpipe_clerk does not exist: run docpipe db migrate"
				   : "this login is not a clerk's (a member of docpipe_clerk)");
		PQclear(res);
		PQfinish(pg);
		return NULL;
	}
	PQclear(res);
	return pg;
}

static int is_token(const char *s)
{
	return s && strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

/* The login form, with the token of cookie dplogin (kept when the browser
 * has one: another tab, or a stray request for /favicon.ico, must not
 * invalidate a form already shown). */
static void login_page(struct review_server *srv, struct MHD_Connection *conn, struct reply *r, const char *error)
{
	char token[65];
	const char *keys[] = { "csrf", "error" };
	const char *vals[] = { token, error ? error : "" };
	const char *have = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, "dplogin");

	if (is_token(have))
		str_copy(token, sizeof token, have);
	else if (random_hex(token)) {
		reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "no random numbers");
		return;
	}
	reply_page(r, "login.html", keys, vals, 2);
	reply_cookie(r, srv, "dplogin", token, 0);
}

static const char *conn_header(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

static void post_login(struct review_server *srv, struct MHD_Connection *conn, struct reply *r, struct req *q)
{
	char *user = form_value(q->body.data ? q->body.data : "", q->body.len, "user");
	char *password = form_value(q->body.data ? q->body.data : "", q->body.len, "password");
	char *csrf = form_value(q->body.data ? q->body.data : "", q->body.len, "csrf");
	const char *cookie = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, "dplogin");
	PGconn *pg = NULL;
	struct session *s = NULL;

	/* the login form's token, when the browser got one from GET /login */
	if (cookie && (!csrf || !token_eq(cookie, csrf))) {
		log_warn("review: login form refused: its token is not the one given with the form");
		login_page(srv, conn, r, "The form has expired: please log in again. / フォームの有効期限が切れました。もう一度ログインしてください。");
		r->status = MHD_HTTP_FORBIDDEN;
		goto out;
	}
	if (!user || !password) {
		login_page(srv, conn, r, "User and password are needed. / ユーザー名とパスワードを入力してください。");
		r->status = MHD_HTTP_BAD_REQUEST;
		goto out;
	}
	if (!(pg = clerk_connect(srv, user, password, r))) {
		unsigned st = r->status;
		login_page(srv, conn, r,
			   st == MHD_HTTP_FORBIDDEN ? "This login is not a clerk's. / このユーザーは審査担当（docpipe_clerk）ではありません。"
			   : st == MHD_HTTP_UNAUTHORIZED ? "Wrong user or password. / ユーザー名またはパスワードが違います。"
							: "The database cannot be reached. / データベースに接続できません。");
		r->status = st;
		goto out;
	}
	s = xcalloc(1, sizeof *s);
	pthread_mutex_init(&s->use, NULL);
	if (random_hex(s->id) || random_hex(s->csrf)) {
		reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "no random numbers");
		goto out;
	}
	str_copy(s->user, sizeof s->user, user);
	s->pg = pg;
	s->last_us = now_us();
	pthread_mutex_lock(&srv->lock);
	sweep_locked(srv, now_us());
	if (srv->nsessions >= REVIEW_SESSIONS) {
		pthread_mutex_unlock(&srv->lock);
		log_warn("review: login of %s refused: %d sessions already", user, REVIEW_SESSIONS);
		login_page(srv, conn, r, "Too many clerks are logged in. / ログイン中の利用者が多すぎます。");
		r->status = MHD_HTTP_SERVICE_UNAVAILABLE;
		goto out; /* pg freed with s below */
	}
	s->next = srv->sessions;
	srv->sessions = s;
	srv->nsessions++;
	pthread_mutex_unlock(&srv->lock);
	log_info("review: %s logged in", user);
	reply_redirect(r, "/");
	reply_cookie(r, srv, "dpsid", s->id, 0);
	reply_cookie(r, srv, "dplogin", "", 1);
	s = NULL;
	pg = NULL;
out:
	if (s) {
		s->pg = NULL;
		pthread_mutex_destroy(&s->use);
		free(s);
	}
	if (pg)
		PQfinish(pg);
	if (password)
		explicit_bzero(password, strlen(password));
	free(user);
	free(password);
	free(csrf);
}

/* The requester: a session (held) or a Basic login (a connection of its
 * own). Returns 0, or -1 when there is none (nothing filled in r). r is
 * filled and -2 returned when a Basic login is refused. */
static int authenticate(struct review_server *srv, struct MHD_Connection *conn, struct auth *au, struct reply *r)
{
	const char *sid = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, "dpsid");
	char *pass = NULL;
	char *user;

	memset(au, 0, sizeof *au);
	if (sid && (au->s = session_get(srv, sid))) {
		au->pg = au->s->pg;
		str_copy(au->user, sizeof au->user, au->s->user);
		return 0;
	}
	user = MHD_basic_auth_get_username_password(conn, &pass);
	if (!user) {
		MHD_free(pass);
		return -1;
	}
	au->pg = pass ? clerk_connect(srv, user, pass, r) : NULL;
	if (!pass)
		reply_error(r, MHD_HTTP_UNAUTHORIZED, "user and password are needed");
	str_copy(au->user, sizeof au->user, user);
	if (pass)
		explicit_bzero(pass, strlen(pass));
	MHD_free(user);
	MHD_free(pass);
	if (!au->pg) {
		if (r->status == MHD_HTTP_UNAUTHORIZED)
			r->www_auth = 1;
		return -2;
	}
	return 0;
}

static void auth_release(struct review_server *srv, struct auth *au)
{
	if (au->s)
		session_put(srv, au->s);
	else if (au->pg)
		PQfinish(au->pg);
	memset(au, 0, sizeof *au);
}

/* ---- routing ---- */

/* a positive decimal number at *p (advanced), up to the next '/' or '.' */
static int take_id(const char **p, long long *out)
{
	const char *s = *p;
	long long v = 0;

	if (*s < '1' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > 100000000000000LL)
			return -1;
		v = v * 10 + (*s - '0');
	}
	*p = s;
	*out = v;
	return 0;
}

/* path is PREFIX + ID + SUFFIX */
static int match_id(const char *path, const char *prefix, const char *suffix, long long *id)
{
	size_t n = strlen(prefix);
	const char *p = path + n;

	if (strncmp(path, prefix, n) || take_id(&p, id))
		return 0;
	return !strcmp(p, suffix);
}

/* path is PREFIX + ID + MID + ID2 + SUFFIX */
static int match_id2(const char *path, const char *prefix, const char *mid, const char *suffix, long long *id,
		     long long *id2)
{
	size_t n = strlen(prefix), k = strlen(mid);
	const char *p = path + n;

	if (strncmp(path, prefix, n) || take_id(&p, id) || strncmp(p, mid, k))
		return 0;
	p += k;
	if (take_id(&p, id2))
		return 0;
	return !strcmp(p, suffix);
}

/* A POST from another site (its Origin names another host) is refused. */
static int cross_site(struct MHD_Connection *conn)
{
	const char *origin = conn_header(conn, "Origin"), *host = conn_header(conn, "Host");
	const char *o;

	if (!origin)
		return 0;
	if (!host || !strcmp(origin, "null"))
		return 1;
	o = strstr(origin, "://");
	return !o || strcmp(o + 3, host) != 0;
}

static int csrf_ok(struct MHD_Connection *conn, struct session *s, struct req *q)
{
	const char *h = conn_header(conn, "X-CSRF-Token");
	int ok;

	if (h)
		return token_eq(s->csrf, h);
	char *f = form_value(q->body.data ? q->body.data : "", q->body.len, "csrf");
	ok = f && token_eq(s->csrf, f);
	free(f);
	return ok;
}

/* the string member `key` of the JSON body: 0, or -1 after a 400 */
static int body_string(struct req *q, struct reply *r, const char *key, char **out)
{
	int e = json_get_string(q->body.data ? q->body.data : "", q->body.len, key, REVIEW_BODY_MAX, out);

	if (e) {
		reply_error(r, MHD_HTTP_BAD_REQUEST, e < 0 ? "the body is not a JSON object" : "the body needs {\"%s\": \"...\"}",
			    key);
		return -1;
	}
	return 0;
}

static void route_api(struct review_server *srv, struct MHD_Connection *conn, struct auth *au, struct reply *r,
		      const char *method, const char *url, struct req *q)
{
	long long doc, id;
	int get = !strcmp(method, "GET"), post = !strcmp(method, "POST");
	char *s = NULL;

	if (!strcmp(url, "/api/queue")) {
		if (!get)
			goto method;
		api_queue(au->pg, r, MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "procedure"),
			  MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "form"),
			  MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "limit"),
			  MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "offset"));
	} else if (match_id(url, "/api/documents/", "", &doc)) {
		if (!get)
			goto method;
		api_document(srv, au->pg, r, doc);
		if (r->status == MHD_HTTP_OK)
			session_mark(au->s, doc, 1);
	} else if (match_id2(url, "/api/documents/", "/fields/", "", &doc, &id)) {
		if (!post)
			goto method;
		if (!body_string(q, r, "value", &s))
			api_act(srv, au, r, doc, ACT_CORRECT, id, s);
	} else if (match_id2(url, "/api/documents/", "/fields/", "/confirm", &doc, &id)) {
		if (!post)
			goto method;
		api_act(srv, au, r, doc, ACT_CONFIRM, id, NULL);
	} else if (match_id(url, "/api/documents/", "/accept", &doc)) {
		if (!post)
			goto method;
		api_act(srv, au, r, doc, ACT_ACCEPT, 0, NULL);
	} else if (match_id(url, "/api/documents/", "/reject", &doc)) {
		if (!post)
			goto method;
		if (!body_string(q, r, "reason", &s)) {
			char *t = str_trim(s);
			if (!*t)
				reply_error(r, MHD_HTTP_BAD_REQUEST, "a rejection needs a reason");
			else
				api_reject(srv, au, r, doc, t);
		}
	} else if (match_id2(url, "/api/documents/", "/segments/", "", &doc, &id)) {
		if (!post)
			goto method;
		if (!body_string(q, r, "text", &s))
			api_segment(srv, au, r, doc, id, s);
	} else {
		reply_error(r, MHD_HTTP_NOT_FOUND, "no such API: %s", url);
	}
	free(s);
	return;
method:
	reply_error(r, MHD_HTTP_METHOD_NOT_ALLOWED, "%s is not allowed on %s", method, url);
}

static void route_pages(struct review_server *srv, struct auth *au, struct reply *r, const char *method,
			const char *url)
{
	long long doc, id;
	char sdoc[32];
	const char *csrf = au->s ? au->s->csrf : "";
	const char *keys[] = { "csrf", "user", "doc" };
	const char *vals[] = { csrf, au->user, sdoc };

	sdoc[0] = '\0';
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		reply_error(r, MHD_HTTP_METHOD_NOT_ALLOWED, "%s is not allowed on %s", method, url);
		return;
	}
	if (!strcmp(url, "/")) {
		reply_page(r, "index.html", keys, vals, 3);
	} else if (match_id(url, "/doc/", "", &doc)) {
		snprintf(sdoc, sizeof sdoc, "%lld", doc);
		session_mark(au->s, doc, 0);
		reply_page(r, "doc.html", keys, vals, 3);
	} else if (match_id2(url, "/doc/", "/field/", ".png", &doc, &id)) {
		get_field_png(srv, au->pg, r, doc, id);
	} else if (match_id2(url, "/doc/", "/page/", ".png", &doc, &id)) {
		get_page_png(srv, au->pg, r, doc, id);
	} else if (match_id2(url, "/doc/", "/segment/", ".wav", &doc, &id)) {
		get_segment_wav(srv, au->pg, r, doc, id);
	} else {
		reply_error(r, MHD_HTTP_NOT_FOUND, "no page %s", url);
	}
}

static void route(struct review_server *srv, struct MHD_Connection *conn, const char *method, const char *url,
		  struct req *q, struct reply *r)
{
	int get = !strcmp(method, "GET") || !strcmp(method, "HEAD"), post = !strcmp(method, "POST");
	int api = !strncmp(url, "/api/", 5) || !strcmp(url, "/api");
	struct auth au;
	int a;

	if (q->too_big) {
		reply_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "the body is larger than %d bytes", REVIEW_BODY_MAX);
		return;
	}
	if (post && cross_site(conn)) {
		log_warn("review: POST %s refused: Origin %s is not this server (%s)", url,
			 conn_header(conn, "Origin"), conn_header(conn, "Host") ? conn_header(conn, "Host") : "no Host");
		reply_error(r, MHD_HTTP_FORBIDDEN, "a request from another site is refused");
		return;
	}
	if (!strcmp(url, "/favicon.ico")) {
		reply_error(r, MHD_HTTP_NOT_FOUND, "no icon");
		return;
	}
	if (!strcmp(url, "/healthz") && get) {
		r->ctype = "text/plain; charset=utf-8";
		buf_addstr(&r->body, "ok\n");
		return;
	}
	if (!strncmp(url, "/static/", 8) && get) {
		const struct review_asset *as = asset(url + 8);
		const char *dot = strrchr(url, '.');
		if (!as || !dot || (strcmp(dot, ".css") && strcmp(dot, ".js"))) {
			reply_error(r, MHD_HTTP_NOT_FOUND, "no file %s", url);
			return;
		}
		r->ctype = !strcmp(dot, ".css") ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8";
		buf_add(&r->body, as->data, as->len);
		return;
	}
	if (!strcmp(url, "/login")) {
		if (get)
			login_page(srv, conn, r, NULL);
		else if (post)
			post_login(srv, conn, r, q);
		else
			reply_error(r, MHD_HTTP_METHOD_NOT_ALLOWED, "%s is not allowed on %s", method, url);
		return;
	}
	if (!strcmp(url, "/logout") && post) {
		const char *sid = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, "dpsid");
		struct session *s = sid ? session_get(srv, sid) : NULL;
		if (s && !csrf_ok(conn, s, q)) {
			session_put(srv, s);
			reply_error(r, MHD_HTTP_FORBIDDEN, "bad CSRF token");
			return;
		}
		if (s) {
			log_info("review: %s logged out", s->user);
			pthread_mutex_lock(&srv->lock);
			if (!s->dead)
				session_unlink(srv, s);
			pthread_mutex_unlock(&srv->lock);
			session_put(srv, s);
		}
		reply_redirect(r, "/login");
		reply_cookie(r, srv, "dpsid", "", 1);
		return;
	}

	a = authenticate(srv, conn, &au, r);
	if (a == -2) {
		if (!api && r->status == MHD_HTTP_UNAUTHORIZED)
			reply_redirect(r, "/login");
		return;
	}
	if (a == -1) {
		if (api) {
			reply_error(r, MHD_HTTP_UNAUTHORIZED, "log in first (session cookie or HTTP Basic)");
			/* not for the pages' own script: no browser login box */
			r->www_auth = !conn_header(conn, "X-Requested-With");
		} else {
			reply_redirect(r, "/login");
		}
		return;
	}
	if (post && au.s && !csrf_ok(conn, au.s, q)) {
		reply_error(r, MHD_HTTP_FORBIDDEN, "bad CSRF token");
		auth_release(srv, &au);
		return;
	}
	if (api)
		route_api(srv, conn, &au, r, method, url, q);
	else
		route_pages(srv, &au, r, method, url);
	auth_release(srv, &au);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct review_server *srv = cls;
	struct req *q = *con_cls;
	struct reply r;
	enum MHD_Result ret;
	int64_t t0;

	(void)version;
	if (!q) {
		q = xcalloc(1, sizeof *q);
		buf_init(&q->body, REVIEW_BODY_MAX);
		*con_cls = q;
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (!q->too_big && buf_add(&q->body, upload_data, *upload_data_size))
			q->too_big = 1;
		*upload_data_size = 0;
		return MHD_YES;
	}
	t0 = now_us();
	reply_init(&r);
	route(srv, conn, method, url, q, &r);
	if (log_enabled(LOG_DEBUG))
		log_debug("review: %s %s %u %.1f ms", method, url, r.status, (double)(now_us() - t0) / 1000.0);
	ret = reply_send(conn, &r);
	free(r.bin);
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct req *q = *con_cls;

	(void)cls, (void)conn, (void)toe;
	if (!q)
		return;
	if (q->body.data)
		explicit_bzero(q->body.data, q->body.len); /* a login form holds a password */
	buf_release(&q->body);
	free(q);
	*con_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];

	(void)cls;
	vsnprintf(line, sizeof line, fmt, ap);
	str_trim(line);
	log_warn("review: http: %s", line);
}

/* ---- start and stop ---- */

void review_stop(struct review_server **sp)
{
	struct review_server *srv = *sp;

	if (!srv)
		return;
	*sp = NULL;
	if (srv->d)
		MHD_stop_daemon(srv->d);
	while (srv->sessions) {
		struct session *s = srv->sessions;
		srv->sessions = s->next;
		session_free(s);
	}
	if (srv->validate && srv->validate->ops->fini && srv->vstate)
		srv->validate->ops->fini(srv->vstate);
	if (srv->enrich && srv->enrich->ops->fini && srv->estate)
		srv->enrich->ops->fini(srv->estate);
	forms_release(&srv->forms);
	if (srv->key)
		explicit_bzero(srv->key, strlen(srv->key));
	free(srv->cert);
	free(srv->key);
	pthread_mutex_destroy(&srv->lock);
	pthread_mutex_destroy(&srv->stage_lock);
	free(srv);
}

void review_tick(struct review_server *srv)
{
	int64_t now = now_us();

	if (now - srv->last_sweep_us < 10 * 1000000LL)
		return;
	pthread_mutex_lock(&srv->lock);
	sweep_locked(srv, now);
	pthread_mutex_unlock(&srv->lock);
}

enum dp_err review_start(struct review_server **sp, const struct conf *c, struct dp_msg *m)
{
	struct review_server *srv;
	struct addrinfo hints, *ai = NULL;
	char port[16];
	enum dp_err e;
	int rc;

	*sp = NULL;
	if (!c->review_bind[0])
		return dp_fail(m, DP_ERR_CONFIG, "[review] bind is empty: give an address (127.0.0.1 for this machine only)");
	if (!c->review_tls_cert[0] != !c->review_tls_key[0])
		return dp_fail(m, DP_ERR_CONFIG, "[review] tls_cert and tls_key go together: give both or neither");
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(port, sizeof port, "%d", c->review_port);
	if ((rc = getaddrinfo(c->review_bind, port, &hints, &ai)) != 0)
		return dp_fail(m, DP_ERR_CONFIG, "[review] bind = %s: %s", c->review_bind, gai_strerror(rc));
	if (!addr_is_loopback(ai->ai_addr) && !c->review_tls_cert[0]) {
		freeaddrinfo(ai);
		return dp_fail(m, DP_ERR_CONFIG,
			       "[review] bind = %s needs tls_cert and tls_key: clerks' passwords would cross the network in clear",
			       c->review_bind);
	}

	srv = xcalloc(1, sizeof *srv);
	srv->conf = *c;
	pthread_mutex_init(&srv->lock, NULL);
	pthread_mutex_init(&srv->stage_lock, NULL);
	srv->last_sweep_us = now_us();
	if (c->review_tls_cert[0]) {
		size_t n;
		if (!MHD_is_feature_supported(MHD_FEATURE_TLS)) {
			e = dp_fail(m, DP_ERR_CONFIG, "[review] tls_cert: this libmicrohttpd was built without TLS");
			goto fail;
		}
		if ((e = file_read(c->review_tls_cert, &srv->cert, &n, 1 << 20, m)) ||
		    (e = file_read(c->review_tls_key, &srv->key, &n, 1 << 20, m)))
			goto fail;
		srv->tls = 1;
	}
	if ((e = forms_load_dir(&srv->forms, c->forms_dir, m)))
		goto fail;
	srv->validate = stage_find("validate");
	srv->enrich = stage_find("enrich");
	if (!srv->validate || !srv->enrich) {
		e = dp_fail(m, DP_ERR_INTERNAL, "the stage table has no validate or enrich stage");
		goto fail;
	}
	if (srv->validate->ops->init && (e = srv->validate->ops->init(&srv->vstate, &srv->conf, m)))
		goto fail;
	if (srv->enrich->ops->init && (e = srv->enrich->ops->init(&srv->estate, &srv->conf, m)))
		goto fail;

	unsigned flags = MHD_USE_AUTO | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
			 MHD_USE_ERROR_LOG;
	if (ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (srv->tls)
		flags |= MHD_USE_TLS;
	struct MHD_OptionItem opts[] = {
		{ MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)on_mhd_log, NULL },
		{ MHD_OPTION_SOCK_ADDR, 0, ai->ai_addr },
		{ MHD_OPTION_CONNECTION_LIMIT, REVIEW_CONNECTIONS, NULL },
		{ MHD_OPTION_CONNECTION_TIMEOUT, 120, NULL },
		{ MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, srv },
		{ srv->tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, srv->cert },
		{ srv->tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, srv->key },
		{ MHD_OPTION_END, 0, NULL },
	};
	srv->d = MHD_start_daemon(flags, (uint16_t)c->review_port, NULL, NULL, on_request, srv, MHD_OPTION_ARRAY, opts,
				  MHD_OPTION_END);
	if (!srv->d) {
		e = dp_fail(m, DP_ERR_IO, "cannot listen on %s port %d (%s)%s", c->review_bind, c->review_port,
			    errno ? strerror(errno) : "libmicrohttpd refused",
			    srv->tls ? ": or the TLS certificate or key is not valid PEM" : "");
		goto fail;
	}
	log_info("review: listening on %s://%s%s%s:%d/ (sessions expire after %d idle minutes)",
		 srv->tls ? "https" : "http", ai->ai_family == AF_INET6 ? "[" : "", c->review_bind,
		 ai->ai_family == AF_INET6 ? "]" : "", c->review_port, c->review_session_minutes);
	freeaddrinfo(ai);
	*sp = srv;
	return DP_OK;
fail:
	freeaddrinfo(ai);
	review_stop(&srv);
	return e;
}
