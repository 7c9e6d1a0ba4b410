/* man.h: the manual pages, written from the tables the program itself uses,
 * so that they cannot drift from it: docpipe(1) from cli.c's command table
 * and exit statuses, docpipe.conf(5) from lib/conf.c's directive table, with
 * each key's description taken from the comments above it in the commented
 * example configuration (the shipped pipeline.conf). The Makefile writes
 * them to build/man/ with `docpipe help --man` and `docpipe config --man`. */
#ifndef DP_MAN_H
#define DP_MAN_H

#include <stdio.h>

/* docpipe(1) in roff. */
void man_cli(FILE *out);

/* docpipe.conf(5) in roff; example: the commented configuration to take the
 * keys' descriptions from, or NULL. Returns 0, or prints why and returns -1. */
int man_conf(FILE *out, const char *example);

#endif
