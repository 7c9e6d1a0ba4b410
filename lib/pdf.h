/* pdf.h: page images of a PDF (multifunction printers deliver image-only PDFs).
 * Pages are rendered at 300 dpi grey by poppler's pdftoppm in a private
 * temporary folder, after pdfinfo's page count and page size are checked
 * against [limits] max_pages and max_pixels. */
#ifndef DP_PDF_H
#define DP_PDF_H

#include <leptonica/allheaders.h>

#include "conf.h"
#include "err.h"
#include "job.h"

typedef enum dp_err (*pdf_page_fn)(struct job *j, PIX *pix, int pageno, const struct conf *c,
				   const char *name, struct dp_msg *m);

enum dp_err pdf_pages(struct job *j, const void *data, size_t len, const struct conf *c, const char *name,
		      pdf_page_fn add, struct dp_msg *m);

#endif
