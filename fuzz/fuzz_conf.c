/* fuzz_conf.c: libFuzzer target for conf_parse() (lib/conf.c), the reader of
 * pipeline.conf.
 *
 * Input: the text of a configuration file (ini_read refuses a NUL byte, so
 * the text ends at the first one). It is parsed over the built-in defaults,
 * with a base folder or without one (chosen by the input's length), as
 * conf_load does. Checks: memory safety; on success every string directive is
 * NUL-terminated inside its field and the cross-field rule holds; on failure
 * the message is non-empty. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

#define TERMINATED(f) (memchr((f), '\0', sizeof(f)) != NULL)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct conf c; /* about 16 KiB: keep it off the stack */
	struct dp_msg m;
	const char *base = len % 2 ? "/srv/docpipe" : NULL;
	char *text = malloc(len + 1);
	enum dp_err e;

	if (!text)
		return 0;
	memcpy(text, data, len);
	text[len] = '\0';
	conf_defaults(&c, base);
	m.text[0] = '\0';
	e = conf_parse(&c, "fuzz.conf", text, base, &m);
	if (e == DP_OK) {
		if (!TERMINATED(c.transport) || !TERMINATED(c.bind_host) || !TERMINATED(c.tessdata) ||
		    !TERMINATED(c.forms_dir) || !TERMINATED(c.conninfo) || !TERMINATED(c.log_level) ||
		    !TERMINATED(c.full_text) || !TERMINATED(c.full_text_lang)) {
			fprintf(stderr, "fuzz_conf: a string directive is not terminated\n");
			abort();
		}
		int workers_bad = c.nworkers < 0 || c.nworkers > CONF_MAX_STAGES;
		for (int i = 0; !workers_bad && i < c.nworkers; i++)
			workers_bad = c.workers[i].count < 0 || c.workers[i].count > 64 || !TERMINATED(c.workers[i].name) ||
				      conf_workers(&c, c.workers[i].name) < 0;
		if (c.asr_chunk_min_s > c.asr_chunk_max_s || workers_bad) {
			fprintf(stderr, "fuzz_conf: accepted an inconsistent configuration\n");
			abort();
		}
	} else if (!m.text[0]) {
		fprintf(stderr, "fuzz_conf: error %d without a message\n", (int)e);
		abort();
	}
	free(text);
	return 0;
}
