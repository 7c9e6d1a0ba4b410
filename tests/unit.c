/* unit.c: in-process tests of the pure modules: the job envelope, the
 * configuration parser, format sniffing and text tidying. Run by `make unit`.
 * Each check prints what failed; the exit status is the number of failures. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/conf.h"
#include "../src/job.h"
#include "../src/sniff.h"
#include "../src/tess.h"
#include "../src/log.h"
#include "../src/util.h"

static int failures, checks;

#define CHECK(cond)                                                                  \
	do {                                                                         \
		checks++;                                                            \
		if (!(cond)) {                                                       \
			failures++;                                                  \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		}                                                                    \
	} while (0)

static void test_envelope(void)
{
	struct job *j = job_new(), *k = NULL;
	struct dp_msg m;
	size_t len;
	char *hdr;

	strcpy(j->id, "ab12");
	job_set_str(&j->source, "scan\twith\ttabs\nand newline \\ 申請書.png");
	strcpy(j->kind, "scan");
	job_set_route(j, "ingest,preprocess,ocr,load");
	j->hop = 2;
	j->page_count = 3;
	job_set_str(&j->full_text, "行1\n行2\f");
	job_add_field(j, 1, "氏名", "山田太郎", "山田 太郎", 91.5, 0, "ocr");
	job_add_issue(j, "合計", "fee_total", "error", "合計が一致しません", "total does not match");
	struct job_run *r = job_add_run(j, "ocr");
	r->started_us = 1700000000000000LL;
	r->finished_us = r->started_us + 1234;
	job_add_segment(j, 0, 0, 1500, 0.8, "hello world");
	job_set_attr(j, "qr", "name=x\ntel=1");
	job_add_frame(j, "page", xstrdup("abcd"), 4)->width = 2;

	hdr = job_encode(j, &len);
	CHECK(job_decode(hdr, len, &k, &m) == DP_OK);
	if (k) {
		CHECK(!strcmp(k->source, j->source));
		CHECK(k->nroute == 4 && k->hop == 2 && !strcmp(k->route[3], "load"));
		CHECK(!strcmp(k->full_text, "行1\n行2\f"));
		CHECK(k->nfields == 1 && !strcmp(k->fields[0].raw, "山田 太郎") && k->fields[0].conf > 91.4);
		CHECK(k->nissues == 1 && !strcmp(k->issues[0].msg_en, "total does not match"));
		CHECK(k->nruns == 1 && k->runs[0].finished_us - k->runs[0].started_us == 1234);
		CHECK(k->nsegs == 1 && k->segs[0].end_ms == 1500);
		CHECK(!strcmp(job_attr(k, "qr"), "name=x\ntel=1"));
		CHECK(k->nframes == 1 && k->frames[0].len == 4 && k->frames[0].width == 2 && !k->frames[0].data);
	}
	job_free(&k);
	CHECK(k == NULL);

	/* malformed headers are refused, never crash */
	CHECK(job_decode("XX", 2, &k, &m) != DP_OK);
	CHECK(job_decode("DP1\nH\tonly\n", 11, &k, &m) != DP_OK);
	CHECK(job_decode("DP1\nQ\tx\n", 8, &k, &m) != DP_OK);
	const char *badhop = "DP1\nH\tid\ts\tscan\tpng\t\t\t1\t0\t\t\t0\t0\t0\t7\n";
	CHECK(job_decode(badhop, strlen(badhop), &k, &m) != DP_OK);
	const char *badesc = "DP1\nH\tid\ts\\q\tscan\tpng\t\t\t1\t0\t\t\t0\t0\t0\t0\n";
	CHECK(job_decode(badesc, strlen(badesc), &k, &m) != DP_OK);
	/* every truncation of a valid header is either valid or refused */
	for (size_t cut = 0; cut < len; cut++) {
		if (job_decode(hdr, cut, &k, &m) == DP_OK)
			job_free(&k);
	}
	free(hdr);
	job_free(&j);
}

