/* fuzz_sniff.c: libFuzzer target for sniff() (lib/sniff.c).
 *
 * Input: any bytes, as the first bytes of a file handed to ingest.
 * Checks: no read past the buffer (the input is an exact-size heap block, so
 * ASan sees any overread); the result is one of the formats sniff.h lists and
 * its kind agrees with the format; the answer depends only on the first 64
 * bytes (a header), never on what follows. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/sniff.h"

static const struct {
	const char *format;
	enum sniff_kind kind;
} known[] = {
	{ "png", SNIFF_SCAN },   { "jpeg", SNIFF_SCAN },  { "tiff", SNIFF_SCAN }, { "pdf", SNIFF_SCAN },
	{ "bmp", SNIFF_SCAN },   { "wav", SNIFF_AUDIO },  { "flac", SNIFF_AUDIO }, { "ogg", SNIFF_AUDIO },
	{ "aiff", SNIFF_AUDIO }, { "unknown", SNIFF_UNKNOWN },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct sniff_result r = sniff(data, len);
	size_t i;

	if (!r.format) {
		fprintf(stderr, "fuzz_sniff: NULL format\n");
		abort();
	}
	for (i = 0; i < sizeof known / sizeof known[0]; i++)
		if (!strcmp(known[i].format, r.format))
			break;
	if (i == sizeof known / sizeof known[0] || known[i].kind != r.kind) {
		fprintf(stderr, "fuzz_sniff: unexpected result kind %d format '%s'\n", (int)r.kind, r.format);
		abort();
	}
	if (len > 64) {
		struct sniff_result h = sniff(data, 64);
		if (h.kind != r.kind || strcmp(h.format, r.format)) {
			fprintf(stderr, "fuzz_sniff: '%s' from the first 64 bytes, '%s' from all %zu\n", h.format,
				r.format, len);
			abort();
		}
	}
	return 0;
}
