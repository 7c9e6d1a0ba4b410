/* stage.c: the stage table and route helpers (see stage.h). Adding a stage:
 * write stages/NAME.c with a `const struct stage stage_NAME`, add a row here,
 * a [workers] key in src/conf.c, and name it in a route in stages/ingest.c. */
#include "stage.h"

#include <string.h>

#include "../src/util.h"

const struct stage *const stage_table[] = {
	&stage_ingest,
	&stage_preprocess,
	&stage_qr,
	&stage_ocr,
	&stage_validate,
	&stage_enrich,
	&stage_audio,
	&stage_asr,
	&stage_load,
	NULL,
};

const struct stage *stage_find(const char *name)
{
	int i = stage_index(name);
	return i < 0 ? NULL : stage_table[i];
}

int stage_index(const char *name)
{
	for (int i = 0; stage_table[i]; i++)
		if (!strcmp(stage_table[i]->name, name))
			return i;
	return -1;
}

int stage_count(void)
{
	int n = 0;
	while (stage_table[n])
		n++;
	return n;
}

int stage_route_check(const char *route, char *why, size_t n)
{
	char seen[JOB_ROUTE_MAX][JOB_NAME_MAX], last[JOB_NAME_MAX] = "";
	int k = 0;

	for (const char *p = route; *p;) {
		size_t l = strcspn(p, ",");
		char st[JOB_NAME_MAX];
		snprintf(st, sizeof st, "%.*s", (int)l, p);
		p += l + (p[l] == ',');
		if (!stage_find(st)) {
			snprintf(why, n, "no stage '%s' (stages: preprocess qr ocr validate enrich load audio asr)", st);
			return -1;
		}
		if (!strcmp(st, "ingest")) {
			snprintf(why, n, "ingest comes first by itself: name only the stages after it");
			return -1;
		}
		for (int i = 0; i < k; i++)
			if (!strcmp(seen[i], st)) {
				snprintf(why, n, "stage '%s' is named twice", st);
				return -1;
			}
		if (k + 1 >= JOB_ROUTE_MAX) {
			snprintf(why, n, "too many stages (at most %d)", JOB_ROUTE_MAX - 1);
			return -1;
		}
		snprintf(seen[k++], JOB_NAME_MAX, "%s", st);
		snprintf(last, sizeof last, "%s", st);
	}
	if (strcmp(last, "load")) {
		snprintf(why, n, "the route must end with load (it stores the document)");
		return -1;
	}
	return 0;
}

void stage_skip_to(struct job *j, const char *stage)
{
	for (int i = j->hop; i < j->nroute; i++)
		if (!strcmp(j->route[i], stage)) {
			/* the runtime advances hop by one after process() */
			j->hop = i - 1;
			return;
		}
	/* not on the route (a job rejected before ingest chose one): go there next */
	if (j->hop + 1 < JOB_ROUTE_MAX) {
		str_copy(j->route[j->hop + 1], JOB_NAME_MAX, stage);
		j->nroute = j->hop + 2;
	}
}
