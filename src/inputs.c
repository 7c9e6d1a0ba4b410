/* inputs.c: expanding command-line paths into files (see inputs.h). */
#include "inputs.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../lib/util.h"

static void add(struct inputs *in, const char *p)
{
	in->paths = xrealloc(in->paths, (in->n + 1) * sizeof *in->paths);
	in->paths[in->n++] = xstrdup(p);
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void walk(struct inputs *in, const char *dir, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;

	if (!d) {
		fprintf(stderr, "docpipe: cannot open folder '%s': %s\n", dir, strerror(errno));
		in->missing++;
		return;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		names = xrealloc(names, (n + 1) * sizeof *names);
		names[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof *names, cmp);
	for (size_t i = 0; i < n; i++) {
		char p[4096];
		struct stat st;
		snprintf(p, sizeof p, "%s/%s", dir, names[i]);
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			if (depth < 32)
				walk(in, p, depth + 1);
		} else {
			add(in, p);
		}
		free(names[i]);
	}
	free(names);
}

void inputs_collect(struct inputs *in, int argc, char **argv)
{
	memset(in, 0, sizeof *in);
	for (int i = 0; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "docpipe: '%s': %s\n", argv[i], strerror(errno));
			in->missing++;
			continue;
		}
		if (S_ISDIR(st.st_mode))
			walk(in, argv[i], 0);
		else
			add(in, argv[i]);
	}
}

void inputs_release(struct inputs *in)
{
	for (size_t i = 0; i < in->n; i++)
		free(in->paths[i]);
	free(in->paths);
	memset(in, 0, sizeof *in);
}
