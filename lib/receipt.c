/* receipt.c: receipt QR payloads and their PNG (see receipt.h). */
#include "receipt.h"

#include <ctype.h>
#include <errno.h>
#include <leptonica/allheaders.h>
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

static int is_hex64(const char *s, size_t len)
{
	if (len != 64)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return 0;
	return 1;
}

static int code_ok(const char *s, size_t len)
{
	if (len == 0 || len > 31)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return 0;
	return 1;
}

int receipt_payload(const char *sha256, const char *procedure, char *out, size_t n)
{
	int w;

	if (!sha256 || !procedure || !is_hex64(sha256, strlen(sha256)) || !code_ok(procedure, strlen(procedure)))
		return -1;
	w = snprintf(out, n, RECEIPT_MAGIC "\ndoc=%s\nprocedure=%s\n", sha256, procedure);
	return w < 0 || (size_t)w >= n ? -1 : 0;
}

int receipt_parse(const char *payload, size_t len, char sha256[65], char procedure[32])
{
	const char *p = payload, *end = payload + len;
	size_t ml = strlen(RECEIPT_MAGIC);
	int have_doc = 0, have_proc = 0;

	if (len > 512 || len < ml + 1 || memcmp(p, RECEIPT_MAGIC, ml) || (p[ml] != '\n' && p[ml] != '\r'))
		return -1;
	p += ml;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		size_t l = (size_t)(le - p);
		if (l && p[l - 1] == '\r')
			l--;
		if (l > 4 && !memcmp(p, "doc=", 4) && is_hex64(p + 4, l - 4)) {
			memcpy(sha256, p + 4, 64);
			sha256[64] = '\0';
			have_doc = 1;
		} else if (l > 10 && !memcmp(p, "procedure=", 10) && code_ok(p + 10, l - 10)) {
			memcpy(procedure, p + 10, l - 10);
			procedure[l - 10] = '\0';
			have_proc = 1;
		} else if (l) {
			return -1;
		}
		p = nl ? nl + 1 : end;
	}
	return have_doc && have_proc ? 0 : -1;
}

enum dp_err receipt_png(const char *payload, unsigned char **png, size_t *len, struct dp_msg *m)
{
	QRcode *qr = NULL;
	PIX *pix = NULL;
	enum dp_err e = DP_OK;
	int side, q = RECEIPT_QUIET_MODULES, px = RECEIPT_MODULE_PX;

	*png = NULL;
	*len = 0;
	qr = QRcode_encodeString(payload, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!qr) {
		e = dp_fail(m, DP_ERR_ENGINE, "libqrencode cannot encode the receipt (%s)", strerror(errno));
		goto out;
	}
	side = (qr->width + 2 * q) * px;
	pix = pixCreate(side, side, 1); /* 1 bpp: 0 white, 1 black; created all white */
	if (!pix) {
		e = dp_fail(m, DP_ERR_NOMEM, "cannot allocate the receipt image (%d px)", side);
		goto out;
	}
	pixSetResolution(pix, 300, 300);
	for (int y = 0; y < qr->width; y++)
		for (int x = 0; x < qr->width; x++) {
			if (!(qr->data[y * qr->width + x] & 1))
				continue;
			for (int dy = 0; dy < px; dy++)
				for (int dx = 0; dx < px; dx++)
					pixSetPixel(pix, (x + q) * px + dx, (y + q) * px + dy, 1);
		}
	{
		l_uint8 *data = NULL;
		size_t n = 0;
		if (pixWriteMem(&data, &n, pix, IFF_PNG) || !data) {
			e = dp_fail(m, DP_ERR_ENGINE, "Leptonica cannot encode the receipt as PNG");
			goto out;
		}
		*png = xmalloc(n);
		memcpy(*png, data, n);
		*len = n;
		lept_free(data);
	}
out:
	pixDestroy(&pix);
	if (qr)
		QRcode_free(qr);
	return e;
}

int receipt_path_for(const struct conf *c, const struct job *j, const char *input_path, char *out_path, size_t n)
{
	char dir[CONF_PATH_MAX + 64];
	int w;

	if (!is_hex64(j->id, strlen(j->id)))
		return -1;
	if (c->receipts_dir[0]) {
		str_copy(dir, sizeof dir, c->receipts_dir);
	} else if (c->archive_dir[0]) {
		/* the archive's folder of the day, where watch moves the input:
		 * never the input's own folder, where a batch's next run or the
		 * watched inbox would take the receipt for a new scan */
		time_t now = time(NULL);
		struct tm tm;
		localtime_r(&now, &tm);
		snprintf(dir, sizeof dir, "%.1000s/%04d-%02d-%02d", c->archive_dir, tm.tm_year + 1900, tm.tm_mon + 1,
			 tm.tm_mday);
	} else {
		path_dirname(input_path && *input_path ? input_path : ".", dir, sizeof dir);
	}
	w = snprintf(out_path, n, "%s/%.16s.receipt.png", dir, j->id);
	return w < 0 || (size_t)w >= n ? -1 : 0;
}

enum dp_err receipt_write_for(const struct conf *c, const struct job *j, const char *input_path, char *out_path,
			      size_t n, struct dp_msg *m)
{
	const char *payload = job_attr(j, "receipt.payload");
	unsigned char *png = NULL;
	size_t len = 0;
	char dir[CONF_PATH_MAX + 64];
	enum dp_err e;

	if (!payload)
		return dp_fail(m, DP_ERR_INTERNAL, "'%s' has no receipt to write", path_basename(j->source ? j->source : "?"));
	if (receipt_path_for(c, j, input_path, out_path, n))
		return dp_fail(m, DP_ERR_IO, "receipt path for '%s' is too long", input_path ? input_path : "?");
	path_dirname(out_path, dir, sizeof dir);
	if ((c->receipts_dir[0] || c->archive_dir[0]) && mkdir_as(dir, CONF_DIR_MODE, c->files_gid) != 0)
		return dp_fail(m, DP_ERR_IO, "cannot create the receipts folder '%s': %s (check [output] receipts)", dir,
			       strerror(errno));
	e = receipt_png(payload, &png, &len, m);
	if (!e)
		e = file_write_as(out_path, png, len, CONF_FILE_MODE, c->files_gid, m);
	free(png);
	return e;
}
