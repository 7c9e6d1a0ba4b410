/* inputs.h: the files named on a command line: files as given, folders walked
 * recursively in name order, hidden entries (dot files) skipped. */
#ifndef DP_INPUTS_H
#define DP_INPUTS_H

#include <stddef.h>

struct inputs {
	char **paths;
	size_t n;
	size_t missing;   /* arguments that do not exist (reported on stderr) */
};

void inputs_collect(struct inputs *in, int argc, char **argv);
void inputs_release(struct inputs *in);

#endif
