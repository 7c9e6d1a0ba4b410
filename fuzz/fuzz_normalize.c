/* fuzz_normalize.c: libFuzzer target for the value normalisers of
 * lib/normalize.c (what OCR read -> the value a procedure uses).
 *
 * Input: records separated by NUL bytes. The first byte of a record picks the
 * function (low nibble) and the size of the output buffer (high nibble); the
 * rest is the text, copied into an exact-size heap block so that ASan sees any
 * read past its NUL. The output buffer is an exact-size heap block too, from
 * 1 byte up, so a write past n is caught. Checks: memory safety; every
 * function NUL-terminates within n and returns 0 or -1; an empty text gives an
 * empty value and 0 (normalize.h); corporate_number_valid returns 0 or 1; a
 * valid era year is 4 digits from 1868 to 2200. The normalisers go through
 * ICU (NFKC, the Japanese calendar), so invalid UTF-8 reaches ICU too. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/normalize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

typedef int (*norm_fn)(const char *in, char *out, size_t n);

static int ascii(const char *in, char *out, size_t n)
{
	norm_ascii(in, out, n);
	return 0;
}

static const struct {
	const char *name;
	norm_fn fn;
} fns[] = {
	{ "norm_date", norm_date },   { "norm_yen", norm_yen },     { "norm_postal", norm_postal },
	{ "norm_phone", norm_phone }, { "norm_email", norm_email }, { "norm_digits", norm_digits },
	{ "norm_text", norm_text },   { "norm_ascii", ascii },      { "norm_era_year", norm_era_year },
};

/* Output sizes: 1 and 2 (truncation edges), what the stages pass (64, 256,
 * 512, 1024) and odd sizes in between. */
static const size_t sizes[16] = { 1, 2, 3, 5, 8, 11, 13, 16, 24, 32, 64, 100, 256, 512, 1024, 4096 };

static void one(unsigned char sel, const char *text, size_t tlen)
{
	char *in = malloc(tlen + 1);
	unsigned f = sel & 0x0f;

	if (!in)
		return;
	memcpy(in, text, tlen);
	in[tlen] = '\0';
	if (f >= sizeof fns / sizeof fns[0]) {
		int v = corporate_number_valid(in);
		if (v != 0 && v != 1) {
			fprintf(stderr, "fuzz_normalize: corporate_number_valid returned %d\n", v);
			abort();
		}
	} else {
		size_t n = sizes[sel >> 4];
		char *out = malloc(n);
		int r;
		if (!out) {
			free(in);
			return;
		}
		memset(out, 'X', n);
		r = fns[f].fn(in, out, n);
		if ((r != 0 && r != -1) || !memchr(out, '\0', n)) {
			fprintf(stderr, "fuzz_normalize: %s returned %d or left no NUL in %zu bytes\n", fns[f].name, r, n);
			abort();
		}
		if (fns[f].fn == norm_era_year && r == 0 && out[0] && n > 4 &&
		    (strlen(out) != 4 || strspn(out, "0123456789") != 4 || atoi(out) < 1868 || atoi(out) > 2200)) {
			fprintf(stderr, "fuzz_normalize: norm_era_year accepted \"%s\"\n", out);
			abort();
		}
		if (!in[0] && (r != 0 || out[0])) {
			fprintf(stderr, "fuzz_normalize: %s of \"\" is \"%s\", %d\n", fns[f].name, out, r);
			abort();
		}
		free(out);
	}
	free(in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	const char *p = (const char *)data, *end = p + len;

	while (p < end) {
		const char *nul = memchr(p, '\0', (size_t)(end - p));
		size_t rl = nul ? (size_t)(nul - p) : (size_t)(end - p);
		if (rl > 0)
			one((unsigned char)p[0], p + 1, rl - 1);
		p += rl + 1;
	}
	return 0;
}
