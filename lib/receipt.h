/* receipt.h: the receipt QR code handed to an applicant whose application
 * was accepted (or is under review), so that the next counter pulls the record
 * up by scanning it instead of asking again.
 *
 * The payload carries nothing personal, only what finds the record:
 *     docpipe-receipt\n
 *     doc=<SHA-256 of the input, 64 hex digits>\n
 *     procedure=<procedure code>\n
 * The enrich stage puts it in the job (attr receipt.payload; load stores it in
 * the receipts table); the coordinator renders it, once the document is
 * committed, as <receipts dir>/<first 16 hex digits of the SHA-256>.receipt.png
 * with libqrencode (ECC level M, 8 px per module, 4-module quiet zone) and
 * Leptonica. receipts dir: [output] receipts; when empty, the archive's folder
 * of the day ([output] archive/YYYY-MM-DD, where watch moves the input); only
 * when that is empty too, the input file's own folder (which a batch's next
 * run or a watched inbox would read again).
 * receipts.png_path stays NULL: the file is named from the SHA-256, and the
 * payload alone, not the picture, is the record. */
#ifndef DP_RECEIPT_H
#define DP_RECEIPT_H

#include <stddef.h>

#include "conf.h"
#include "err.h"
#include "job.h"

#define RECEIPT_MAGIC "docpipe-receipt"
#define RECEIPT_MODULE_PX 8
#define RECEIPT_QUIET_MODULES 4

/* The payload for a document id and procedure code into out (size n);
 * -1 when either is unusable (not 64 hex digits, a code with a newline, '=' or over 31 bytes). */
int receipt_payload(const char *sha256, const char *procedure, char *out, size_t n);
/* Read a payload back: 0 and the two values, -1 when it is not a receipt. */
int receipt_parse(const char *payload, size_t len, char sha256[65], char procedure[32]);
/* The PNG bytes of a QR code carrying payload (*png malloc'd, caller frees). */
enum dp_err receipt_png(const char *payload, unsigned char **png, size_t *len, struct dp_msg *m);
/* Where the receipt of j, read from input_path, is written (no I/O). */
int receipt_path_for(const struct conf *c, const struct job *j, const char *input_path, char *out_path, size_t n);
/* Render j's attr receipt.payload and write it (atomically) to
 * receipt_path_for(); out_path receives the path. */
enum dp_err receipt_write_for(const struct conf *c, const struct job *j, const char *input_path, char *out_path,
			      size_t n, struct dp_msg *m);

#endif
