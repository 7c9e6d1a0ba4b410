/* sniff.c: magic numbers of the formats docpipe reads (see sniff.h). */
#include "sniff.h"

#include <string.h>

struct magic {
	size_t off;
	const char *bytes;
	size_t n;
	enum sniff_kind kind;
	const char *format;
};

static const struct magic magics[] = {
	{ 0, "\x89PNG\r\n\x1a\n", 8, SNIFF_SCAN, "png" },
	{ 0, "\xff\xd8\xff", 3, SNIFF_SCAN, "jpeg" },
	{ 0, "II*\0", 4, SNIFF_SCAN, "tiff" },
	{ 0, "MM\0*", 4, SNIFF_SCAN, "tiff" },
	{ 0, "%PDF-", 5, SNIFF_SCAN, "pdf" },
	{ 0, "BM", 2, SNIFF_SCAN, "bmp" },
	{ 0, "fLaC", 4, SNIFF_AUDIO, "flac" },
	{ 0, "OggS", 4, SNIFF_AUDIO, "ogg" },
	{ 0, "FORM", 4, SNIFF_AUDIO, "aiff" },
};

struct sniff_result sniff(const void *data, size_t len)
{
	const unsigned char *p = data;
	struct sniff_result r = { SNIFF_UNKNOWN, "unknown" };

	if (len >= 12 && (!memcmp(p, "RIFF", 4) || !memcmp(p, "RF64", 4)) && !memcmp(p + 8, "WAVE", 4)) {
		r.kind = SNIFF_AUDIO;
		r.format = "wav";
		return r;
	}
	for (size_t i = 0; i < sizeof magics / sizeof magics[0]; i++) {
		const struct magic *m = &magics[i];
		if (len >= m->off + m->n && !memcmp(p + m->off, m->bytes, m->n)) {
			/* "BM" is short: require a plausible BMP header size field */
			if (!strcmp(m->format, "bmp") && len < 26)
				continue;
			r.kind = m->kind;
			r.format = m->format;
			return r;
		}
	}
	return r;
}
