/* review_media.c: field crops, page pictures and audio slices for the review
 * station, cut on demand from the stored input (see review_media.h).
 *
 * Scans are decoded by the pipeline's own code: a job with frame "file" goes
 * through the ingest stage (format from the content) and the preprocess
 * stage (decode, grey, deskew), exactly as when the document was read, and
 * page frame N becomes a PIX (lib/image.h). That costs about 100 ms for a
 * 300 dpi A4 page, so the last pages decoded are kept in a small cache keyed
 * by SHA-256 and page (REVIEW_CACHE_BYTES in all, least recently used
 * first out); the server is multi-threaded, so the cache has a mutex and
 * each entry a count of its users (an entry evicted while in use is freed by
 * its last user). The file itself is read and hashed on every call, cached
 * or not: a page is never shown from bytes the archive no longer holds. */
#include "review_media.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/register.h"
#include "../lib/image.h"
#include "../lib/job.h"
#include "../lib/util.h"
#include "../stages/stage.h"

#define CACHE_SLOTS 16
#define PAGE_WIDTH_MAX 8192      /* review_page_png: the largest max_width asked for */
#define CHOICE_LABEL_MM 25.0     /* a choice's printed option labels lie right of its boxes */
#define AUDIO_MAX_MS (10 * 60 * 1000)

/* ---- the stored input ---- */

/* A verified input: its bytes, and the file still open (audio decodes from it). */
struct input {
	char path[PATH_MAX];
	unsigned char *data;
	size_t len;
	int fd;
};

static void input_release(struct input *in)
{
	free(in->data);
	in->data = NULL;
	if (in->fd >= 0)
		close(in->fd);
	in->fd = -1;
}

/* Open path, read at most max bytes and compare their SHA-256 with sha.
 * Returns 1 and fills in when they match; 0 with the reason in why when not
 * (why "" when the file does not exist). */
static int try_file(const char *path, const char *sha, long long max, struct input *in, char *why, size_t n)
{
	struct stat st;
	char hex[65];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;
	unsigned char *d;

	why[0] = '\0';
	if (fd < 0) {
		if (errno != ENOENT && errno != ENOTDIR)
			snprintf(why, n, "cannot be read (%s)", strerror(errno));
		return 0;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, n, "is not a regular file");
		close(fd);
		return 0;
	}
	if (st.st_size > max) {
		snprintf(why, n, "now holds %lld bytes, more than [limits] max_file_bytes (%lld): not the file that was read",
			 (long long)st.st_size, max);
		close(fd);
		return 0;
	}
	d = xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, d + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (got != (size_t)st.st_size) {
		snprintf(why, n, "cannot be read (%s)", got ? "it shrank while being read" : strerror(errno));
		free(d);
		close(fd);
		return 0;
	}
	sha256_hex(d, got, hex);
	if (strcmp(hex, sha)) {
		snprintf(why, n, "has changed since it was read (its SHA-256 is no longer the document's)");
		free(d);
		close(fd);
		return 0;
	}
	str_copy(in->path, sizeof in->path, path);
	in->data = d;
	in->len = got;
	in->fd = fd;
	return 1;
}

/* name is the archived copy of base: base itself, or STEM-N.EXT as src/inbox.c
 * names a file whose name was taken that day. */
static int archived_name(const char *name, const char *base)
{
	const char *dot = strrchr(base, '.');
	size_t stem = dot && dot != base ? (size_t)(dot - base) : strlen(base);
	const char *ext = dot && dot != base ? dot : "";
	const char *p = name + stem + 1;

	if (!strcmp(name, base))
		return 1;
	if (strncmp(name, base, stem) || name[stem] != '-' || *p < '0' || *p > '9')
		return 0;
	while (*p >= '0' && *p <= '9')
		p++;
	return !strcmp(p, ext);
}

