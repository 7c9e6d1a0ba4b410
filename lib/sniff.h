/* sniff.h: recognise an input's format from its first bytes, never its name. */
#ifndef DP_SNIFF_H
#define DP_SNIFF_H

#include <stddef.h>

enum sniff_kind { SNIFF_UNKNOWN = 0, SNIFF_SCAN, SNIFF_AUDIO };

struct sniff_result {
	enum sniff_kind kind;
	const char *format;  /* "png", "jpeg", "tiff", "pdf", "wav", "flac", "ogg", ... or "unknown" */
};

struct sniff_result sniff(const void *data, size_t len);

#endif
