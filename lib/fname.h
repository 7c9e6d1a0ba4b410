/* fname.h: file names as the file system holds them (bytes, any encoding)
 * and as people read them (UTF-8).
 *
 * Names from Windows shares and old scanners are often Shift_JIS (CP932),
 * not UTF-8. docpipe keeps such a name losslessly (the bytes: moved as they
 * are, stored in bytea columns) and shows its display form everywhere text
 * is needed (the log, text columns, JSON, notes): each path component that is
 * valid UTF-8 unchanged, else decoded as CP932 when it is valid CP932
 * (iconv), else with every byte that is not part of valid UTF-8 written as
 * \xNN. */
#ifndef DP_FNAME_H
#define DP_FNAME_H

#include <stddef.h>

/* Fill out (size n, always NUL-terminated, never a split UTF-8 sequence)
 * with the display form of raw. Returns 0 when raw is valid UTF-8 (out is
 * a copy), 1 when it was decoded or escaped. */
int fname_display(const char *raw, char *out, size_t n);
/* The bytes of raw as PostgreSQL's bytea input "\x4142..."; caller frees. */
char *fname_bytea(const char *raw);
/* The bytes a hex string (as encode(..., 'hex') gives) stands for, NUL-
 * terminated; NULL when hex is not an even run of hex digits or holds a
 * NUL byte. Caller frees. */
char *fname_unhex(const char *hex);

#endif