static int is_day(const char *s)
{
	for (int i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
			return 0;
	return s[10] == '\0';
}

static int cmp_desc(const void *a, const void *b)
{
	return strcmp(*(char *const *)b, *(char *const *)a);
}

/* Names in dir that pass keep(name, arg), newest first (by name); caller frees. */
static int list_dir(const char *dir, int (*keep)(const char *, const char *), const char *arg, char ***out)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **v = NULL;
	int n = 0;

	*out = NULL;
	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (!keep(e->d_name, arg))
			continue;
		v = xrealloc(v, (size_t)(n + 1) * sizeof *v);
		v[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (n)
		qsort(v, (size_t)n, sizeof *v, cmp_desc);
	*out = v;
	return n;
}

static void list_free(char **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int keep_day(const char *name, const char *arg)
{
	(void)arg;
	return is_day(name);
}

/* The archive's copy of base holding sha, newest day first. */
static int find_archived(const struct conf *c, const char *base, const char *sha, struct input *in)
{
	char **days, **names, cand[PATH_MAX + 300], sub[PATH_MAX], why[200];
	int nd = list_dir(c->archive_dir, keep_day, NULL, &days), found = 0;

	for (int i = 0; i < nd && !found; i++) {
		snprintf(sub, sizeof sub, "%s/%s", c->archive_dir, days[i]);
		int nn = list_dir(sub, archived_name, base, &names);
		for (int k = 0; k < nn && !found; k++) {
			snprintf(cand, sizeof cand, "%s/%s", sub, names[k]);
			found = try_file(cand, sha, c->max_file_bytes, in, why, sizeof why);
		}
		list_free(names, nn);
	}
	list_free(days, nd);
	return found;
}

static int is_sha(const char *s)
{
	size_t i = 0;
	for (; s && s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return i == 64;
}

/* The verified bytes of a stored input (noun says what it is, for messages). */
static enum dp_err locate(const struct conf *c, const char *path, const char *sha, const char *noun,
			  struct input *in, struct dp_msg *m)
{
	char why[200];
	const char *name;

	in->data = NULL;
	in->fd = -1;
	if (!path || !*path)
		return dp_fail(m, DP_ERR_USAGE, "no file name given for the %s", noun);
	name = path_basename(path);
	if (!is_sha(sha))
		return dp_fail(m, DP_ERR_USAGE, "'%s': '%s' is not a SHA-256 (64 lowercase hex digits)", name,
			       sha ? sha : "");
	if (try_file(path, sha, c->max_file_bytes, in, why, sizeof why) || find_archived(c, name, sha, in))
		return DP_OK;
	if (why[0])
		return dp_fail(m, DP_ERR_IO, "'%s': the %s at %s %s, and the archive (%s) holds no copy of it", name,
			       noun, path, why, c->archive_dir);
	return dp_fail(m, DP_ERR_IO, "'%s': the %s is no longer at %s nor in the archive (%s)", name, noun, path,
		       c->archive_dir);
}

enum dp_err review_find_input(const struct conf *c, const char *path, const char *sha256, char *out, size_t n,
			      struct dp_msg *m)
{
	struct input in;
	enum dp_err e = locate(c, path, sha256, "scanned file", &in, m);

	if (!e)
		str_copy(out, n, in.path);
	input_release(&in);
	return e;
}

/* ---- decoded pages, cached ---- */

struct cached_page {
	char sha[65];
	int page;
	PIX *pix;             /* 8-bit grey, deskewed; read-only once cached */
	size_t bytes;
	int users;            /* callers holding it */
	int evicted;          /* out of the table: the last user frees it */
	unsigned long long used;
};

static struct {
	pthread_mutex_t lock;
	struct cached_page *slot[CACHE_SLOTS];
	size_t bytes;
	unsigned long long clock;
} cache = { PTHREAD_MUTEX_INITIALIZER, { NULL }, 0, 0 };

static void entry_free(struct cached_page *e)
{
	pixDestroy(&e->pix);
	free(e);
}

/* Under the lock: take slot i out of the table. */
static void cache_evict(int i)
{
	struct cached_page *e = cache.slot[i];
	cache.slot[i] = NULL;
	cache.bytes -= e->bytes;
	if (e->users)
		e->evicted = 1;
	else
		entry_free(e);
}

static struct cached_page *cache_get(const char *sha, int page)
{
	struct cached_page *hit = NULL;

	pthread_mutex_lock(&cache.lock);
	for (int i = 0; i < CACHE_SLOTS && !hit; i++)
		if (cache.slot[i] && cache.slot[i]->page == page && !strcmp(cache.slot[i]->sha, sha)) {
			hit = cache.slot[i];
			hit->users++;
			hit->used = ++cache.clock;
		}
	pthread_mutex_unlock(&cache.lock);
	return hit;
}

static void cache_put_back(struct cached_page *e)
{
	int last;

	pthread_mutex_lock(&cache.lock);
	last = --e->users == 0 && e->evicted;
	pthread_mutex_unlock(&cache.lock);
	if (last)
		entry_free(e);
}

/* Add a page (the cache takes pix); with hold set the caller gets it back as
 * in cache_get. A page larger than the whole cache is not kept. */
static struct cached_page *cache_add(const char *sha, int page, PIX *pix, int hold)
{
	struct cached_page *e = xcalloc(1, sizeof *e);

	str_copy(e->sha, sizeof e->sha, sha);
	e->page = page;
	e->pix = pix;
	e->bytes = (size_t)pixGetWpl(pix) * 4 * (size_t)pixGetHeight(pix);
	e->users = hold;
	pthread_mutex_lock(&cache.lock);
	for (int i = 0; i < CACHE_SLOTS; i++) /* another thread decoded it too */
		if (cache.slot[i] && cache.slot[i]->page == page && !strcmp(cache.slot[i]->sha, sha))
			cache_evict(i);
	if (e->bytes > REVIEW_CACHE_BYTES) {
		e->evicted = 1;
	} else {
		int free_slot = -1;
		for (;;) {
			int lru = -1;
			free_slot = -1;
			for (int i = 0; i < CACHE_SLOTS; i++) {
				if (!cache.slot[i])
					free_slot = i;
				else if (lru < 0 || cache.slot[i]->used < cache.slot[lru]->used)
					lru = i;
			}
			if (free_slot >= 0 && cache.bytes + e->bytes <= REVIEW_CACHE_BYTES)
				break;
			cache_evict(lru);
		}
		e->used = ++cache.clock;
		cache.slot[free_slot] = e;
		cache.bytes += e->bytes;
	}
	pthread_mutex_unlock(&cache.lock);
	if (!hold && e->evicted) {
		entry_free(e);
		return NULL;
	}
	return e;
}

void review_cache_clear(void)
{
	pthread_mutex_lock(&cache.lock);
	for (int i = 0; i < CACHE_SLOTS; i++)
		if (cache.slot[i])
			cache_evict(i);
	pthread_mutex_unlock(&cache.lock);
}

/* One stage of the pipeline on j, as a worker would run it. */
static enum dp_err run_stage(const char *name, const struct conf *c, struct job *j, struct dp_msg *m)
{
	const struct stage *st = stage_find(name);
	void *state = NULL;
	enum dp_err e;

	if (!st)
		return dp_fail(m, DP_ERR_INTERNAL, "no stage '%s' in the stage table", name);
	if (st->ops->init && (e = st->ops->init(&state, c, m)) != DP_OK)
		return e;
	e = st->ops->process(state, j, m);
	if (st->ops->fini)
		st->ops->fini(state);
	return e;
}

/* Decode in's pages as preprocess does and cache them; *out is page `page`,
 * held (cache_put_back). Other pages of the file are cached too while they
 * take at most half the cache. */
static enum dp_err decode_page(const struct conf *c, struct input *in, const char *sha, int page,
			       struct cached_page **out, struct dp_msg *m)
{
	struct job *j = job_new();
	const char *name = path_basename(in->path);
	size_t kept = 0;
	int pageno = 0;
	enum dp_err e;

	*out = NULL;
	job_set_str(&j->source, in->path);
	str_copy(j->id, sizeof j->id, sha);
	job_add_frame(j, "file", in->data, in->len);
	in->data = NULL; /* the job owns the bytes now */
	e = run_stage("ingest", c, j, m);
	if (!e && strcmp(j->kind, "scan"))
		e = dp_fail(m, DP_ERR_FORMAT, "'%s' is not a scan (%s, %s): it has no page to show", name, j->kind,
			    j->format);
	if (!e)
		e = run_stage("preprocess", c, j, m);
	for (size_t i = 0; i < j->nframes && !e; i++) {
		PIX *pix;
		if (strcmp(j->frames[i].name, "page"))
			continue;
		pageno++;
		if (pageno != page && kept + j->frames[i].len > REVIEW_CACHE_BYTES / 2)
			continue;
		if (!(pix = image_from_frame(&j->frames[i])))
			continue;
		kept += j->frames[i].len;
		if (pageno == page)
			*out = cache_add(sha, page, pix, 1);
		else
			cache_add(sha, pageno, pix, 0);
	}
	if (!e && !*out)
		e = dp_fail(m, DP_ERR_USAGE, "'%s' has no page %d (it has %d)", name, page, pageno);
	job_free(&j);
	return e;
}

/* Page p of its verified file, from the cache or decoded now; held. */
static enum dp_err page_get(const struct conf *c, const struct review_page *p, struct cached_page **out,
			    struct dp_msg *m)
{
	struct input in;
	enum dp_err e = locate(c, p->path, p->sha256, "scanned file", &in, m);

	*out = NULL;
	if (!e && !(*out = cache_get(p->sha256, p->page)))
		e = decode_page(c, &in, p->sha256, p->page, out, m);
	input_release(&in);
	return e;
}

/* A request names a page and the template it was read with. */
static enum dp_err page_check(const struct review_page *p, struct dp_msg *m)
{
	if (!p || p->page < 1 || !p->form)
		return dp_fail(m, DP_ERR_USAGE, "'%s': no page or no form template given",
			       p && p->path ? path_basename(p->path) : "?");
	return DP_OK;
}

/* ---- where a field is ---- */

/* Millimetres on the template to pixels of the page. The ocr stage places a
 * box the same way (stages/ocr.c field_px: (box mm + the page's shift mm)
 * x dpi / 25.4, rounded); the formula is repeated here rather than shared
 * because it is one line. */
/* The page's dpi as ocr recorded it, else the decoded frame's. */
static int page_dpi(const struct review_page *p, PIX *pix)
{
	return p->dpi > 0 ? p->dpi : pixGetXRes(pix) > 0 ? pixGetXRes(pix) : 300;
}

/* The template rectangle (mm) of a field: its box, or for a choice the
 * rectangle around every option box. */
static int field_rect(const struct form_field *fd, struct form_rect *r)
{
	if (fd->has_box) {
		*r = fd->box;
		return 0;
	}
	if (!fd->nopts)
		return -1;
	double x0 = 1e9, y0 = 1e9, x1 = -1e9, y1 = -1e9;
	for (int i = 0; i < fd->nopts; i++) {
		const struct form_rect *o = &fd->opts[i].box;
		x0 = fmin(x0, o->x);
		y0 = fmin(y0, o->y);
		x1 = fmax(x1, o->x + o->w);
		y1 = fmax(y1, o->y + o->h);
	}
	r->x = x0;
	r->y = y0;
	r->w = x1 - x0;
	r->h = y1 - y0;
	return 0;
}

/* r (mm, on the template) placed on the page as the ocr stage placed it,
 * grown by margin mm on each side, in page pixels times scale. */
static BOX *place(const struct review_page *p, const struct form_rect *r, double margin, int dpi, double scale)
{
	struct reg_transform t = reg_shift(p->dx_mm, p->dy_mm);
	double x, y, w, h;

	t.sx = p->sx > 0 ? p->sx : 1.0;
	t.sy = p->sy > 0 ? p->sy : 1.0;
	t.rot_deg = p->rot_deg;
	reg_rect(&t, r->x, r->y, r->w, r->h, margin, &x, &y, &w, &h);
	return boxCreate((l_int32)lround(reg_px(x, dpi) * scale), (l_int32)lround(reg_px(y, dpi) * scale),
			 (l_int32)lround(reg_px(w, dpi) * scale), (l_int32)lround(reg_px(h, dpi) * scale));
}

void review_page_placement(struct review_page *p, const char *(*attr)(void *ctx, const char *key), void *ctx)
{
	char key[48];
	struct reg_transform t;
	const char *v;

	p->dx_mm = p->dy_mm = p->rot_deg = 0;
	p->sx = p->sy = 1.0;
	snprintf(key, sizeof key, "page.%d.transform", p->page);
	if (reg_parse(attr(ctx, key), &t) == 0) {
		p->dx_mm = t.dx_mm;
		p->dy_mm = t.dy_mm;
		p->sx = t.sx;
		p->sy = t.sy;
		p->rot_deg = t.rot_deg;
		return;
	}
	snprintf(key, sizeof key, "page.%d.shift_mm", p->page);
	if ((v = attr(ctx, key)) && sscanf(v, "%lf %lf", &p->dx_mm, &p->dy_mm) != 2)
		p->dx_mm = p->dy_mm = 0;
}

/* PNG bytes of pix; caller frees. */
static enum dp_err png_encode(PIX *pix, unsigned char **png, size_t *len, const char *name, struct dp_msg *m)
{
	l_uint8 *d = NULL;
	size_t n = 0;

	if (!pix || pixWriteMem(&d, &n, pix, IFF_PNG) != 0 || !d)
		return dp_fail(m, DP_ERR_ENGINE, "'%s': the picture could not be encoded as PNG", name);
	*png = d;
	*len = n;
	return DP_OK;
}

enum dp_err review_field_png(const struct conf *c, const struct review_page *p, const char *field,
			     unsigned char **png, size_t *len, struct dp_msg *m)
{
	const struct form_field *fd;
	struct cached_page *pg;
	struct form_rect r;
	PIX *crop = NULL;
	BOX *b, *inside = NULL;
	enum dp_err e;

	*png = NULL;
	*len = 0;
	if ((e = page_check(p, m)) != DP_OK)
		return e;
	fd = field ? form_field(p->form, field) : NULL;
	if (!fd || field_rect(fd, &r) != 0)
		return dp_fail(m, DP_ERR_USAGE, "form '%s' has no field '%s' with a box", p->form->id,
			       field ? field : "");
	if (!fd->has_box)
		r.w += CHOICE_LABEL_MM; /* a choice: show the label printed beside each box */
	if ((e = page_get(c, p, &pg, m)) != DP_OK)
		return e;
	b = place(p, &r, REVIEW_FIELD_MARGIN_MM, page_dpi(p, pg->pix), 1.0);
	if (b)
		inside = boxClipToRectangle(b, pixGetWidth(pg->pix), pixGetHeight(pg->pix));
	if (inside)
		crop = pixClipRectangle(pg->pix, inside, NULL);
	boxDestroy(&b);
	boxDestroy(&inside);
	cache_put_back(pg);
	if (!crop)
		return dp_fail(m, DP_ERR_CORRUPT, "field '%s' lies outside page %d of '%s'", field, p->page,
			       path_basename(p->path));
	if (pixGetWidth(crop) > REVIEW_FIELD_MAX_WIDTH) {
		PIX *s = pixScaleToSize(crop, REVIEW_FIELD_MAX_WIDTH, 0);
		pixDestroy(&crop);
		crop = s;
	}
	e = png_encode(crop, png, len, path_basename(p->path), m);
	pixDestroy(&crop);
	return e;
}

/* ---- the whole page ---- */

/* The printable ASCII of s (Leptonica's bitmap fonts have nothing else), each
 * run of other characters dropped, spaces collapsed. */
static void ascii_only(char *out, size_t n, const char *s)
{
	size_t k = 0;

	for (; s && *s && k + 1 < n; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch < 0x20 || ch > 0x7e)
			ch = ' ';
		if (ch == ' ' && (k == 0 || out[k - 1] == ' '))
			continue;
		out[k++] = (char)ch;
	}
	while (k && out[k - 1] == ' ')
		k--;
	out[k] = '\0';
}

/* One box and its label on the page picture (colour-mapped, scaled by scale). */
static void draw_box(PIX *pic, L_BMF *font, const struct review_page *p, const struct review_box *bx, int dpi,
		     double scale)
{
	const struct form_field *fd = bx->field ? form_field(p->form, bx->field) : NULL;
	l_uint32 red = 0xd0202000, green = 0x10a01000, col = bx->flagged ? red : green;
	int rgb[3] = { bx->flagged ? 0xd0 : 0x10, bx->flagged ? 0x20 : 0xa0, bx->flagged ? 0x20 : 0x10 };
	l_int32 line = scale < 0.5 ? 2 : 3, tx = 0, ty = 0, tw = 0;
	char label[300], text[400];

	if (!fd)
		return;
	for (int i = 0; i < (fd->has_box ? 1 : fd->nopts); i++) {
		BOX *b = place(p, fd->has_box ? &fd->box : &fd->opts[i].box, 0, dpi, scale);
		if (!b)
			continue;
		pixRenderBoxArb(pic, b, line, rgb[0], rgb[1], rgb[2]);
		if (i == 0) {
			tx = b->x;
			ty = b->y;
		}
		boxDestroy(&b);
	}
	ascii_only(label, sizeof label, bx->label);
	snprintf(text, sizeof text, "%s%s%s", fd->name, label[0] ? ": " : "", label);
	/* the baseline just above the box, or inside its top when at the page's edge */
	ty = ty - line - 2 >= font->lineheight ? ty - line - 2 : ty + font->lineheight + line;
	/* kept inside the page: moved left when it would run off the right edge */
	if (bmfGetStringWidth(font, text, &tw) == 0 && tx + tw >= pixGetWidth(pic))
		tx = pixGetWidth(pic) - tw - 2;
	pixSetTextline(pic, font, text, col, tx > 0 ? tx : 1, ty, NULL, NULL);
}

enum dp_err review_page_png(const struct conf *c, const struct review_page *p, const struct review_box *boxes,
			    int nboxes, int max_width, unsigned char **png, size_t *len, struct dp_msg *m)
{
	struct cached_page *pg;
	PIX *scaled = NULL, *pic = NULL;
	L_BMF *font = NULL;
	double scale = 1.0;
	int dpi, w;
	enum dp_err e;

	*png = NULL;
	*len = 0;
	if ((e = page_check(p, m)) != DP_OK)
		return e;
	if (max_width < 0 || max_width > PAGE_WIDTH_MAX || nboxes < 0 || (nboxes && !boxes))
		return dp_fail(m, DP_ERR_USAGE, "page picture of '%s': width %d is not 0..%d", path_basename(p->path),
			       max_width, PAGE_WIDTH_MAX);
	if ((e = page_get(c, p, &pg, m)) != DP_OK)
		return e;
	dpi = page_dpi(p, pg->pix);
	w = pixGetWidth(pg->pix);
	if (max_width > 0 && max_width != w) {
		scale = (double)max_width / w;
		scaled = pixScaleToSize(pg->pix, max_width, 0);
	}
	/* 32 grey levels and a colour map with room for the boxes' red and green:
	 * a third of the bytes of RGB to compress (about 4 times faster) */
	pic = pixThresholdOn8bpp(scaled ? scaled : pg->pix, 32, 1);
	cache_put_back(pg);
	pixDestroy(&scaled);
	if (!pic)
		return dp_fail(m, DP_ERR_ENGINE, "page %d of '%s' could not be drawn", p->page, path_basename(p->path));
	/* Leptonica's fonts come in even sizes 4..20 (size 6: letters about 15 px
	 * high); 6 on a page 1200 px wide */
	int size = pixGetWidth(pic) / 200;
	size = size < 4 ? 4 : size > 20 ? 20 : size & ~1;
	font = bmfCreate(NULL, size);
	for (int i = 0; i < nboxes && font; i++)
		draw_box(pic, font, p, &boxes[i], dpi, scale);
	bmfDestroy(&font);
	pixSetZlibCompression(pic, 1); /* about half the time of level 6, 20% larger */
	e = png_encode(pic, png, len, path_basename(p->path), m);
	pixDestroy(&pic);
	return e;
}

/* ---- audio ---- */

static void put_le(unsigned char *d, unsigned long v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		d[i] = (unsigned char)(v >> (8 * i));
}

/* The 44-byte header of a 16-bit PCM WAV holding frames x channels samples. */
static void wav_header(unsigned char h[44], int rate, int channels, sf_count_t frames)
{
	unsigned long data = (unsigned long)frames * (unsigned long)channels * 2;

	memcpy(h, "RIFF", 4);
	put_le(h + 4, 36 + data, 4);
	memcpy(h + 8, "WAVEfmt ", 8);
	put_le(h + 16, 16, 4);
	put_le(h + 20, 1, 2); /* PCM */
	put_le(h + 22, (unsigned long)channels, 2);
	put_le(h + 24, (unsigned long)rate, 4);
	put_le(h + 28, (unsigned long)rate * (unsigned long)channels * 2, 4);
	put_le(h + 32, (unsigned long)channels * 2, 2);
	put_le(h + 34, 16, 2);
	memcpy(h + 36, "data", 4);
	put_le(h + 40, data, 4);
}

static sf_count_t ms_frames(int64_t ms, int rate)
{
	return (sf_count_t)(ms * rate / 1000);
}

enum dp_err review_audio_wav(const struct conf *c, const char *path, const char *sha256, int64_t start_ms,
			     int64_t end_ms, unsigned char **wav, size_t *len, struct dp_msg *m)
{
	struct input in;
	SF_INFO info;
	SNDFILE *sf;
	sf_count_t from, to, got = 0;
	unsigned char *out;
	const char *name = path ? path_basename(path) : "?";
	enum dp_err e;

	*wav = NULL;
	*len = 0;
	if (start_ms < 0)
		start_ms = 0;
	if (end_ms < start_ms)
		return dp_fail(m, DP_ERR_USAGE, "'%s': the slice ends (%lld ms) before it starts (%lld ms)", name,
			       (long long)end_ms, (long long)start_ms);
	if (end_ms - start_ms > AUDIO_MAX_MS)
		end_ms = start_ms + AUDIO_MAX_MS;
	if ((e = locate(c, path, sha256, "recording", &in, m)) != DP_OK)
		return e;
	free(in.data); /* hashed; libsndfile reads the same open file */
	in.data = NULL;
	memset(&info, 0, sizeof info);
	if (lseek(in.fd, 0, SEEK_SET) != 0 || !(sf = sf_open_fd(in.fd, SFM_READ, &info, 0))) {
		e = dp_fail(m, DP_ERR_FORMAT, "'%s' at %s cannot be read as audio: %s", name, in.path, sf_strerror(NULL));
		input_release(&in);
		return e;
	}
	if (info.samplerate <= 0 || info.channels <= 0 || info.channels > 16) {
		sf_close(sf);
		input_release(&in);
		return dp_fail(m, DP_ERR_CORRUPT, "'%s': %d Hz, %d channels is not a recording to play", name,
			       info.samplerate, info.channels);
	}
	from = ms_frames(start_ms, info.samplerate);
	to = ms_frames(end_ms, info.samplerate);
	if (from > info.frames)
		from = info.frames;
	if (to > info.frames)
		to = info.frames;
	out = xmalloc(44 + (size_t)(to - from) * (size_t)info.channels * 2);
	sf_command(sf, SFC_SET_SCALE_FLOAT_INT_READ, NULL, SF_TRUE);
	if (to > from && sf_seek(sf, from, SEEK_SET) == from)
		got = sf_readf_short(sf, (short *)(void *)(out + 44), to - from);
	sf_close(sf);
	input_release(&in);
	if (got < 0 || (to > from && got == 0)) {
		free(out);
		return dp_fail(m, DP_ERR_CORRUPT, "'%s': the audio from %lld ms cannot be decoded", name,
			       (long long)start_ms);
	}
	/* samples are in host order; WAV is little-endian */
	for (sf_count_t i = 0; i < got * info.channels; i++) {
		unsigned char *s = out + 44 + 2 * i;
		uint16_t v;
		memcpy(&v, s, 2);
		put_le(s, v, 2);
	}
	wav_header(out, info.samplerate, info.channels, got);
	*wav = out;
	*len = 44 + (size_t)got * (size_t)info.channels * 2;
	return DP_OK;
}
