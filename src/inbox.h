/* inbox.h: the clerks' watched folder.
 *
 * inbox_open() watches [watch] inbox with inotify (close-write, moved-to,
 * create, attribute changes) or, with [watch] poll = yes, by rescanning
 * (SMB/NFS shares, where inotify misses changes); a full rescan also runs
 * every [watch] rescan_seconds to catch what events missed. A file is
 * offered by inbox_next() only once it is complete: its size and modification
 * time unchanged for [watch] settle_ms. Hidden files (.name), editors' and
 * copiers' temporary files (~, .tmp, .part, .crdownload, .swp, ~$name) and
 * folders are ignored. inbox_settle() moves an input after its outcome:
 * archive/YYYY-MM-DD/NAME when its document is committed or was already
 * stored, quarantine/NAME plus NAME.error.txt (why, in plain words, its
 * code, and what to do) otherwise; an existing name gets a -1, -2, ...
 * suffix. The move is relative to the inbox folder and never follows a
 * link; folders it makes are 0750, the moved file and the note 0640, in
 * [files] group (a file this process may not chmod is copied). */
#ifndef DP_INBOX_H
#define DP_INBOX_H

#include <stddef.h>

#include "../lib/conf.h"
#include "../lib/err.h"

struct inbox;

enum dp_err inbox_open(struct inbox **ib, const struct conf *c, struct dp_msg *m);
void inbox_close(struct inbox **ib);
/* Wait up to timeout_ms for events, update what is settling; then fill path
 * (size n) with a complete file and return 1, or return 0. A file offered
 * is not offered again unless it reappears. skip(path) lets the caller veto
 * files it is already processing. */
int inbox_next(struct inbox *ib, int timeout_ms, int (*skip)(const char *path, void *user), void *user, char *path,
	       size_t n);
/* ok: archive; otherwise quarantine with a note naming error and code (the
 * rejection's, or NULL). final receives the new path. When the folder
 * cannot be made or the move fails (disk full, folder removed), the input
 * stays in the inbox, an error is logged and inbox_next() offers it again
 * after 1, 2, 4 ... 60 s; returns -1 then. */
int inbox_settle(struct inbox *ib, const char *path, int ok, const char *error, const char *code, char *final,
		 size_t n);

#endif
