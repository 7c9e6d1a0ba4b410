/* tess.h: one Tesseract engine (TessBaseAPI) per worker thread, created once
 * and reused. A worker holds one engine per language it reads ("jpn", "eng",
 * "jpn+eng"); engines are never shared between threads. Tesseract's own
 * OpenMP threading must be limited to one thread before the process starts
 * (main.c re-executes itself with OMP_THREAD_LIMIT=1). */
#ifndef DP_TESS_H
#define DP_TESS_H

#include <leptonica/allheaders.h>

#include "err.h"

struct tess;

enum dp_err tess_open(struct tess **t, const char *tessdata, const char *lang, struct dp_msg *m);
void tess_close(struct tess **t);
/* Whether every language of langs ("jpn+eng") could be loaded from the
 * tessdata folder engine t was opened with, without loading it: the same
 * error tess_open gives when one is missing. For an engine opened only
 * when a page needs it. */
enum dp_err tess_check_langs(struct tess *t, const char *tessdata, const char *langs, struct dp_msg *m);

/* 1 when every language of langs ("jpn+eng") has its LANG.traineddata in
 * the folder Tesseract will read: tessdata when set, else $TESSDATA_PREFIX,
 * else Debian's /usr/share/tesseract-ocr/5/tessdata (each also with
 * "/tessdata" appended). 0 when one is missing or the folder is not one of
 * those: the caller then opens an engine to have Tesseract's own answer.
 * Lets a worker open its engines when its first page comes (an audio-only
 * run never loads them) and still refuse a missing language at start. */
int tess_langs_found(const char *tessdata, const char *langs);

/* Set the page all later reads refer to (the PIX must outlive those reads). */
void tess_set_page(struct tess *t, PIX *pix, int dpi);

/* Read a rectangle (pixels) with a page segmentation mode and an optional
 * character whitelist ("" for none). *text is malloc'd (caller frees), with
 * CJK inter-character spaces removed; *conf is the mean word confidence. */
enum dp_err tess_read(struct tess *t, int x, int y, int w, int h, int psm, const char *whitelist,
		      char **text, double *conf, struct dp_msg *m);

/* Read a whole PIX (not the page) the same way. */
enum dp_err tess_read_pix(struct tess *t, PIX *pix, int dpi, int psm, const char *whitelist, char **text,
			  double *conf, struct dp_msg *m);

/* Full page text with automatic layout analysis. */
enum dp_err tess_page_text(struct tess *t, char **text, double *conf, struct dp_msg *m);

/* Remove the spaces Tesseract puts between Japanese characters, trim each
 * line, drop empty lines. Returns a new string (caller frees). */
char *tess_tidy(const char *s);

/* One recognised text line with its bounding box in page pixels. */
struct tess_line {
	char *text;          /* tidied; owned by the array, freed by tess_lines_free */
	int x0, y0, x1, y1;
	double conf;
};

/* Lines of a rectangle of the page (layout analysis with psm). Returns the
 * count (*out malloc'd), -1 on failure. */
int tess_lines(struct tess *t, int x, int y, int w, int h, int psm, struct tess_line **out);
void tess_lines_free(struct tess_line *lines, int n);
/* The same over a whole PIX (boxes in that PIX's pixels). */
int tess_lines_pix(struct tess *t, PIX *pix, int dpi, int psm, struct tess_line **out);

/* After tess_read_pix(): the characters of the last recognition with their
 * boxes (in the image's pixels). Returns the count (*out malloc'd, each text
 * freed by tess_lines_free), -1 on failure. */
int tess_symbols(struct tess *t, struct tess_line **out);


#endif
