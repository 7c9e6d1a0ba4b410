/* inbox.c: watching the inbox, settling files, archive and quarantine (see inbox.h). */
#include "inbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../lib/fname.h"
#include "../lib/log.h"
#include "../lib/util.h"

struct cand {
	char *name;
	long long size;
	long long mtime_ns;
	int64_t stable_since;
	int offered;          /* handed out; forgotten once it leaves the folder */
	int seen;             /* present in the latest scan */
	int failures;         /* moves that failed in a row (disk full, folder gone) */
	int64_t not_before;   /* offered again after a failed move from then on */
	struct cand *next;
};

struct inbox {
	const struct conf *c;
	char dir[PATH_MAX];
	char real[PATH_MAX];  /* the inbox's resolved path */
	int dfd;              /* the inbox folder: inputs are moved relative to it */
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
	if (mkdir_p(ib->dir) != 0 || !realpath(ib->dir, ib->real) ||
	    (ib->dfd = open(ib->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		free(ib);
		return dp_fail(m, DP_ERR_CONFIG, "cannot use the inbox folder '%s' ([watch] inbox): %s", c->inbox,
			       strerror(errno));
	}
	if (mkdir_as(c->archive_dir, CONF_DIR_MODE, c->files_gid) != 0 ||
	    mkdir_as(c->quarantine_dir, CONF_DIR_MODE, c->files_gid) != 0) {
		close(ib->dfd);
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
	close((*ib)->dfd);
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

		if (c->offered || now < c->not_before)
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

/* The fault hook of the tests (t068): 1 when DOCPIPE_FAULT=WHAT:N names
 * this step of settling an input ("mkdir" its folder, "write" its note,
 * "move" it) and fewer than N have failed so far; the caller then fails as
 * on a full disk. Read here only. */
static int fault(const char *what)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static int left = -1;
	const char *f = getenv("DOCPIPE_FAULT");
	size_t l = strlen(what);
	int hit = 0;

	if (!f || strncmp(f, what, l) || f[l] != ':')
		return 0;
	pthread_mutex_lock(&lock);
	if (left < 0)
		left = atoi(f + l + 1);
	if (left > 0) {
		left--;
		hit = 1;
	}
	pthread_mutex_unlock(&lock);
	return hit;
}

/* Make the moved file private: CONF_FILE_MODE, the clerks' group. Only a
 * regular file with one name: changing the mode of a hard link would
 * change its other name's too. Returns -1 when this process may not (the
 * file is a clerk's): then it is copied instead. */
static int make_private(const struct inbox *ib, int fd, const struct stat *st)
{
	if (!S_ISREG(st->st_mode) || st->st_nlink != 1)
		return 0;
	if (fchmod(fd, CONF_FILE_MODE) < 0)
		return -1;
	if (ib->c->files_gid >= 0 && st->st_gid != (gid_t)ib->c->files_gid &&
	    fchown(fd, (uid_t)-1, (gid_t)ib->c->files_gid) < 0)
		return -1;
	return 0;
}

/* Copy the open input to dst_dir/dst (a new file, O_EXCL, never through a
 * link), private, then remove the input's name. */
static int copy_in(const struct inbox *ib, int in, const char *name, int dst_dir, const char *dst)
{
	char buf[1 << 16];
	ssize_t r;
	int out = openat(dst_dir, dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, CONF_FILE_MODE);

	if (out < 0)
		return -1;
	if (fchmod(out, CONF_FILE_MODE) < 0 ||
	    (ib->c->files_gid >= 0 && fchown(out, (uid_t)-1, (gid_t)ib->c->files_gid) < 0) || lseek(in, 0, SEEK_SET) < 0)
		r = -1;
	else
		while ((r = read(in, buf, sizeof buf)) > 0)
			if (write(out, buf, (size_t)r) != r) {
				r = -1;
				break;
			}
	if (close(out) != 0 || r < 0) {
		int e = errno;
		unlinkat(dst_dir, dst, 0);
		errno = e;
		return -1;
	}
	return unlinkat(ib->dfd, name, 0);
}

/* Move inbox/name to dst_dir/dst (which must not exist: EEXIST otherwise).
 * A symbolic link or anything but a regular file is moved as it is, never
 * opened through; a regular file is made private first, or copied when it
 * cannot be (another owner) or lies on another file system. */
static int move_in(const struct inbox *ib, const char *name, int dst_dir, const char *dst)
{
	struct stat st;
	int fd, rc;

	if (fault("move")) {
		errno = ENOSPC;
		return -1;
	}
	fd = openat(ib->dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errno == ELOOP ? renameat2(ib->dfd, name, dst_dir, dst, RENAME_NOREPLACE) : -1;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return -1;
	}
	if (make_private(ib, fd, &st) < 0) {
		rc = copy_in(ib, fd, name, dst_dir, dst);
	} else {
		rc = renameat2(ib->dfd, name, dst_dir, dst, RENAME_NOREPLACE);
		/* never a copy of a hard link: its bytes are another name's */
		if (rc < 0 && errno == EXDEV && S_ISREG(st.st_mode) && st.st_nlink == 1)
			rc = copy_in(ib, fd, name, dst_dir, dst);
	}
	int e = errno;
	close(fd);
	errno = e;
	return rc;
}

/* name, or stem-K.ext for the K-th try */
static void candidate(const char *name, int k, char *out, size_t n)
{
	const char *dot = strrchr(name, '.');
	size_t stem = dot && dot != name ? (size_t)(dot - name) : strlen(name);

	if (!k)
		str_copy(out, n, name);
	else
		snprintf(out, n, "%.*s-%d%s", (int)stem, name, k, dot && dot != name ? dot : "");
}

/* A move that failed: offer the file again later (1 s, 2 s, ... 60 s). */
static void later(struct inbox *ib, const char *name)
{
	for (struct cand *c = ib->cands; c; c = c->next)
		if (!strcmp(c->name, name)) {
			int64_t wait_s = c->failures < 6 ? 1LL << c->failures : 60;
			c->failures++;
			c->offered = 0;
			c->not_before = now_us() + wait_s * 1000000;
		}
}

/* NAME.error.txt beside the quarantined dir/dst */
static int write_note(const struct inbox *ib, const char *dir, const char *dst, const char *name, const char *error,
		      const char *code, const struct tm *tm)
{
	char txt[PATH_MAX + 300], when[64], shown[PATH_MAX];
	struct buf b;
	struct dp_msg m;
	enum dp_err e;

	fname_display(name, shown, sizeof shown);
	strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S %Z", tm);
	snprintf(txt, sizeof txt, "%s/%s.error.txt", dir, dst);
	buf_init(&b, 0);
	buf_printf(&b,
		   "docpipe could not accept this file. / このファイルは受け付けられませんでした。\n\n"
		   "File / ファイル:   %s\n"
		   "When / 日時:       %s\n"
		   "Reason / 理由:     %s\n"
		   "Code / コード:     %s\n\n"
		   "What to do / 対処:\n"
		   "  Fix what the reason names (scan the paper again, export the file again, or ask\n"
		   "  the sender for a complete copy), then put the new file into the inbox:\n"
		   "    %s\n"
		   "  To try this very file again unchanged (after a fault was repaired), move it\n"
		   "  back into the inbox; this note can be deleted.\n"
		   "  理由に書かれた問題を直して（再スキャン、再出力、送り主への再送依頼など）、\n"
		   "  新しいファイルを受付フォルダに入れてください。\n",
		   shown, when, error && *error ? error : "unknown", code && *code ? code : "-", ib->dir);
	if (fault("write"))
		e = dp_fail(&m, DP_ERR_IO, "cannot write '%s': %s", txt, strerror(ENOSPC));
	else
		e = file_write_as(txt, b.data, b.len, CONF_FILE_MODE, ib->c->files_gid, &m);
	buf_release(&b);
	if (e)
		log_error("%s", m.text);
	return e ? -1 : 0;
}

int inbox_settle(struct inbox *ib, const char *path, int ok, const char *error, const char *code, char *final,
		 size_t n)
{
	char dir[PATH_MAX], dst[NAME_MAX + 32], note[NAME_MAX + 64], kv[2048] = "";
	const char *name = path_basename(path);
	time_t now = time(NULL);
	struct tm tm;
	int dfd, made, rc = -1, err = 0;
	const char *what = "cannot move the input: it stays in the inbox and is tried again";

	localtime_r(&now, &tm);
	if (ok)
		snprintf(dir, sizeof dir, "%s/%04d-%02d-%02d", ib->c->archive_dir, tm.tm_year + 1900, tm.tm_mon + 1,
			 tm.tm_mday);
	else
		str_copy(dir, sizeof dir, ib->c->quarantine_dir);
	log_kv(kv, sizeof kv, "file", path);
	log_kv(kv, sizeof kv, "to", dir);
	/* a folder removed while docpipe runs is made again */
	made = fault("mkdir") ? (errno = ENOSPC, -1) : mkdir_as(dir, CONF_DIR_MODE, ib->c->files_gid);
	if (made != 0 || (dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		log_kv(kv, sizeof kv, "error", strerror(errno));
		log_line(LOG_ERROR, "cannot make the folder: the input stays in the inbox and is tried again", kv);
		later(ib, name);
		return -1;
	}
	for (int k = 0; k < 100000; k++) {
		candidate(name, k, dst, sizeof dst);
		snprintf(note, sizeof note, "%s.error.txt", dst);
		if (faccessat(dfd, dst, F_OK, AT_SYMLINK_NOFOLLOW) == 0 ||
		    (!ok && faccessat(dfd, note, F_OK, AT_SYMLINK_NOFOLLOW) == 0))
			continue;
		/* the note first: an input never sits in quarantine without one */
		if (!ok && write_note(ib, dir, dst, name, error, code, &tm) != 0) {
			what = "cannot write the note: the input stays in the inbox and is tried again";
			break;
		}
		rc = move_in(ib, name, dfd, dst);
		err = errno;
		if (rc != 0 && !ok)
			unlinkat(dfd, note, 0);
		if (rc == 0 || err != EEXIST)
			break;
	}
	if (rc != 0) {
		if (err)
			log_kv(kv, sizeof kv, "error", strerror(err));
		log_line(LOG_ERROR, what, kv);
		later(ib, name);
	} else {
		snprintf(final, n, "%s/%s", dir, dst);
		for (struct cand *c = ib->cands; c; c = c->next)
			if (!strcmp(c->name, name))
				c->failures = 0;
	}
	close(dfd);
	return rc;
}
