/* pdf.c: PDF pages through pdfinfo and pdftoppm (see pdf.h). The tools run
 * without a shell, with a time limit, in a folder removed afterwards. */
#include "pdf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

#define PDF_DPI 300
#define PDF_TOOL_SECONDS 120

/* Run argv with stdout to out_path (or /dev/null); returns the exit status, -1 on failure or timeout. */
static int run_tool(char *const argv[], const char *out_path)
{
	pid_t pid = fork();
	int status = 0;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open(out_path ? out_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int nul = open("/dev/null", O_RDWR);
		if (fd >= 0)
			dup2(fd, 1);
		if (nul >= 0) {
			dup2(nul, 0);
			dup2(nul, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	for (int waited = 0; waited < PDF_TOOL_SECONDS * 20; waited++) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		if (r < 0 && errno != EINTR)
			return -1;
		usleep(50000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[4096];

	if (d) {
		while ((e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
				snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
				unlink(p);
			}
		closedir(d);
	}
	rmdir(dir);
}

static int cmpstr(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	size_t lx = strlen(x), ly = strlen(y);
	return lx != ly ? (lx < ly ? -1 : 1) : strcmp(x, y);
}

enum dp_err pdf_pages(struct job *j, const void *data, size_t len, const struct conf *c, const char *name,
		      pdf_page_fn add, struct dp_msg *m)
{
	char dir[] = "/tmp/docpipe-pdf-XXXXXX";
	char in[128], info[128], prefix[128], res[16], last[16];
	char *text = NULL, **pages = NULL;
	size_t npages = 0, tlen;
	int count = 0;
	double pw = 0, ph = 0;
	enum dp_err e = DP_OK;
	DIR *d;
	struct dirent *de;

	if (!mkdtemp(dir))
		return dp_fail(m, DP_ERR_IO, "'%s': cannot create a temporary folder: %s", name, strerror(errno));
	snprintf(in, sizeof in, "%s/in.pdf", dir);
	snprintf(info, sizeof info, "%s/info.txt", dir);
	snprintf(prefix, sizeof prefix, "%s/p", dir);
	e = file_write(in, data, len, m);
	if (e)
		goto out;
	{
		char *argv[] = { "pdfinfo", in, NULL };
		if (run_tool(argv, info) != 0) {
			e = dp_refuse(m, DP_ERR_CORRUPT, DP_REASON_DAMAGED, "'%s' is a damaged PDF (pdfinfo cannot read it)", name);
			goto out;
		}
	}
	e = file_read(info, &text, &tlen, 1 << 20, m);
	if (e)
		goto out;
	{
		char *p = strstr(text, "Pages:");
		if (p)
			count = atoi(p + 6);
		p = strstr(text, "Page size:");
		if (p)
			sscanf(p + 10, "%lf x %lf", &pw, &ph);
	}
	if (count < 1) {
		e = dp_refuse(m, DP_ERR_CORRUPT, DP_REASON_DAMAGED, "'%s' is a PDF without pages", name);
		goto out;
	}
	if (count > c->max_pages) {
		e = dp_refuse(m, DP_ERR_LIMIT, DP_REASON_TOO_MANY_PAGES, "'%s' has %d pages, more than the limit of %d ([limits] max_pages)", name,
			    count, c->max_pages);
		goto out;
	}
	if (pw * ph * PDF_DPI * PDF_DPI / (72.0 * 72.0) > (double)c->max_pixels) {
		e = dp_refuse(m, DP_ERR_LIMIT, DP_REASON_DECOMPRESSION_BOMB, "'%s': a %.0fx%.0f pt page at %d dpi exceeds [limits] max_pixels", name, pw,
			    ph, PDF_DPI);
		goto out;
	}
	snprintf(res, sizeof res, "%d", PDF_DPI);
	snprintf(last, sizeof last, "%d", count);
	{
		char *argv[] = { "pdftoppm", "-r", res, "-gray", "-png", "-l", last, in, prefix, NULL };
		if (run_tool(argv, NULL) != 0) {
			e = dp_fail(m, DP_ERR_CORRUPT, "'%s': pdftoppm could not render its pages (damaged PDF?)", name);
			goto out;
		}
	}
	d = opendir(dir);
	if (!d) {
		e = dp_fail(m, DP_ERR_IO, "'%s': cannot list rendered pages", name);
		goto out;
	}
	while ((de = readdir(d)))
		if (str_starts(de->d_name, "p-") && strstr(de->d_name, ".png")) {
			pages = xrealloc(pages, (npages + 1) * sizeof *pages);
			pages[npages++] = xstrdup(de->d_name);
		}
	closedir(d);
	qsort(pages, npages, sizeof *pages, cmpstr);
	for (size_t i = 0; i < npages && !e; i++) {
		char p[256];
		PIX *pix;
		snprintf(p, sizeof p, "%s/%s", dir, pages[i]);
		pix = pixRead(p);
		if (!pix) {
			e = dp_fail(m, DP_ERR_CORRUPT, "page %zu of '%s' could not be rendered", i + 1, name);
			break;
		}
		pixSetResolution(pix, PDF_DPI, PDF_DPI);
		e = add(j, pix, (int)i + 1, c, name, m);
		pixDestroy(&pix);
	}
	if (!e && npages == 0)
		e = dp_fail(m, DP_ERR_CORRUPT, "'%s': no page could be rendered", name);
	if (!e)
		j->page_count = (int)npages;
out:
	for (size_t i = 0; i < npages; i++)
		free(pages[i]);
	free(pages);
	free(text);
	remove_dir(dir);
	return e;
}
