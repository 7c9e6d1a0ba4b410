/* ingest.c: stage 1 for every input.
 *
 * Takes: a job with the input's bytes in frame "file", its name in source and
 * normally its id: the coordinator hashes every input (SHA-256 of the bytes,
 * the document's identity: the same bytes twice are one document) when it
 * records it in the ledger, before ingest. Only a job that arrives without
 * an id (`docpipe inspect`) is hashed here.
 * Gives: kind and format recognised from the content (not the name), and the
 * route the rest of the pipeline follows: a scan takes [pipeline] scan_route
 * (by default preprocess,qr,ocr,validate,enrich,load), a recording audio
 * (whose chunks go through asr and back to the coordinator). Rejects empty
 * files (EMPTY_FILE) and formats docpipe does not read (NOT_AN_IMAGE when
 * the name promised a scan, NOT_AUDIO a recording, else UNKNOWN_FORMAT). Costs well under a millisecond
 * (a look at the first bytes) when the id is set. */
#include "stage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../lib/sniff.h"
#include "../lib/util.h"

#define ROUTE_AUDIO "ingest,audio"

struct ingest_state {
	char scan_route[300]; /* "ingest," and [pipeline] scan_route */
};

/* scan_route was checked when the configuration was loaded (src/cli.c) */
static enum dp_err ingest_init(void **state, const struct conf *c, struct dp_msg *m)
{
	struct ingest_state *s;

	(void)m;
	s = xcalloc(1, sizeof *s);
	snprintf(s->scan_route, sizeof s->scan_route, "ingest,%s", c->scan_route);
	*state = s;
	return DP_OK;
}

static void ingest_fini(void *state)
{
	free(state);
}

/* The rejection code for content of no known format: what its name promised
 * (the name never decides the format, only how the refusal is worded). */
static enum dp_reason name_promises(const char *name)
{
	static const char *scans[] = { ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".pdf", ".bmp" };
	static const char *audio[] = { ".wav", ".flac", ".ogg", ".oga", ".aif", ".aiff" };
	const char *dot = strrchr(name, '.');

	for (size_t i = 0; dot && i < sizeof scans / sizeof scans[0]; i++)
		if (!strcasecmp(dot, scans[i]))
			return DP_REASON_NOT_AN_IMAGE;
	for (size_t i = 0; dot && i < sizeof audio / sizeof audio[0]; i++)
		if (!strcasecmp(dot, audio[i]))
			return DP_REASON_NOT_AUDIO;
	return DP_REASON_UNKNOWN_FORMAT;
}

static enum dp_err ingest_process(void *state, struct job *j, struct dp_msg *m)
{
	const struct ingest_state *is = state;
	struct job_frame *f = job_frame(j, "file");
	struct sniff_result s;
	const char *name = path_basename(j->source ? j->source : "?");
	const char *rest;

	if (!f)
		return dp_fail(m, DP_ERR_INTERNAL, "'%s': job carries no file bytes", name);
	if (!j->id[0])
		sha256_hex(f->data, f->len, j->id);
	if (f->len == 0)
		return dp_refuse(m, DP_ERR_FORMAT, DP_REASON_EMPTY_FILE, "'%s' is empty (0 bytes): copy or scan it again",
				 name);
	s = sniff(f->data, f->len);
	str_copy(j->format, sizeof j->format, s.format);
	switch (s.kind) {
	case SNIFF_SCAN:
		str_copy(j->kind, sizeof j->kind, "scan");
		rest = is->scan_route;
		break;
	case SNIFF_AUDIO:
		str_copy(j->kind, sizeof j->kind, "audio");
		rest = ROUTE_AUDIO;
		break;
	case SNIFF_UNKNOWN:
	default:
		str_copy(j->kind, sizeof j->kind, "unknown");
		return dp_refuse(m, DP_ERR_FORMAT, name_promises(name),
				 "'%s' is not a file docpipe reads (expected PNG, TIFF, JPEG, PDF, WAV, FLAC or Ogg)",
				 name);
	}
	if (job_set_route(j, rest) != 0)
		return dp_fail(m, DP_ERR_INTERNAL, "bad route '%s'", rest);
	j->hop = 0; /* route[0] is ingest itself; the runtime moves on to route[1] */
	return DP_OK;
}

const struct stage_ops ingest_ops = { ingest_init, ingest_process, ingest_fini };
