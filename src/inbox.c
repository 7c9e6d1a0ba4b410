/* inbox.c: watching the inbox, settling files, archive and quarantine (see inbox.h). */
#include "inbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../lib/log.h"
#include "../lib/util.h"

struct cand {
	char *name;
	long long size;
	long long mtime_ns;
	int64_t stable_since;
	int offered;          /* handed out; forgotten once it leaves the folder */
	int seen;             /* present in the latest scan */
	struct cand *next;
};

struct inbox {
	const struct conf *c;
	char dir[PATH_MAX];
	char real[PATH_MAX];  /* the inbox's resolved path, for link checks */
	int fd;               /* inotify, -1 when polling */
	int dirty;            /* rescan before the next offer */
	int64_t last_scan;
	struct cand *cands;
};

static int ignored(const char *name)
{
	static const char *suffixes[] = { "~", ".tmp", ".part", ".partial", ".crdownload", ".swp", ".filepart",
					  ".error.txt", ".download" };
	size_t l = strlen(name);

	if (name[0] == '.' || !strncmp(name, "~$", 2))
		return 1;
	for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
		size_t sl = strlen(suffixes[i]);
		if (l >= sl && !strcasecmp(name + l - sl, suffixes[i]))
			return 1;
	}
	return 0;
}

enum dp_err inbox_open(struct inbox **out, const struct conf *c, struct dp_msg *m)
{
	struct inbox *ib = xcalloc(1, sizeof *ib);

	*out = NULL;
	ib->c = c;
	ib->fd = -1;
	str_copy(ib->dir, sizeof ib->dir, c->inbox);
	if (mkdir_p(ib->dir) != 0 || !realpath(ib->dir, ib->real)) {
		free(ib);
		return dp_fail(m, DP_ERR_CONFIG, "cannot use the inbox folder '%s' ([watch] inbox): %s", c->inbox,
			       strerror(errno));
	}
	if (mkdir_p(c->archive_dir) != 0 || mkdir_p(c->quarantine_dir) != 0) {
		free(ib);
		return dp_fail(m, DP_ERR_CONFIG, "cannot create '%s' or '%s' ([output] archive, [watch] quarantine): %s",
			       c->archive_dir, c->quarantine_dir, strerror(errno));
	}
	if (!c->watch_poll) {
		ib->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (ib->fd < 0 || inotify_add_watch(ib->fd, ib->dir, IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_ATTRIB |
									 IN_MODIFY | IN_DELETE | IN_MOVED_FROM) < 0) {
			log_warn("inotify unavailable for '%s' (%s): polling instead", ib->dir, strerror(errno));
			if (ib->fd >= 0)
				close(ib->fd);
			ib->fd = -1;
		}
	}
	ib->dirty = 1;
	*out = ib;
	return DP_OK;
}

void inbox_close(struct inbox **ib)
{
	if (!*ib)
		return;
	if ((*ib)->fd >= 0)
		close((*ib)->fd);
	while ((*ib)->cands) {
		struct cand *c = (*ib)->cands;
		(*ib)->cands = c->next;
		free(c->name);
		free(c);
	}
	free(*ib);
	*ib = NULL;
}

static void scan(struct inbox *ib)
{
	DIR *d = opendir(ib->dir);
	struct dirent *e;
	struct cand **pp;

	for (struct cand *c = ib->cands; c; c = c->next)
		c->seen = 0;
	if (!d) {
		log_warn("cannot read the inbox '%s': %s", ib->dir, strerror(errno));
		return;
	}
	while ((e = readdir(d))) {
		char p[PATH_MAX + 256];
		struct stat st;
		struct cand *c;
		if (ignored(e->d_name))
			continue;
		snprintf(p, sizeof p, "%s/%s", ib->dir, e->d_name);
		if (lstat(p, &st) != 0 || S_ISDIR(st.st_mode))
			continue;
		if (S_ISLNK(st.st_mode)) {
			struct stat t;
			if (stat(p, &t) == 0 && S_ISDIR(t.st_mode))
				continue;
		} else if (!S_ISREG(st.st_mode)) {
			continue;
		}
		for (c = ib->cands; c; c = c->next)
			if (!strcmp(c->name, e->d_name))
				break;
		if (!c) {
			c = xcalloc(1, sizeof *c);
			c->name = xstrdup(e->d_name);
			c->size = -1;
			c->next = ib->cands;
			ib->cands = c;
		}
		c->seen = 1;
	}
	closedir(d);
	/* forget what left the folder */
	for (pp = &ib->cands; *pp;) {
		struct cand *c = *pp;
		if (!c->seen) {
			*pp = c->next;
			free(c->name);
			free(c);
		} else {
			pp = &c->next;
		}
	}
	ib->last_scan = now_us();
	ib->dirty = 0;
}

static void drain_events(struct inbox *ib, int timeout_ms)
{
	struct pollfd pfd = { ib->fd, POLLIN, 0 };
	char buf[16384];

	if (ib->fd < 0) {
		if (timeout_ms > 0)
			usleep((useconds_t)timeout_ms * 1000);
		ib->dirty = 1; /* polling: every round is a rescan */
		return;
	}
	if (poll(&pfd, 1, timeout_ms) > 0 && (pfd.revents & POLLIN)) {
		while (read(ib->fd, buf, sizeof buf) > 0)
			;
		ib->dirty = 1;
	}
}