static void test_conf(void)
{
	struct conf c;
	struct dp_msg m;

	conf_defaults(&c, "/base");
	CHECK(c.workers_ocr == 2);
	CHECK(!strcmp(c.forms_dir, "/base/models/forms"));
	CHECK(conf_parse(&c, "t.conf", "[workers]\nocr = 4 # four\n[ocr]\nfull_text = never\n", "/x", &m) == DP_OK);
	CHECK(c.workers_ocr == 4 && !strcmp(c.full_text, "never"));
	CHECK(conf_parse(&c, "t.conf", "[workers]\n\nocrr = 4\n", "/x", &m) == DP_ERR_CONFIG);
	CHECK(strstr(m.text, "t.conf:3:") && strstr(m.text, "ocrr"));
	CHECK(conf_parse(&c, "t.conf", "[nosuch]\n", "/x", &m) == DP_ERR_CONFIG);
	CHECK(strstr(m.text, "t.conf:1:"));
	CHECK(conf_parse(&c, "t.conf", "[workers]\nocr = 1000\n", "/x", &m) == DP_ERR_CONFIG);
	CHECK(strstr(m.text, "out of range"));
	CHECK(conf_parse(&c, "t.conf", "[workers]\nocr = two\n", "/x", &m) == DP_ERR_CONFIG);
	CHECK(conf_parse(&c, "t.conf", "[pipeline]\ntransport = udp\n", "/x", &m) == DP_ERR_CONFIG);
	CHECK(strstr(m.text, "inproc|tcp"));
	CHECK(conf_parse(&c, "t.conf", "ocr = 1\n", "/x", &m) == DP_ERR_CONFIG);
	CHECK(conf_parse(&c, "t.conf", "[forms]\ndir = forms\n", "/etc/dp", &m) == DP_OK);
	CHECK(!strcmp(c.forms_dir, "/etc/dp/forms"));
	CHECK(conf_parse(&c, "t.conf", "[watch]\npoll = maybe\n", "/x", &m) == DP_ERR_CONFIG);
}

static void test_sniff(void)
{
	CHECK(!strcmp(sniff("\x89PNG\r\n\x1a\n....", 12).format, "png"));
	CHECK(!strcmp(sniff("\xff\xd8\xff\xe0", 4).format, "jpeg"));
	CHECK(!strcmp(sniff("II*\0xxxx", 8).format, "tiff"));
	CHECK(!strcmp(sniff("MM\0*xxxx", 8).format, "tiff"));
	CHECK(!strcmp(sniff("%PDF-1.4", 8).format, "pdf"));
	CHECK(sniff("RIFF\0\0\0\0WAVEfmt ", 16).kind == SNIFF_AUDIO);
	CHECK(!strcmp(sniff("fLaC\0\0\0\"", 8).format, "flac"));
	CHECK(!strcmp(sniff("OggS\0\2", 6).format, "ogg"));
	CHECK(sniff("hello world", 11).kind == SNIFF_UNKNOWN);
	CHECK(sniff("", 0).kind == SNIFF_UNKNOWN);
	CHECK(sniff("RIFF", 4).kind == SNIFF_UNKNOWN);
}

static void test_tidy(void)
{
	char *t = tess_tidy("山 田 太 郎  \n\n Budget  committee \n東京 都 2020 年\n");
	CHECK(!strcmp(t, "山田太郎\nBudget committee\n東京都 2020 年"));
	free(t);
}

static void test_log_kv(void)
{
	char b[200] = "";
	log_kv(b, sizeof b, "file", "a b\"c");
	CHECK(!strcmp(b, "file=\"a b\\\"c\""));
}

int main(void)
{
	test_envelope();
	test_conf();
	test_sniff();
	test_tidy();
	test_log_kv();
	printf("unit: %d checks, %d failures\n", checks, failures);
	return failures ? 1 : 0;
}