int inbox_next(struct inbox *ib, int timeout_ms, int (*skip)(const char *path, void *user), void *user, char *path,
	       size_t n)
{
	int64_t now, settle = (int64_t)ib->c->watch_settle_ms * 1000;
	int waiting = 0;

	/* while something is settling, look again soon */
	for (struct cand *c = ib->cands; c; c = c->next)
		if (!c->offered)
			waiting = 1;
	drain_events(ib, waiting && timeout_ms > 100 ? 100 : timeout_ms);
	now = now_us();
	if (ib->dirty || now - ib->last_scan >= (int64_t)ib->c->watch_rescan_s * 1000000)
		scan(ib);
	for (struct cand *c = ib->cands; c; c = c->next) {
		char p[PATH_MAX + 256];
		struct stat st;
		long long mt;

		if (c->offered)
			continue;
		snprintf(p, sizeof p, "%s/%s", ib->dir, c->name);
		if (lstat(p, &st) != 0)
			continue; /* gone: the next scan forgets it */
		mt = (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
		if (st.st_size != c->size || mt != c->mtime_ns) {
			c->size = st.st_size;
			c->mtime_ns = mt;
			c->stable_since = now;
			continue;
		}
		if (now - c->stable_since < settle)
			continue;
		if (skip && skip(p, user))
			continue;
		c->offered = 1;
		str_copy(path, n, p);
		return 1;
	}
	return 0;
}

int inbox_outside_link(const struct inbox *ib, const char *path)
{
	struct stat st;
	char real[PATH_MAX];
	size_t l = strlen(ib->real);

	if (lstat(path, &st) != 0 || !S_ISLNK(st.st_mode))
		return 0;
	if (!realpath(path, real))
		return 1; /* dangling: nothing inside the inbox */
	return strncmp(real, ib->real, l) != 0 || (real[l] != '/' && real[l] != '\0');
}

/* rename, or copy and remove across file systems */
static int move_to(const char *src, const char *dst)
{
	int in, out;
	char buf[1 << 16];
	ssize_t r;
	struct stat st;

	if (rename(src, dst) == 0)
		return 0;
	if (errno != EXDEV)
		return -1;
	if (lstat(src, &st) != 0 || !S_ISREG(st.st_mode))
		return -1;
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -1;
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (out < 0) {
		close(in);
		return -1;
	}
	while ((r = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, (size_t)r) != r) {
			r = -1;
			break;
		}
	close(in);
	if (close(out) != 0 || r < 0) {
		unlink(dst);
		return -1;
	}
	return unlink(src);
}

/* dir/name, or dir/stem-N.ext when taken */
static void unique(const char *dir, const char *name, char *out, size_t n)
{
	const char *dot = strrchr(name, '.');
	size_t stem = dot && dot != name ? (size_t)(dot - name) : strlen(name);

	snprintf(out, n, "%s/%s", dir, name);
	for (int k = 1; access(out, F_OK) == 0 || errno != ENOENT; k++) {
		if (k > 100000)
			break;
		snprintf(out, n, "%s/%.*s-%d%s", dir, (int)stem, name, k, dot && dot != name ? dot : "");
	}
}

int inbox_settle(struct inbox *ib, const char *path, int ok, const char *error, char *final, size_t n)
{
	char dir[PATH_MAX], dst[PATH_MAX + 300];
	const char *name = path_basename(path);
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	if (ok)
		snprintf(dir, sizeof dir, "%s/%04d-%02d-%02d", ib->c->archive_dir, tm.tm_year + 1900, tm.tm_mon + 1,
			 tm.tm_mday);
	else
		str_copy(dir, sizeof dir, ib->c->quarantine_dir);
	if (mkdir_p(dir) != 0) {
		log_error("cannot create '%s': %s; '%s' stays in the inbox", dir, strerror(errno), path);
		return -1;
	}
	unique(dir, name, dst, sizeof dst);
	if (move_to(path, dst) != 0) {
		log_error("cannot move '%s' to '%s': %s", path, dst, strerror(errno));
		return -1;
	}
	str_copy(final, n, dst);
	if (!ok) {
		char txt[PATH_MAX + 400], when[64];
		struct buf b;
		struct dp_msg m;
		strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S %Z", &tm);
		snprintf(txt, sizeof txt, "%s.error.txt", dst);
		buf_init(&b, 0);
		buf_printf(&b,
			   "docpipe could not accept this file. / このファイルは受け付けられませんでした。\n\n"
			   "File / ファイル:   %s\n"
			   "When / 日時:       %s\n"
			   "Reason / 理由:     %s\n\n"
			   "What to do / 対処:\n"
			   "  Fix what the reason names (scan the paper again, export the file again, or ask\n"
			   "  the sender for a complete copy), then put the new file into the inbox:\n"
			   "    %s\n"
			   "  To try this very file again unchanged (after a fault was repaired), move it\n"
			   "  back into the inbox; this note can be deleted.\n"
			   "  理由に書かれた問題を直して（再スキャン、再出力、送り主への再送依頼など）、\n"
			   "  新しいファイルを受付フォルダに入れてください。\n",
			   name, when, error && *error ? error : "unknown", ib->dir);
		if (file_write(txt, b.data, b.len, &m) != DP_OK)
			log_error("%s", m.text);
		buf_release(&b);
	}
	return 0;
}
