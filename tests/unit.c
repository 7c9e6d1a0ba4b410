/* unit.c: in-process tests of the pure modules: the job envelope, the
 * configuration parser, format sniffing and text tidying. Run by `make unit`.
 * Each check prints what failed; the exit status is the number of failures. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <qrencode.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../src/chunks.h"
#include "../src/curve.h"
#include "../lib/conf.h"
#include "../lib/crop.h"
#include "../lib/denoise.h"
#include "../lib/expr.h"
#include "../lib/fees.h"
#include "../lib/forms.h"
#include "../lib/fuzzy.h"
#include "../lib/grants.h"
#include "../lib/identity.h"
#include "../lib/image.h"
#include "../lib/ini.h"
#include "../lib/json.h"
#include "../lib/lexicon.h"
#include "../lib/normalize.h"
#include "../lib/job.h"
#include "../lib/sniff.h"
#include "../lib/tess.h"
#include "../lib/log.h"
#include "../lib/qrfind.h"
#include "../lib/receipt.h"
#include "../src/report.h"
#include "../src/review_media.h"
#include "../lib/status.h"
#include "../lib/util.h"
#include "../stages/stage.h"

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
	const char *badhop = "DP1\nH\tid\ts\tscan\tpng\t\t\t1\t0\t\t\t0\t0\t0\t7\t\n";
	CHECK(job_decode(badhop, strlen(badhop), &k, &m) != DP_OK);
	const char *badesc = "DP1\nH\tid\ts\\q\tscan\tpng\t\t\t1\t0\t\t\t0\t0\t0\t0\t\n";
	CHECK(job_decode(badesc, strlen(badesc), &k, &m) != DP_OK);
	/* every truncation of a valid header: refused with a code and a message,
	 * no job handed out. The format has no end record, so a cut just after a
	 * complete record (once H and enough route lines for the hop are in) is a
	 * shorter valid header: accepted only there, and then it must hold
	 * exactly the records before the cut (it re-encodes to the prefix). */
	{
		int refused = 0, accepted = 0, boundaries = 0;
		for (size_t cut = 0; cut < len; cut++) {
			enum dp_err e;
			k = (struct job *)&m; /* not NULL: job_decode must clear it */
			m.text[0] = '\0';
			e = job_decode(hdr, cut, &k, &m);
			boundaries += cut > 0 && hdr[cut - 1] == '\n';
			if (e != DP_OK) {
				refused++;
				CHECK((e == DP_ERR_CORRUPT || e == DP_ERR_LIMIT) && m.text[0] && k == NULL);
				continue;
			}
			accepted++;
			CHECK(cut > 0 && hdr[cut - 1] == '\n' && k != NULL);
			if (k) {
				size_t rlen;
				char *again = job_encode(k, &rlen);
				CHECK(rlen == cut && !memcmp(again, hdr, cut));
				free(again);
				job_free(&k);
			}
		}
		/* hop 2 needs two route records: the line ends of DP1, H and the first
		 * route record are never accepted, every cut inside a line is refused */
		CHECK(accepted <= boundaries - 3 && refused + accepted == (int)len);
		CHECK(refused >= (int)len - boundaries);
	}
	free(hdr);
	job_free(&j);
}

/* conf_parse, then what the runtime checks against the stage table */
static enum dp_err conf_parse_checked(struct conf *c, const char *text, struct dp_msg *m)
{
	char why[sizeof m->text];
	enum dp_err e = conf_parse(c, "t.conf", text, "/x", m);

	if (e == DP_OK && stage_conf_check(c, why, sizeof why)) {
		str_copy(m->text, sizeof m->text, why);
		return DP_ERR_CONFIG;
	}
	return e;
}

static void test_conf(void)
{
	struct conf c;
	struct dp_msg m;

	conf_defaults(&c, "/base");
	CHECK(stage_workers(stage_find("ocr"), &c) == 2);
	CHECK(!strcmp(c.forms_dir, "/base/models/forms"));
	CHECK(conf_parse_checked(&c, "[workers]\nocr = 4 # four\n[ocr]\nfull_text = never\n", &m) == DP_OK);
	CHECK(stage_workers(stage_find("ocr"), &c) == 4 && !strcmp(c.full_text, "never"));
	CHECK(conf_parse_checked(&c, "[workers]\n\nocrr = 4\n", &m) == DP_ERR_CONFIG);
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

static void norm_ok(int (*fn)(const char *, char *, size_t), const char *in, const char *want, int want_rc,
		    int line)
{
	char out[256];
	int rc = fn(in, out, sizeof out);
	checks++;
	if (rc != want_rc || (want && strcmp(out, want))) {
		failures++;
		fprintf(stderr, "unit.c:%d: normalising '%s' gave '%s' (rc %d), want '%s' (rc %d)\n", line, in, out, rc,
			want ? want : "", want_rc);
	}
}
#define NORM(fn, in, want, rc) norm_ok(fn, in, want, rc, __LINE__)

static void test_normalize(void)
{
	NORM(norm_date, "令和2年4月15日", "2020-04-15", 0);
	NORM(norm_date, "R2.4.15", "2020-04-15", 0);
	NORM(norm_date, "令和元年5月1日", "2019-05-01", 0);
	NORM(norm_date, "平成元年3月3日", "1989-03-03", 0);
	NORM(norm_date, "H1.3.3", "1989-03-03", 0);
	NORM(norm_date, "昭和60年1月5日", "1985-01-05", 0);
	NORM(norm_date, "２０２４年４月１５日", "2024-04-15", 0);
	NORM(norm_date, "2024-04-15", "2024-04-15", 0);
	NORM(norm_date, "2024/4/5", "2024-04-05", 0);
	NORM(norm_date, "令和6年13月40日", NULL, -1);
	NORM(norm_date, "2023-02-29", NULL, -1);
	NORM(norm_date, "2024-02-29", "2024-02-29", 0);
	NORM(norm_date, "平成32年1月1日", NULL, -1); /* 平成 ended in its 31st year */
	NORM(norm_date, "令和元年4月30日", NULL, -1); /* the day before 令和 began */
	NORM(norm_date, "", "", 0);
	NORM(norm_yen, "¥12,000", "12000", 0);
	NORM(norm_yen, "12,000円", "12000", 0);
	NORM(norm_yen, "１２，０００円", "12000", 0);
	NORM(norm_yen, "￥700", "700", 0);
	NORM(norm_yen, "0", "0", 0);
	NORM(norm_yen, "12a00", NULL, -1);
	NORM(norm_postal, "〒160-0023", "160-0023", 0);
	NORM(norm_postal, "1600023", "160-0023", 0);
	NORM(norm_postal, "１６０ー００２３", "160-0023", 0);
	NORM(norm_postal, "16-00234", NULL, -1);
	NORM(norm_phone, "03-5321-1111", "03-5321-1111", 0);
	NORM(norm_phone, "(03)5321-1111", "03-5321-1111", 0);
	NORM(norm_phone, "０９０ー１２３４ー５６７８", "090-1234-5678", 0);
	NORM(norm_phone, "075-43-6914", NULL, -1); /* 9 digits */
	NORM(norm_email, "Info@Example.JP", "info@example.jp", 0);
	NORM(norm_email, "info.example.jp", NULL, -1);
	NORM(norm_digits, "１２３ ４５", "12345", 0);
	NORM(norm_digits, "12a45", NULL, -1);
	NORM(norm_text, "山田 太郎", "山田太郎", 0);
	NORM(norm_text, "ＡＢＣ商事", "ABC商事", 0);
	NORM(norm_text, "DX—-—B2", "DX-B2", 0);
	NORM(norm_text, "データーセンター", "データーセンター", 0);
	NORM(norm_text, "東大通 2 一 4 一 1 0", "東大通2-4-10", 0); /* spaces around a dash read as 一 */
	NORM(norm_text, "東大通2一4一10", "東大通2-4-10", 0);
	NORM(norm_text, "第2 一般", "第2一般", 0); /* 一 before a kanji stays */
	/* 法人番号: check digit computed here independently: 9 - (sum of digits times 1,2 from the right) mod 9 */
	CHECK(corporate_number_valid("7000012050002")); /* published example (国税庁) */
	CHECK(!corporate_number_valid("8000012050002"));
	CHECK(!corporate_number_valid("1000012050002")); /* a wrong check digit 1 too */
	CHECK(!corporate_number_valid("700001205000"));
	CHECK(!corporate_number_valid("70000120500a2"));
}

static long long v_fee = 1400, v_postage = 84, v_total = 1484;
static int lookup(const char *name, long long *v, void *user)
{
	(void)user;
	if (!strcmp(name, "fee")) { *v = v_fee; return 0; }
	if (!strcmp(name, "postage")) { *v = v_postage; return 0; }
	if (!strcmp(name, "total")) { *v = v_total; return 0; }
	return -1;
}

static void test_expr(void)
{
	struct dp_msg m;
	char names[8][64];
	double l, r;

	CHECK(expr_check_rule("total = fee + postage", &m) == 0);
	CHECK(expr_check_rule("amount <= cost * 2 / 3", &m) == 0);
	CHECK(expr_check_rule("total = fee +", &m) != 0);
	CHECK(expr_check_rule("total fee", &m) != 0);
	CHECK(expr_check_rule("(a = b", &m) != 0);
	CHECK(expr_check_rule("amount <= cost / rate * 2", &m) == 0); /* found by fuzz_expr */
	{
		char deep[400];
		memset(deep, '(', 200);
		strcpy(deep + 200, "a = b");
		CHECK(expr_check_rule(deep, &m) != 0 && strstr(m.text, "deeply"));
	}
	CHECK(expr_names("total = fee + postage", names, 8) == 3 && !strcmp(names[2], "postage"));
	CHECK(expr_eval_rule("total = fee + postage", lookup, NULL, &l, &r) == 1);
	v_total = 1500;
	CHECK(expr_eval_rule("total = fee + postage", lookup, NULL, &l, &r) == 0 && l == 1500 && r == 1484);
	CHECK(expr_eval_rule("total = fee + unknown", lookup, NULL, &l, &r) == -1);
	CHECK(expr_eval_rule("fee * 2 / 3 >= 933", lookup, NULL, &l, &r) == 1);
	CHECK(expr_eval_rule("fee * 2 / 3 >= 934", lookup, NULL, &l, &r) == 0);
}

static void test_forms(void)
{
	struct form f;
	struct dp_msg m;
	const char *good = "[form]\nid = t1\nname = 試験\nprocedure = P9\npage = A4\nmatch = 試験申請書\n"
			   "title_box = 10 10 100 10\n[field a]\nbox = 10 30 50 10\ntype = yen\nrequired = yes\n"
			   "[field b]\ntype = choice\noption = X @ 10 50 5 5\noption = Y @ 30 50 5 5\n"
			   "[check]\nrule = a = 100\n";
	CHECK(forms_parse(&f, "t.form", good, &m) == DP_OK);
	CHECK(f.nfields == 2 && f.fields[0].type == field_type_find("yen") && f.fields[0].required && f.fields[1].nopts == 2);
	free(f.fields);
	CHECK(forms_parse(&f, "t.form", "[form]\nid = t1\nmatch = 試験申請書\ntitle_box = 1 1 10 5\n[field a]\nbox = 1 1 5\n", &m));
	CHECK(strstr(m.text, "t.form:6:") != NULL);
	free(f.fields);
	CHECK(forms_parse(&f, "t.form", "[form]\nid = t1\nmatch = 試験申請書\ntitle_box = 1 1 10 5\n[field a]\nbox = 1 1 5 5\ntype = money\n", &m));
	CHECK(strstr(m.text, "t.form:7: unknown type 'money'") != NULL);
	free(f.fields);
	CHECK(forms_parse(&f, "t.form", "[form]\nid = t1\nmatch = 試験申請書\ntitle_box = 1 1 10 5\n[field a]\nbox = 300 1 5 5\n", &m));
	CHECK(strstr(m.text, "outside") != NULL);
	free(f.fields);
	CHECK(forms_parse(&f, "t.form", "[form]\nid = t1\nmatch = 試験申請書\ntitle_box = 1 1 10 5\n[field a]\nbox = 1 1 5 5\n[check]\nrule = a = zz\n", &m));
	CHECK(strstr(m.text, "'zz'") != NULL);
	free(f.fields);
	CHECK(forms_parse(&f, "t.form", "[form]\nid = t1\ntitle_box = 1 1 10 5\n", &m));
	CHECK(strstr(m.text, "match") != NULL);
	free(f.fields);
	CHECK(forms_parse(&f, "t.form", "[form]\nid = t1\nmatch = 申請書\ntitle_box = 1 1 10 5\n", &m));
	CHECK(strstr(m.text, "t.form:3: match '申請書' is too short") != NULL);
	free(f.fields);
	/* the syntax every models/ file shares: ';' notes, a note after a value */
	CHECK(forms_parse(&f, "t.form", "; n\n[ form ]\nid = t1  # note\nmatch = 試験申請書 # note\ntitle_box = 1 1 10 5\n"
			  "[field a]\nbox = 1 1 5 5\nrequired = yes  # must\n", &m) == DP_OK);
	CHECK(!strcmp(f.id, "t1") && !strcmp(f.match[0], "試験申請書") && f.nfields == 1 && f.fields[0].required);
	free(f.fields);
	CHECK(forms_parse(&f, "t.form", "[form]\nid = t1\n[check\n", &m) == DP_ERR_CONFIG);
	CHECK(!strcmp(m.text, "t.form:3: a section header looks like [name]"));
	free(f.fields);
}

/* lib/json.c: the writer's output is always valid JSON and valid UTF-8 */
static void test_json(void)
{
	struct buf b;
	char *v = NULL;

	buf_init(&b, 0);
	CHECK(json_str(&b, "a\"b\\c\n\t<&>\x01") == 0);
	CHECK(b.data && !strcmp(b.data, "\"a\\\"b\\\\c\\n\\t\\u003c\\u0026\\u003e\\u0001\""));
	buf_reset(&b);
	CHECK(json_str(&b, "\xff山\xe5") == 0);
	CHECK(b.data && !strcmp(b.data, "\"\\ufffd山\\ufffd\""));
	buf_release(&b);
	CHECK(json_get_string("{\"value\": \"x\\u00e9\\\"y\"}", strlen("{\"value\": \"x\\u00e9\\\"y\"}"), "value", 100, &v) == 0 && v &&
	      !strcmp(v, "x\xc3\xa9\"y"));
	free(v);
	CHECK(json_get_string("{\"other\": 1}", strlen("{\"other\": 1}"), "value", 100, &v) == 1 && !v);
	CHECK(json_get_string("{\"value\": \"x\"", strlen("{\"value\": \"x\""), "value", 100, &v) == -1 && !v);
	CHECK(json_get_string("{\"value\": \"\\u0000\"}", strlen("{\"value\": \"\\u0000\"}"), "value", 100, &v) == -1);
}

/* characters never written in a text value flag it (OCR confusions) */
static void test_never(void)
{
	const struct field_type *text = field_type_find("text"), *digits = field_type_find("digits");

	CHECK(text && digits);
	CHECK(field_type_never(text, "港町一」目1番地"));
	CHECK(field_type_never(text, "山田[太郎]"));
	CHECK(!field_type_never(text, "港町一丁目1番地"));
	CHECK(!field_type_never(digits, "123"));
	/* a speck above the line between two kanji reads as a quote */
	CHECK(field_type_never(text, "代表取締役松本'誠"));
	CHECK(field_type_never(text, "松本’誠"));
}

/* lib/lexicon.c: family name + given name, written and read, titles set
 * aside; ー and 一 between katakana and a kanji; EUC-JP and UTF-8 files; a
 * folder without the name file */
static void lexicon_file(const char *dir, const char *name, const char *data, size_t len)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *fp = fopen(path, "w");
	CHECK(fp && fwrite(data, 1, len, fp) == len);
	if (fp)
		fclose(fp);
}

static void test_lexicon(void)
{
	char dir[] = "/tmp/docpipe-lexicon-XXXXXX", path[256];
	struct lexicon *lx = NULL;
	struct dp_msg m;
	/* the IPA dictionary's columns */
	static const char names[] =
		"山田,1290,1290,8000,名詞,固有名詞,人名,姓,*,*,山田,ヤマダ,ヤマダ\n"
		"佐藤,1290,1290,8000,名詞,固有名詞,人名,姓,*,*,佐藤,サトウ,サトー\n"
		"太郎,1291,1291,8000,名詞,固有名詞,人名,名,*,*,太郎,タロウ,タロー\n"
		"恵,1291,1291,8000,名詞,固有名詞,人名,名,*,*,恵,メグミ,メグミ\n"
		"東京,1293,1293,8000,名詞,固有名詞,地域,一般,*,*,東京,トウキョウ,トーキョー\n";
	static const char words[] =
		"レジ,1285,1285,5000,名詞,一般,*,*,*,*,レジ,レジ,レジ\n"
		"センター,1285,1285,5000,名詞,一般,*,*,*,*,センター,センター,センター\n"
		"式,1285,1285,5000,名詞,接尾,一般,*,*,*,式,シキ,シキ\n";
	/* 山田,...,姓,...,ヤマダ and 太郎,...,名,...,タロウ in EUC-JP */
	static const char eucjp[] =
		"\xbb\xb3\xc5\xc4,1,1,1,\xcc\xbe\xbb\xec,\xb8\xc7\xcd\xad\xcc\xbe\xbb\xec,\xbf\xcd\xcc\xbe,\xc0\xab,*,*,x,"
		"\xa5\xe4\xa5\xde\xa5\xc0,x\n"
		"\xc2\xc0\xcf\xba,1,1,1,\xcc\xbe\xbb\xec,\xb8\xc7\xcd\xad\xcc\xbe\xbb\xec,\xbf\xcd\xcc\xbe,\xcc\xbe,*,*,x,"
		"\xa5\xbf\xa5\xed\xa5\xa6,x\n";

	CHECK(mkdtemp(dir) != NULL);
	lexicon_file(dir, "Noun.name.csv", names, sizeof names - 1);
	lexicon_file(dir, "Noun.csv", words, sizeof words - 1);
	static const char places[] =
		"千代田,1293,1293,8000,名詞,固有名詞,地域,一般,*,*,千代田,チヨダ,チヨダ\n"
		"霞が関,1293,1293,8000,名詞,固有名詞,地域,一般,*,*,霞が関,カスミガセキ,カスミガセキ\n"
		"西新宿,1293,1293,8000,名詞,固有名詞,地域,一般,*,*,西新宿,ニシシンジュク,ニシシンジュク\n"
		"新宿,1293,1293,8000,名詞,固有名詞,地域,一般,*,*,新宿,シンジュク,シンジュク\n"
		"北,1293,1293,8000,名詞,固有名詞,地域,一般,*,*,北,キタ,キタ\n"
		"緑,1293,1293,8000,名詞,固有名詞,地域,一般,*,*,緑,ミドリ,ミドリ\n";
	lexicon_file(dir, "Noun.place.csv", places, sizeof places - 1);
	static const char verb[] = "ゴー,1,1,1,動詞,*,*,*,*,*,ゴー,ゴー,ゴー\n";
	lexicon_file(dir, "Verb.csv", verb, sizeof verb - 1);
	CHECK(lexicon_load(&lx, dir, &m) == DP_OK && lx);
	/* 2 family + 2 given names, each written and read; レジ and センター
	 * (not 式, not the Verb file's ゴー); 7 place names (東京 in the name
	 * file among them) */
	CHECK(lexicon_count(lx) == 17);
	/* addresses: the dictionary's names in the written order */
	CHECK(lexicon_is_address(lx, "東京都千代田区霞が関1-3-1"));
	CHECK(lexicon_is_address(lx, "東京都新宿区西新宿二丁目8番1号"));
	CHECK(lexicon_is_address(lx, "北区緑町一丁目地内県道12号"));
	CHECK(lexicon_is_address(lx, "霞が関 1-3-1"));
	CHECK(lexicon_is_address(lx, "千代田区霞が関3番地の2"));
	CHECK(!lexicon_is_address(lx, "東京都千代田区雷が関1-3-1")); /* 雷 read for 霞 */
	CHECK(!lexicon_is_address(lx, "東京都千代田区霞が関1-3-1号室"));
	CHECK(!lexicon_is_address(lx, "東京千代田区霞が関1-3-1"));  /* a name after a name */
	CHECK(!lexicon_is_address(lx, "北霞が関1"));                 /* a one-character name needs its unit */
	CHECK(!lexicon_is_address(lx, "霞が関一"));                  /* a kanji numeral needs its unit */
	CHECK(!lexicon_is_address(lx, "二丁目8番1号"));              /* numbers without a place name */
	CHECK(!lexicon_is_address(lx, "西新宿二」目8番1号"));        /* 」 is no unit (ocr.c mends it first) */
	CHECK(!lexicon_is_address(lx, "1-3-1") && !lexicon_is_address(lx, "") && !lexicon_is_address(NULL, "新宿"));
	CHECK(!lexicon_is_address(lx, "株式会社東和テクノ"));
	{
		/* a value longer than the grammar reads (128 characters) is no address */
		char longa[1024] = "千代田区";
		for (int i = 0; i < 130; i++)
			strcat(longa, "1");
		CHECK(!lexicon_is_address(lx, longa));
		CHECK(!lexicon_is_address(lx, "千代田区\xff\xfe" "1"));    /* bytes that are no UTF-8 */
	}
	CHECK(lexicon_is_person(lx, "山田太郎", 0));
	CHECK(lexicon_is_person(lx, "佐藤 恵", 0));
	CHECK(lexicon_is_person(lx, "佐藤\u3000恵", 0));
	CHECK(lexicon_is_person(lx, "代表取締役山田太郎", 0));
	CHECK(lexicon_is_person(lx, "ヤマダタロウ", 1));
	CHECK(lexicon_is_person(lx, "サトウメグミ", 1));
	CHECK(!lexicon_is_person(lx, "ヤマダタロウ", 0)); /* readings are not written names */
	CHECK(!lexicon_is_person(lx, "山田太郎", 1));
	CHECK(!lexicon_is_person(lx, "山田", 0));         /* a family name alone */
	CHECK(!lexicon_is_person(lx, "山田大郎", 0));     /* 大 read for 太 */
	CHECK(!lexicon_is_person(lx, "ヤヤマダタロウ", 1)); /* a doubled first character */
	CHECK(!lexicon_is_person(lx, "東京太郎", 0));     /* a place is no family name */
	CHECK(!lexicon_is_person(lx, "", 0) && !lexicon_is_person(NULL, "山田太郎", 0));
	/* ー where the word before wants 一, and the other way round */
	char fixed[256] = "";
	CHECK(lexicon_correct(lx, "POSレジー式", fixed, sizeof fixed) == 1 && !strcmp(fixed, "POSレジ一式"));
	CHECK(lexicon_correct(lx, "POSレジ一式", fixed, sizeof fixed) == 0);
	CHECK(lexicon_correct(lx, "センタ一長", fixed, sizeof fixed) == 1 && !strcmp(fixed, "センター長"));
	CHECK(lexicon_correct(lx, "センター長", fixed, sizeof fixed) == 0);
	CHECK(lexicon_correct(lx, "レジー", fixed, sizeof fixed) == 0);     /* no kanji after it */
	CHECK(lexicon_correct(lx, "ボタンー式", fixed, sizeof fixed) == 0); /* neither is a word: no evidence */
	CHECK(lexicon_correct(NULL, "POSレジー式", fixed, sizeof fixed) == 0);
	/* address units, with or without the dictionary */
	CHECK(lexicon_correct(NULL, "那覇市泉崎一丁日1番1号", fixed, sizeof fixed) == 1 &&
	      !strcmp(fixed, "那覇市泉崎一丁目1番1号"));
	CHECK(lexicon_correct(lx, "横浜市中区港町一」目1番地", fixed, sizeof fixed) == 1 &&
	      !strcmp(fixed, "横浜市中区港町一丁目1番地"));
	CHECK(lexicon_correct(lx, "港町3」目と丁日", fixed, sizeof fixed) == 2 && !strcmp(fixed, "港町3丁目と丁目"));
	CHECK(lexicon_correct(lx, "「目録」", fixed, sizeof fixed) == 0); /* 」 after no numeral */
	CHECK(lexicon_correct(lx, "一丁日", fixed, 4) == 0);              /* out too small: no correction */
	{
		/* a long value keeps all of its tail */
		char longv[1024] = "丁日", want[1024] = "丁目", got[1024];
		for (int i = 0; i < 300; i++) {
			strcat(longv, "あ");
			strcat(want, "あ");
		}
		CHECK(lexicon_correct(lx, longv, got, sizeof got) == 1 && !strcmp(got, want));
	}
	lexicon_free(&lx);
	CHECK(!lx);
	/* EUC-JP, as Debian ships the dictionary: レジ, センター and 式 */
	static const char eucjp_words[] = "\xa5\xec\xa5\xb8,1,1,1,x\n\xa5\xbb\xa5\xf3\xa5\xbf\xa1\xbc,1,1,1,x\n"
					  "\xbc\xb0,1,1,1,x\n";
	lexicon_file(dir, "Noun.name.csv", eucjp, sizeof eucjp - 1);
	lexicon_file(dir, "Noun.csv", eucjp_words, sizeof eucjp_words - 1);
	/* 千代田, 霞が関 and 北 */
	static const char eucjp_places[] = "\xc0\xe9\xc2\xe5\xc5\xc4,1,1,1,x\n\xb2\xe2\xa4\xac\xb4\xd8,1,1,1,x\n"
					   "\xcb\xcc,1,1,1,x\n";
	lexicon_file(dir, "Noun.place.csv", eucjp_places, sizeof eucjp_places - 1);
	CHECK(lexicon_load(&lx, dir, &m) == DP_OK && lexicon_count(lx) == 9);
	CHECK(lexicon_is_address(lx, "千代田区霞が関1-3-1") && !lexicon_is_address(lx, "新宿区霞が関1-3-1"));
	CHECK(lexicon_correct(lx, "POSレジー式", fixed, sizeof fixed) == 1 && !strcmp(fixed, "POSレジ一式"));
	CHECK(lexicon_correct(lx, "センタ一長", fixed, sizeof fixed) == 1 && !strcmp(fixed, "センター長"));
	CHECK(lexicon_is_person(lx, "山田太郎", 0) && lexicon_is_person(lx, "ヤマダタロウ", 1));
	lexicon_free(&lx);
	/* no names in it, no name file, an empty path */
	lexicon_file(dir, "Noun.name.csv", "a,b,c\n", 6);
	CHECK(lexicon_load(&lx, dir, &m) == DP_ERR_CONFIG && !lx && strstr(m.text, "no family and given names"));
	snprintf(path, sizeof path, "%s/Noun.name.csv", dir);
	unlink(path);
	CHECK(lexicon_load(&lx, dir, &m) == DP_ERR_CONFIG && !lx && strstr(m.text, "mecab-ipadic"));
	CHECK(lexicon_load(&lx, "", &m) == DP_OK && !lx);
	snprintf(path, sizeof path, "%s/Noun.csv", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/Verb.csv", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/Noun.place.csv", dir);
	unlink(path);
	rmdir(dir);
}

/* lib/crop.c: toner specks away from the writing are not writing; a box of
 * specks alone is empty; a small mark beside a glyph (a dakuten, 。) stays */
static void test_crop_specks(void)
{
	const int dpi = 300;
	PIX *page = pixCreate(1200, 150, 8);
	struct crop_px r = { 0, 0, 1200, 150 };
	struct crop_field *cf;
	PIX *line;

	pixSetAll(page); /* white */
	/* three "glyphs" 40 px (3.4 mm) tall, from x 20 to 190 */
	for (int g = 0; g < 3; g++)
		pixRasterop(page, 20 + 60 * g, 50, 50, 40, PIX_CLR, NULL, 0, 0);
	/* a 。-sized mark 8 px (0.7 mm) right after the last glyph */
	pixRasterop(page, 195, 82, 8, 8, PIX_CLR, NULL, 0, 0);
	/* specks of 4 px (0.34 mm) far to the right and above */
	pixRasterop(page, 700, 30, 4, 4, PIX_CLR, NULL, 0, 0);
	pixRasterop(page, 1100, 100, 4, 5, PIX_CLR, NULL, 0, 0);
	pixRasterop(page, 400, 10, 5, 4, PIX_CLR, NULL, 0, 0);
	cf = crop_field_new(page, r, 128, dpi);
	CHECK(cf && crop_field_ink(cf) == 3 * 50 * 40 + 8 * 8);
	line = cf ? crop_field_line(cf, 0.15) : NULL;
	/* the line is the glyphs and the mark (20..203) plus its margins, not
	 * the specks 500 to 900 px away */
	CHECK(line && pixGetWidth(line) < 183 + 2 * 10 && pixGetWidth(line) >= 183);
	pixDestroy(&line);
	crop_field_free(&cf);
	/* specks alone: an empty box */
	pixSetAll(page);
	pixRasterop(page, 700, 30, 4, 4, PIX_CLR, NULL, 0, 0);
	pixRasterop(page, 300, 90, 6, 5, PIX_CLR, NULL, 0, 0);
	cf = crop_field_new(page, r, 128, dpi);
	CHECK(!cf || crop_field_ink(cf) == 0);
	crop_field_free(&cf);
	pixDestroy(&page);
}

#include "unit_vocab.inc"
#include "unit_register.inc"
#include "unit_names.inc"
#include "unit_security.inc"
#include "unit_denoise.inc"

static void test_fees(void)
{
	struct fee_schedule fs;
	struct dp_msg m;
	CHECK(fees_parse(&fs, "f.conf", "[P1]\nunit_fee = 300\npostage = 1:84 5:140 11:250\npayeasy_customer_digits = 10-20\n", &m) == DP_OK);
	const struct fee_rule *r = fees_find(&fs, "P1");
	CHECK(r && r->unit_fee == 300 && fees_postage(r, 1) == 84 && fees_postage(r, 5) == 140 && fees_postage(r, 30) == 250);
	CHECK(r && r->cust_min == 10 && r->cust_max == 20);
	fees_release(&fs);
	CHECK(fees_parse(&fs, "f.conf", "[P1]\npostage = 5:140 1:84\n", &m) == DP_ERR_CONFIG);
	CHECK(strstr(m.text, "f.conf:2:") != NULL);
	fees_release(&fs);
	CHECK(fees_parse(&fs, "f.conf", "[P1]\nfee = 3\n", &m) == DP_ERR_CONFIG);
	fees_release(&fs);
	CHECK(fees_parse(&fs, "f.conf", "[P1]\nunit_fee =\n", &m) == DP_ERR_CONFIG && strstr(m.text, "no value"));
	fees_release(&fs);
	/* the shared syntax: a trimmed section name, ';' notes, a note after a value */
	CHECK(fees_parse(&fs, "f.conf", "[ P1 ]\n; n\nunit_fee = 300 # yen\n", &m) == DP_OK);
	CHECK(fees_find(&fs, "P1") && fees_find(&fs, "P1")->unit_fee == 300);
	fees_release(&fs);
	CHECK(fees_parse(&fs, "f.conf", "[]\nunit_fee = 300\n", &m) == DP_ERR_CONFIG &&
	      !strcmp(m.text, "f.conf:1: a section header looks like [name]"));
	fees_release(&fs);
	CHECK(fees_parse(&fs, "f.conf", "[P1]\nunit_fee 300\n", &m) == DP_ERR_CONFIG &&
	      !strcmp(m.text, "f.conf:2: expected 'key = value', got 'unit_fee 300'"));
	fees_release(&fs);
}

static void test_fuzzy(void)
{
	CHECK(fuzzy_find("補助金交付申請書", "補助金交付申請書") == 1.0);
	CHECK(fuzzy_find("補助金交付申請書", "様式 補助金交付申請書 (第1号)") == 1.0);
	CHECK(fuzzy_find("補助金交付申請書", "補助金交付申讃書") >= 0.85);
	CHECK(fuzzy_find("補助金交付申請書", "補助金交付決定通知書") < 0.75);
	CHECK(fuzzy_find("補助金交付申請書", "行政書士試験合格証明書交付申請書") < 0.75);
	CHECK(fuzzy_distance("SME-A", "SME-A") == 0);
	CHECK(fuzzy_distance("SME-A", "SME-B") == 1);
	CHECK(fuzzy_distance("IT2024", "1T2024") == 1);
	CHECK(fuzzy_distance("GX2025", "GX202") == 1);
	CHECK(fuzzy_distance("渡辺翔", "渡辺 閉") == 1);
	CHECK(fuzzy_distance("MONO-17", "DX-B2") >= 4);
	CHECK(fuzzy_distance("", "ab") == 2);
}

/* grants.conf, the entrance QR payload, receipts, the shared status rule */
static void test_qr_grants(void)
{
	struct grant_set gs;
	struct dp_msg m;
	struct identity id;
	char sha[65], proc[32], payload[256];
	int line;
	const struct grant_program *g, *only;

	CHECK(grants_parse(&gs, "g.conf",
			   "# c\n[IT2024]\nname = IT\nprocedure = P003\nrate = 2/3\nmax = 4500000\n"
			   "window = 2024-04-01..2025-03-31\nrequired = company, tel ,amount\n"
			   "[GX]\nrate = 0.75\n",
			   &m) == DP_OK);
	CHECK(gs.n == 2);
	g = grants_find(&gs, "it2024");
	CHECK(g && g->rate_num == 2 && g->rate_den == 3 && g->max_yen == 4500000);
	CHECK(g && !strcmp(g->from, "2024-04-01") && !strcmp(g->to, "2025-03-31"));
	CHECK(g && g->nrequired == 3 && !strcmp(g->required[1], "tel"));
	CHECK(g && grants_within_rate(g, 3000000, 2000000) == 1);
	CHECK(g && grants_within_rate(g, 3000000, 2000001) == 0);
	CHECK(g && grants_within_rate(g, 1000, 667) == 0 && grants_within_rate(g, 1000, 666) == 1);
	CHECK(g && grants_rate_cap(g, 1000) == 666);
	g = grants_find(&gs, "GX");
	CHECK(g && g->rate_num == 75 && g->rate_den == 100 && g->max_yen == -1 && !g->from[0]);
	/* a decimal rate, exactly at the cap and one yen over (fixtures/qr/grant_edges: rate_*) */
	CHECK(g && grants_within_rate(g, 3000000, 2250000) == 1 && grants_within_rate(g, 3000000, 2250001) == 0);
	CHECK(g && grants_rate_cap(g, 3000000) == 2250000 && grants_rate_cap(g, 3000001) == 2250000);
	CHECK(g && grants_within_rate(g, 3000000, -1) == -1 && grants_within_rate(g, -1, 0) == -1);
	CHECK(grants_for_procedure(&gs, "P003", &only) == 1 && only && !strcmp(only->id, "IT2024"));
	CHECK(grants_for_procedure(&gs, "P009", &only) == 0 && !only);
	grants_release(&gs);
	CHECK(grants_parse(&gs, "g.conf", "[A]\nrate = 3/2\n", &m) == DP_ERR_CONFIG && strstr(m.text, "g.conf:2:"));
	CHECK(grants_parse(&gs, "g.conf", "[A]\nrate = 1/2\nwindow = 2025-04-01..2024-03-31\n", &m) == DP_ERR_CONFIG &&
	      strstr(m.text, "g.conf:3:"));
	CHECK(grants_parse(&gs, "g.conf", "[A]\nrate = 1/2\nwindow = 2025-02-30..2025-03-31\n", &m) == DP_ERR_CONFIG);
	CHECK(grants_parse(&gs, "g.conf", "[A]\nrate = 1/2\nmax = 1,000\n", &m) == DP_ERR_CONFIG && strstr(m.text, ":3:"));
	CHECK(grants_parse(&gs, "g.conf", "[A]\nrate = 1/2\nceiling = 5\n", &m) == DP_ERR_CONFIG &&
	      strstr(m.text, "unknown key 'ceiling'"));
	CHECK(grants_parse(&gs, "g.conf", "[A]\nname = x\n[B]\nrate = 1/2\n", &m) == DP_ERR_CONFIG &&
	      strstr(m.text, "g.conf:1:") && strstr(m.text, "no 'rate"));
	CHECK(grants_parse(&gs, "g.conf", "[A]\nrate = 1/2\n[A]\nrate = 1/2\n", &m) == DP_ERR_CONFIG &&
	      strstr(m.text, "twice"));
	CHECK(grants_parse(&gs, "g.conf", "rate = 1/2\n", &m) == DP_ERR_CONFIG);
	grants_release(&gs);
	CHECK(grants_parse(&gs, "g.conf", "[ GX ]\nrate = 0.75                 # or a fraction: 2/3\n", &m) == DP_OK &&
	      gs.n == 1 && !strcmp(gs.progs[0].id, "GX") && gs.progs[0].rate_num == 75);
	grants_release(&gs);

	/* the entrance QR payload */
	{
		const char ok[] = "\xEF\xBB\xBFname=山田 太郎\r\norg = 株式会社サンプル\n\nTEL=03-5321-1111\nvisit=総務局\nfloor=3\n";
		CHECK(identity_parse(ok, sizeof ok - 1, &id, &line) == IDENTITY_OK);
		CHECK(!strcmp(id.name, "山田 太郎") && !strcmp(id.org, "株式会社サンプル") && !strcmp(id.tel, "03-5321-1111") &&
		      !strcmp(id.visit, "総務局"));
	}
	CHECK(identity_parse("hello world\n", 12, &id, &line) == IDENTITY_NOT_PAIRS && line == 1);
	CHECK(identity_parse("floor=3\ngate=B\n", 15, &id, &line) == IDENTITY_NO_KEYS);
	CHECK(identity_parse("name=\n", 6, &id, &line) == IDENTITY_NO_KEYS);
	CHECK(identity_parse("name=a\nname=b\n", 14, &id, &line) == IDENTITY_DUPLICATE && line == 2);
	CHECK(identity_parse("name=\x8e\x52\x93\x63\n", 9, &id, &line) == IDENTITY_NOT_UTF8); /* Shift_JIS 山田 */
	CHECK(identity_parse("name=a\x01" "b\n", 9, &id, &line) == IDENTITY_BAD_VALUE);
	{
		char big[IDENTITY_PAYLOAD_MAX + 2];
		memset(big, 'a', sizeof big);
		memcpy(big, "name=", 5);
		CHECK(identity_parse(big, sizeof big, &id, &line) == IDENTITY_TOO_LONG);
		CHECK(identity_parse(big, 5 + IDENTITY_VALUE_MAX + 1, &id, &line) == IDENTITY_BAD_VALUE);
		CHECK(identity_parse(big, 5 + IDENTITY_VALUE_MAX, &id, &line) == IDENTITY_OK);
	}
	CHECK(utf8_valid("山田", 6) && !utf8_valid("\xE5\xB1", 2) && !utf8_valid("\xC0\xAF", 2) &&
	      !utf8_valid("\xED\xA0\x80", 3) && !utf8_valid("a\0b", 3));

	/* receipts: the payload round-trips, carries nothing but id and code */
	memset(sha, 'a', 64);
	sha[64] = '\0';
	CHECK(receipt_payload(sha, "P003", payload, sizeof payload) == 0);
	CHECK(!strncmp(payload, "docpipe-receipt\ndoc=aaaa", 24) && strstr(payload, "\nprocedure=P003\n"));
	CHECK(receipt_parse(payload, strlen(payload), sha, proc) == 0 && !strcmp(proc, "P003") && sha[63] == 'a');
	CHECK(receipt_payload("abc", "P003", payload, sizeof payload) == -1);
	CHECK(receipt_payload(sha, "P0\n03", payload, sizeof payload) == -1);
	CHECK(receipt_parse("name=x\n", 7, sha, proc) == -1);
	{
		unsigned char *png = NULL;
		size_t len = 0;
		CHECK(receipt_png("docpipe-receipt\ndoc=x\n", &png, &len, &m) == DP_OK && len > 100 &&
		      !memcmp(png, "\x89PNG", 4));
		free(png);
	}

	/* the status rule validate and enrich share */
	{
		struct job *j = job_new();
		job_add_field(j, 1, "a", "1", "1", 90, 0, "ocr");
		job_add_issue(j, "a", "changed_since_last", "notice", "x", "x");
		job_settle_status(j);
		CHECK(!strcmp(j->status, "accepted"));
		job_add_issue(j, "a", "qr_mismatch", "warning", "x", "x");
		job_settle_status(j);
		CHECK(!strcmp(j->status, "needs_review"));
		job_add_issue(j, "a", "grant_over_rate", "error", "x", "x");
		job_settle_status(j);
		CHECK(!strcmp(j->status, "invalid"));
		job_free(&j);
	}
}

/* fan-in of a recording's chunks (src/chunks.c): order, numbering, text, notices */
static void test_chunks(void)
{
	struct job *p = job_new(), *k[3];
	char num[8];

	job_set_attr(p, "chunks.expected", "3");
	for (int i = 0; i < 3; i++) {
		k[i] = job_new();
		snprintf(num, sizeof num, "%d", 2 - i); /* arrive in reverse order */
		job_set_attr(k[i], "chunk.index", num);
	}
	job_add_segment(k[2], 0, 100, 900, 0.9, "good morning");
	job_add_segment(k[2], 1, 1700, 2500, 0.8, "and welcome");
	job_add_segment(k[0], 0, 61000, 62000, 0.7, "adjourned");
	job_set_error(k[1], "rejected", "engine failed");
	job_add_run(k[1], "asr");
	chunks_merge(p, k, 3);
	CHECK(p->nsegs == 3 && p->segs[0].seq == 0 && p->segs[2].seq == 2);
	CHECK(p->segs[0].start_ms == 100 && p->segs[2].start_ms == 61000);
	CHECK(p->full_text && !strcmp(p->full_text, "good morning and welcome adjourned"));
	CHECK(p->nruns == 1 && !strcmp(p->runs[0].stage, "asr"));
	CHECK(p->nissues == 1 && !strcmp(p->issues[0].code, "chunk_failed"));
	CHECK(!strcmp(p->status, "needs_review"));
	CHECK(chunks_expected(p) == 3 && chunk_index(k[0]) == 2 && chunk_index(p) == -1);
	for (int i = 0; i < 3; i++)
		job_free(&k[i]);
	job_free(&p);

	/* chunks without a word: a notice; no chunks at all (silence): nothing */
	p = job_new();
	k[0] = job_new();
	job_set_attr(k[0], "chunk.index", "0");
	chunks_merge(p, k, 1);
	CHECK(p->nissues == 1 && !strcmp(p->issues[0].code, "no_words") && p->full_text && !*p->full_text);
	job_free(&k[0]);
	job_free(&p);
	p = job_new();
	chunks_merge(p, NULL, 0);
	CHECK(p->nissues == 0 && p->nsegs == 0);
	job_free(&p);
}

/* Paint a QR code (libqrencode) of payload at (x0, y0) with mod-pixel
 * modules, turned by deg degrees about its centre, into a white w x h page. */
static void paint_qr(unsigned char *px, int w, int h, const char *payload, int x0, int y0, double mod, double deg)
{
	QRcode *q = QRcode_encodeString(payload, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	double c = cos(deg * M_PI / 180), s = sin(deg * M_PI / 180), half;

	if (!q)
		return;
	half = q->width * mod / 2;
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			/* page pixel back into module coordinates */
			double dx = x - (x0 + half), dy = y - (y0 + half);
			double u = (c * dx + s * dy + half) / mod, v = (-s * dx + c * dy + half) / mod;
			if (u >= 0 && v >= 0 && u < q->width && v < q->width && (q->data[(int)v * q->width + (int)u] & 1))
				px[(size_t)y * (size_t)w + (size_t)x] = 20;
		}
	QRcode_free(q);
}

static void test_qrfind(void)
{
	int w = 900, h = 700;
	unsigned char *px = xmalloc((size_t)w * (size_t)h);

	memset(px, 235, (size_t)w * (size_t)h);
	CHECK(qrfind_maybe(px, w, h, 128) == 0); /* blank paper */
	/* ruled boxes and filled squares (a ticked checkbox row): no QR corner triangle */
	for (int b = 0; b < 8; b++) {
		int bx = 40 + b * 100, by = 40;
		for (int y = by; y < by + 42; y++)
			for (int x = bx; x < bx + 42; x++) {
				int border = x < bx + 6 || x >= bx + 36 || y < by + 6 || y >= by + 36;
				int fill = x >= bx + 12 && x < bx + 30 && y >= by + 12 && y < by + 30;
				if (border || fill)
					px[(size_t)y * (size_t)w + (size_t)x] = 20;
			}
	}
	CHECK(qrfind_maybe(px, w, h, 128) == 0);
	paint_qr(px, w, h, "name=山田 太郎\ntel=03-1234-5678", 100, 200, 8, 0);
	CHECK(qrfind_maybe(px, w, h, 128) == 1);
	/* small modules (0.3 mm at 200 dpi) and a sticker at 37 degrees */
	memset(px, 235, (size_t)w * (size_t)h);
	paint_qr(px, w, h, "name=x", 300, 250, 2.5, 0);
	CHECK(qrfind_maybe(px, w, h, 128) == 1);
	memset(px, 235, (size_t)w * (size_t)h);
	paint_qr(px, w, h, "name=x\norg=y", 400, 200, 5, 37);
	CHECK(qrfind_maybe(px, w, h, 128) == 1);
	/* where: the region holds the whole code and its quiet zone (the code,
	 * at most 25 modules of 5 pixels turned 37 degrees about its centre,
	 * stays within 89 pixels of (462, 262)) */
	struct qrfind_region rg[4];
	int nr = qrfind_locate(px, w, h, 128, rg, 4);
	CHECK(nr >= 1);
	CHECK(nr >= 1 && rg[0].x <= 374 && rg[0].y <= 174 && rg[0].x + rg[0].w >= 551 && rg[0].y + rg[0].h >= 351);
	CHECK(nr >= 1 && rg[0].w < w / 2 && rg[0].h < h / 2); /* a region, not the page */
	CHECK(nr >= 1 && rg[0].module > 3.5 && rg[0].module < 6.5);
	memset(px, 235, (size_t)w * (size_t)h);
	CHECK(qrfind_locate(px, w, h, 128, rg, 4) == 0);
	free(px);
}

static void test_procs(void)
{
	struct report_procs ps;
	struct dp_msg m;

	CHECK(report_procs_parse(&ps, "p.conf",
				 "; c\n[ P001 ]\nname = 交付 # note\nannual_cases = 10\nbaseline_minutes = 8\nreview_minutes = 0.5\n"
				 "[P900]\nname = 会議録\nkind = audio\nannual_cases = 1\nbaseline_minutes = 4\nreview_minutes = 1.6",
				 &m) == DP_OK);
	CHECK(ps.n == 2 && !strcmp(ps.v[0].code, "P001") && !strcmp(ps.v[0].name, "交付") && ps.v[0].annual_cases == 10 &&
	      !strcmp(ps.v[1].kind, "audio") && ps.v[1].review_minutes == 1.6);
	report_procs_release(&ps);
	CHECK(report_procs_parse(&ps, "p.conf", "[P001]\nname = x\nannual_cases = 10\nbaseline_minutes = 3\n", &m) ==
		      DP_ERR_CONFIG &&
	      !strcmp(m.text, "p.conf:1: [P001] needs review_minutes (minutes to check one flagged field or minute of transcript)"));
	report_procs_release(&ps);
	/* the header's syntax is checked before the section above it is complete */
	CHECK(report_procs_parse(&ps, "p.conf", "[P001]\nname = x\n[P002\n", &m) == DP_ERR_CONFIG &&
	      !strcmp(m.text, "p.conf:3: a section header looks like [name]"));
	report_procs_release(&ps);
	CHECK(report_procs_parse(&ps, "p.conf", "[P001]\nname x\n", &m) == DP_ERR_CONFIG &&
	      !strcmp(m.text, "p.conf:2: expected 'key = value', got 'name x'"));
	report_procs_release(&ps);
}

/* what was read, "LINE [SECTION] KEY=VALUE|" or "LINE [SECTION]|", then the message if any */
static void ini_check(const char *text, const char *want)
{
	struct ini in;
	struct dp_msg m = { 0 };
	char out[512] = "";
	size_t n = 0;

	ini_start(&in, "t.ini", text);
	while (ini_next(&in, &m) && n < sizeof out)
		n += (size_t)snprintf(out + n, sizeof out - n, in.key ? "%d [%s] %s=%s|" : "%d [%s]|", in.line,
				      in.section ? in.section : "-", in.key, in.value);
	if (n < sizeof out && in.err)
		snprintf(out + n, sizeof out - n, "%s", m.text);
	CHECK(in.err == (strstr(want, "t.ini:") ? DP_ERR_CONFIG : DP_OK) && !strcmp(out, want));
	if (strcmp(out, want))
		fprintf(stderr, "ini_check: got '%s', want '%s'\n", out, want);
}

/* the one syntax of pipeline.conf, the templates, fees.conf, grants.conf and procedures.conf */
static void test_ini(void)
{
	static char longline[INI_LINE_MAX + 16];
	char path[] = "/tmp/docpipe-unit-XXXXXX", *text = NULL;
	struct dp_msg m;
	FILE *fp;
	int fd;

	/* sections, keys, comments, white space, UTF-8, '=' in a value, no newline at the end */
	ini_check("# note\n\n[ a ]\nk=v\r\n\tname =  申請 書 \n[field x]\nk = a = b\nk =\n[b]\nk = v",
		  "3 [a]|4 [a] k=v|5 [a] name=申請 書|6 [field x]|7 [field x] k=a = b|8 [field x] k=|9 [b]|10 [b] k=v|");
	ini_check("", "");
	/* a key comes after a section header */
	ini_check("# note\n top = 1 \n[a]\n", "t.ini:2: 'top' comes before any [section]");
	/* '#' and ';' comment lines; " #" ends a value, '#' without a space before it does not */
	ini_check("; note\n[s]\n  # x\nk = v # note\nj = v#1\nt = v\t# x\nh = # x\n", "2 [s]|4 [s] k=v|5 [s] j=v#1|6 [s] t=v\t# x|7 [s] h=# x|");
	/* a line without '=' (or with a full-width '＝'); reading stops there */
	ini_check("[s]\n# x\nrequired yes\nk = v\n", "1 [s]|t.ini:3: expected 'key = value', got 'required yes'");
	ini_check("[s]\nk ＝ v\n", "1 [s]|t.ini:2: expected 'key = value', got 'k ＝ v'");
	/* malformed headers, "[]", and spaces inside the brackets */
	ini_check("\n[s\n", "t.ini:2: a section header looks like [name]");
	ini_check("[s] x\n", "t.ini:1: a section header looks like [name]");
	ini_check("[s] # x\n", "t.ini:1: a section header looks like [name]");
	ini_check("[s]\n[]\n", "1 [s]|t.ini:2: a section header looks like [name]");
	ini_check("[ \t]\n", "t.ini:1: a section header looks like [name]");
	ini_check("[ P1 ]\n[field  x ]\n", "1 [P1]|2 [field  x]|");
	/* a line is shorter than INI_LINE_MAX bytes, counted before trimming */
	memset(longline, ' ', 4 + INI_LINE_MAX - 1);
	memcpy(longline, "[s]\nk=", 6);
	ini_check(longline, "1 [s]|2 [s] k=|");
	longline[4 + INI_LINE_MAX - 1] = 'x';
	ini_check(longline, "1 [s]|t.ini:2: line too long");

	/* a file with a NUL byte is refused with the line it is on */
	fd = mkstemp(path);
	CHECK(fd >= 0 && (fp = fdopen(fd, "w")) != NULL);
	if (fd >= 0 && fp) {
		fwrite("[s]\nk = v\nj = \0x\n", 1, 17, fp);
		fclose(fp);
		CHECK(ini_read(path, 1 << 20, &text, &m) == DP_ERR_CONFIG && !text);
		CHECK(!strncmp(m.text, path, strlen(path)) && !strcmp(m.text + strlen(path), ":3: contains a NUL byte: is it a text file?"));
		unlink(path);
	}
}

/* ---- review station media (src/review_media.c) ---- */

static int64_t review_ms_since(int64_t t0)
{
	return (now_us() - t0) / 1000;
}

/* Copy src to dst; its SHA-256 into sha. */
static int review_copy(const char *src, const char *dst, char sha[65])
{
	char *d = NULL;
	size_t n = 0;
	struct dp_msg m;
	int rc = file_read(src, &d, &n, 1 << 26, &m) == DP_OK && file_write(dst, d, n, &m) == DP_OK ? 0 : -1;

	sha256_hex(d ? d : "", d ? n : 0, sha);
	free(d);
	return rc;
}

/* Share of pixels darker than 128 in an 8-bit grey picture. */
static double review_ink(PIX *g)
{
	l_int32 w = pixGetWidth(g), h = pixGetHeight(g);
	long dark = 0;
	for (l_int32 y = 0; y < h; y++)
		for (l_int32 x = 0; x < w; x++) {
			l_uint32 v = 255;
			pixGetPixel(g, x, y, &v);
			dark += v < 128;
		}
	return w && h ? (double)dark / ((double)w * h) : 0;
}

/* Whether the picture holds a pixel of colour (r,g,b) +-60 within 4 px of (x,y). */
static int review_colour_near(PIX *pic, int x, int y, int r, int g, int b)
{
	PIX *p = pixConvertTo32(pic);
	int near = 0;
	for (int dy = -4; dy <= 4 && p; dy++)
		for (int dx = -4; dx <= 4; dx++) {
			l_int32 pr, pg, pb;
			if (pixGetRGBPixel(p, x + dx, y + dy, &pr, &pg, &pb) == 0 && abs(pr - r) < 60 &&
			    abs(pg - g) < 60 && abs(pb - b) < 60)
				near = 1;
		}
	pixDestroy(&p);
	return near;
}

static int review_mm_px(double mm, int dpi)
{
	return (int)lround(mm * dpi / 25.4);
}

static void test_review_scan(const struct conf *c, const char *dir)
{
	struct form_set fs = { NULL, 0 };
	struct dp_msg m;
	char scan[600], changed[600], archived[1200], gone[600], found[1200], sha[65], other[65];
	unsigned char *png = NULL;
	size_t len = 0;
	PIX *pix;
	int64_t t0, cold, warm, page_cold, page_warm;

	CHECK(forms_load_dir(&fs, "models/forms", &m) == DP_OK);
	const struct form *f = forms_find(&fs, "gyoseishoshi_cert");
	CHECK(f != NULL);
	if (!f)
		return;
	snprintf(scan, sizeof scan, "%s/gyoseishoshi_cert_1.png", dir);
	CHECK(review_copy("fixtures/forms/clean/gyoseishoshi_cert_1.png", scan, sha) == 0);
	/* attrs as `docpipe inspect` shows them: page.1.shift_mm "0.1 -0.6", page.1.dpi 300 */
	struct review_page p = { scan, sha, 1, f, 0.1, -0.6, 1, 1, 0, 300 };

	/* a field crop: the box plus the margin at 300 dpi, with the printed fee in it */
	review_cache_clear();
	t0 = now_us();
	CHECK(review_field_png(c, &p, "fee", &png, &len, &m) == DP_OK);
	cold = review_ms_since(t0);
	pix = png ? pixReadMem(png, len) : NULL;
	CHECK(pix != NULL);
	if (pix) {
		const struct form_rect *b = &form_field(f, "fee")->box;
		int ew = review_mm_px(b->w + 2 * REVIEW_FIELD_MARGIN_MM, 300), eh = review_mm_px(b->h + 2 * REVIEW_FIELD_MARGIN_MM, 300);
		CHECK(abs(pixGetWidth(pix) - ew) <= 1 && abs(pixGetHeight(pix) - eh) <= 1);
		CHECK(pixGetDepth(pix) == 8);
		CHECK(review_ink(pix) > 0.01);
	}
	pixDestroy(&pix);
	free(png);
	/* the same field again comes from the cached page */
	t0 = now_us();
	for (int i = 0; i < 10; i++) {
		CHECK(review_field_png(c, &p, "total", &png, &len, &m) == DP_OK);
		free(png);
	}
	warm = review_ms_since(t0) / 10;

	/* a wide field is scaled to the maximum width */
	CHECK(review_field_png(c, &p, "address", &png, &len, &m) == DP_OK);
	pix = png ? pixReadMem(png, len) : NULL;
	CHECK(pix && pixGetWidth(pix) == REVIEW_FIELD_MAX_WIDTH && review_ink(pix) > 0.005);
	pixDestroy(&pix);
	free(png);
	/* a choice covers its option boxes (and their printed labels) */
	CHECK(review_field_png(c, &p, "delivery", &png, &len, &m) == DP_OK);
	pix = png ? pixReadMem(png, len) : NULL;
	CHECK(pix && abs(pixGetWidth(pix) - review_mm_px(87 - 52 + 25 + 6, 300)) <= 1 &&
	      abs(pixGetHeight(pix) - review_mm_px(5 + 6, 300)) <= 1 && review_ink(pix) > 0.01);
	pixDestroy(&pix);
	free(png);
	/* a blank stretch of the page has no ink: the ink above is the field's */
	{
		struct review_page q = p;
		q.dy_mm = 272 - 153; /* the fee box moved to the bottom margin */
		CHECK(review_field_png(c, &q, "fee", &png, &len, &m) == DP_OK);
		pix = png ? pixReadMem(png, len) : NULL;
		CHECK(pix && review_ink(pix) < 0.001);
		pixDestroy(&pix);
		free(png);
	}
	CHECK(review_field_png(c, &p, "no_such_field", &png, &len, &m) == DP_ERR_USAGE && !png);
	CHECK(strstr(m.text, "no_such_field") != NULL);

	/* the whole page at the requested width, boxes drawn red (flagged) and green */
	struct review_box boxes[] = { { "application_date", "2024-06-01 (0)", 1 },
				      { "name", "\xe4\xb8\xad\xe6\x9d\x91\xe7\xbe\x8e\xe5\x92\xb2 (83.5)", 0 },
				      { "delivery", "\xe9\x83\xb5\xe9\x80\x81", 0 } };
	review_cache_clear();
	t0 = now_us();
	CHECK(review_page_png(c, &p, boxes, 3, 1000, &png, &len, &m) == DP_OK);
	page_cold = review_ms_since(t0);
	pix = png ? pixReadMem(png, len) : NULL;
	CHECK(pix && pixGetWidth(pix) == 1000 && abs(pixGetHeight(pix) - 3508 * 1000 / 2480) <= 1);
	if (pix) {
		double s = 1000.0 / 2480;
		int x = (int)lround(review_mm_px(130 + 0.1, 300) * s), y = (int)lround(review_mm_px(32 - 0.6, 300) * s);
		CHECK(review_colour_near(pix, x + 20, y, 0xd0, 0x20, 0x20));
		CHECK(!review_colour_near(pix, x + 20, y, 0x10, 0xa0, 0x10));
		x = (int)lround(review_mm_px(50 + 0.1, 300) * s);
		y = (int)lround(review_mm_px(45 - 0.6, 300) * s);
		CHECK(review_colour_near(pix, x + 20, y, 0x10, 0xa0, 0x10));
		x = (int)lround(review_mm_px(82 + 0.1, 300) * s); /* the second option's box too */
		y = (int)lround(review_mm_px(167 - 0.6, 300) * s);
		CHECK(review_colour_near(pix, x, y + 5, 0x10, 0xa0, 0x10));
	}
	pixDestroy(&pix);
	free(png);
	t0 = now_us();
	CHECK(review_page_png(c, &p, boxes, 3, 1000, &png, &len, &m) == DP_OK);
	page_warm = review_ms_since(t0);
	free(png);
	CHECK(review_page_png(c, &p, boxes, 3, 0, &png, &len, &m) == DP_OK);
	pix = png ? pixReadMem(png, len) : NULL;
	CHECK(pix && pixGetWidth(pix) == 2480);
	pixDestroy(&pix);
	free(png);
	printf("review: field crop %lld ms cold, %lld ms cached; page (1000 px) %lld ms cold, %lld ms cached\n",
	       (long long)cold, (long long)warm, (long long)page_cold, (long long)page_warm);

	/* a file whose bytes changed is refused, naming it; the archive's copy is found */
	snprintf(changed, sizeof changed, "%s/changed.png", dir);
	CHECK(review_copy(scan, changed, other) == 0);
	{
		FILE *fp = fopen(changed, "r+b");
		CHECK(fp && fseek(fp, -20, SEEK_END) == 0 && fputc('x', fp) != EOF);
		if (fp)
			fclose(fp);
	}
	p.path = changed;
	CHECK(review_field_png(c, &p, "fee", &png, &len, &m) == DP_ERR_IO && !png);
	CHECK(strstr(m.text, "'changed.png'") && strstr(m.text, "has changed"));
	CHECK(review_find_input(c, changed, sha, found, sizeof found, &m) == DP_ERR_IO);
	snprintf(archived, sizeof archived, "%s/2024-06-01", c->archive_dir);
	CHECK(mkdir_p(archived) == 0);
	snprintf(archived, sizeof archived, "%s/2024-06-01/changed-1.png", c->archive_dir);
	CHECK(review_copy(scan, archived, other) == 0);
	CHECK(review_find_input(c, changed, sha, found, sizeof found, &m) == DP_OK && !strcmp(found, archived));
	CHECK(review_field_png(c, &p, "fee", &png, &len, &m) == DP_OK && png);
	free(png);
	snprintf(gone, sizeof gone, "%s/gone.png", dir);
	CHECK(review_find_input(c, gone, sha, found, sizeof found, &m) == DP_ERR_IO);
	CHECK(strstr(m.text, "'gone.png': the scanned file is no longer at ") && strstr(m.text, "nor in the archive"));
	CHECK(review_find_input(c, scan, "abc", found, sizeof found, &m) == DP_ERR_USAGE);
	unlink(archived);
	unlink(changed);
	unlink(scan);
	archived[strlen(archived) - strlen("/changed-1.png")] = '\0';
	rmdir(archived);
	forms_release(&fs);
}

/* Bytes of a WAV header field. */
static unsigned long review_le(const unsigned char *d, int n)
{
	unsigned long v = 0;
	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | d[i];
	return v;
}

static void test_review_audio(const struct conf *c, const char *dir)
{
	char path[600], sha[65];
	unsigned char *wav = NULL;
	size_t len = 0;
	struct dp_msg m;
	SF_INFO info = { 0 };
	SNDFILE *sf;
	short ref[200];

	snprintf(path, sizeof path, "%s/acc01.wav", dir);
	CHECK(review_copy("fixtures/audio/acc01_slt_16k_mono_s16.wav", path, sha) == 0);
	CHECK(review_audio_wav(c, path, sha, 1000, 2500, &wav, &len, &m) == DP_OK);
	CHECK(len == 44 + 24000 * 2);
	if (wav && len >= 44 + 400) {
		CHECK(!memcmp(wav, "RIFF", 4) && !memcmp(wav + 8, "WAVEfmt ", 8) && !memcmp(wav + 36, "data", 4));
		CHECK(review_le(wav + 22, 2) == 1 && review_le(wav + 24, 4) == 16000 && review_le(wav + 34, 2) == 16);
		CHECK(review_le(wav + 40, 4) == len - 44 && review_le(wav + 4, 4) == len - 8);
		/* the samples are the recording's own from 1.000 s */
		sf = sf_open(path, SFM_READ, &info);
		CHECK(sf && sf_seek(sf, 16000, SEEK_SET) == 16000 && sf_readf_short(sf, ref, 200) == 200);
		int same = 1, any = 0;
		for (int i = 0; i < 200; i++) {
			same &= (short)review_le(wav + 44 + 2 * i, 2) == ref[i];
			any |= ref[i] != 0;
		}
		CHECK(same && any);
		if (sf)
			sf_close(sf);
	}
	free(wav);
	/* clamped to the recording's end */
	CHECK(review_audio_wav(c, path, sha, 0, 3600000, &wav, &len, &m) == DP_OK);
	CHECK(info.frames > 0 && len == 44 + (size_t)info.frames * 2);
	free(wav);
	CHECK(review_audio_wav(c, path, sha, 2000, 1000, &wav, &len, &m) == DP_ERR_USAGE && !wav);
	unlink(path);
	/* FLAC, 44.1 kHz stereo: rate and channels kept */
	snprintf(path, sizeof path, "%s/acc04.flac", dir);
	CHECK(review_copy("fixtures/audio/acc04_slt_44k_stereo_s16.flac", path, sha) == 0);
	CHECK(review_audio_wav(c, path, sha, 500, 1500, &wav, &len, &m) == DP_OK);
	CHECK(len == 44 + 44100 * 2 * 2);
	CHECK(wav && review_le(wav + 22, 2) == 2 && review_le(wav + 24, 4) == 44100);
	free(wav);
	unlink(path);
	CHECK(review_audio_wav(c, path, sha, 0, 1000, &wav, &len, &m) == DP_ERR_IO && !wav);
	CHECK(strstr(m.text, "'acc04.flac': the recording is no longer at ") != NULL);
}

static void test_review_media(void)
{
	char dir[] = "/tmp/docpipe-review-XXXXXX";
	struct conf c;

	if (!mkdtemp(dir)) {
		CHECK(!"mkdtemp");
		return;
	}
	conf_defaults(&c, ".");
	snprintf(c.archive_dir, sizeof c.archive_dir, "%s/archive", dir);
	test_review_scan(&c, dir);
	test_review_audio(&c, dir);
	rmdir(c.archive_dir);
	CHECK(rmdir(dir) == 0);
}

/* image_read_png_grey gives what pixReadMem gives (pixels, resolution) for
 * an 8-bit grey PNG, and NULL for what it leaves to Leptonica: colour, a
 * cut-off file. */
static void test_png_grey(void)
{
	PIX *g = pixCreate(1001, 37, 8), *rgb, *a, *b;
	l_uint8 *png = NULL, *cpng = NULL;
	size_t n = 0, cn = 0;

	for (l_int32 y = 0; y < 37; y++)
		for (l_int32 x = 0; x < 1001; x++)
			pixSetPixel(g, x, y, (l_uint32)((x * 7 + y * 13) % 256));
	pixSetResolution(g, 300, 200);
	CHECK(pixWriteMem(&png, &n, g, IFF_PNG) == 0);
	a = image_read_png_grey(png, n);
	b = pixReadMem(png, n);
	l_int32 same = 0;
	CHECK(a && b && pixEqual(a, b, &same) == 0 && same);
	CHECK(a && pixGetXRes(a) == 300 && pixGetYRes(a) == 200 && pixGetDepth(a) == 8);
	CHECK(a && pixGetWidth(a) == 1001 && pixGetHeight(a) == 37);
	pixDestroy(&a);
	pixDestroy(&b);
	CHECK(image_read_png_grey(png, n / 2) == NULL); /* cut off */
	CHECK(image_read_png_grey(png, 7) == NULL);
	rgb = pixConvertTo32(g);
	CHECK(rgb && pixWriteMem(&cpng, &cn, rgb, IFF_PNG) == 0);
	CHECK(image_read_png_grey(cpng, cn) == NULL); /* colour: Leptonica's */
	pixDestroy(&rgb);
	pixDestroy(&g);
	free(png);
	free(cpng);
}

/* An 8-bit w x h picture of noise from *r: any byte, or (blocks = 1) dark
 * and light noise in 7 x 5 blocks, which has edges to interpolate across. */
static PIX *noise_picture(int w, int h, unsigned *r, int blocks)
{
	PIX *g = pixCreate(w, h, 8);

	for (l_int32 y = 0; y < h; y++)
		for (l_int32 x = 0; x < w; x++) {
			*r = *r * 1103515245u + 12345u;
			unsigned v = *r >> 16 & 255;
			pixSetPixel(g, x, y, !blocks ? v : (x / 7 + y / 5) % 2 ? 255 - (v & 63) : v & 127);
		}
	return g;
}

/* 1 when a and b both exist and hold the same picture; frees both. */
static int same_and_free(PIX *a, PIX *b)
{
	l_int32 same = 0;
	int ok = a && b && pixEqual(a, b, &same) == 0 && same;

	pixDestroy(&a);
	pixDestroy(&b);
	return ok;
}

/* A page through a frame and back (image_add_page, image_from_frame) is the
 * same picture, on widths that end inside a word and a 16-byte block; the
 * frame's bytes are the plain rows. */
static void test_frame_roundtrip(void)
{
	static const int widths[] = { 3, 17, 64, 1001 };
	unsigned r = 4242;
	int ok = 0, plain = 0;

	for (size_t i = 0; i < sizeof widths / sizeof *widths; i++) {
		PIX *g = noise_picture(widths[i], 5, &r, 0);
		struct job *j = job_new();
		pixSetResolution(g, 300, 300);
		if (image_add_page(j, g, 300) == 0 && j->nframes == 1) {
			const struct job_frame *f = &j->frames[0];
			l_uint32 v = 0;
			pixGetPixel(g, widths[i] - 1, 4, &v);
			plain += f->width == widths[i] && ((const unsigned char *)f->data)[4 * widths[i] + widths[i] - 1] == v;
			ok += same_and_free(image_from_frame(f), pixClone(g));
		}
		job_free(&j);
		pixDestroy(&g);
	}
	CHECK(ok == 4 && plain == 4);
}

/* image_binarise gives pixThresholdToBinary's picture bit for bit, on
 * widths that end inside a word and a 32-pixel group, at every threshold
 * band. */
static void test_binarise(void)
{
	static const int widths[] = { 1, 31, 32, 33, 100, 1001 };
	static const int thr[] = { 1, 2, 127, 128, 129, 200, 255 };
	unsigned r = 12345;
	int diff = 0, n = 0;

	for (size_t i = 0; i < sizeof widths / sizeof *widths; i++) {
		PIX *g = noise_picture(widths[i], 9, &r, 0);
		for (size_t k = 0; k < sizeof thr / sizeof *thr; k++, n++)
			diff += !same_and_free(image_binarise(g, thr[k]), pixThresholdToBinary(g, thr[k]));
		pixDestroy(&g);
	}
	CHECK(n == 42 && diff == 0);
}

/* image_rotate_gray gives pixRotate's area-mapped picture pixel for pixel,
 * both ways, small and large angles, odd and even sizes. */
static void test_rotate_gray(void)
{
	static const float deg[] = { 0.03f, 0.07f, -0.5f, 1.52f, -2.5f, 3.0f, 9.9f, -45.0f };
	/* and pages one or two pixels across, where the four neighbours of a
	 * source pixel fall off the page */
	static const int size[][2] = { { 301, 207 }, { 256, 400 }, { 1, 9 }, { 9, 1 }, { 2, 2 } };
	unsigned r = 777;
	int diff = 0, n = 0;

	for (size_t i = 0; i < sizeof size / sizeof *size; i++) {
		PIX *g = noise_picture(size[i][0], size[i][1], &r, 1);
		for (size_t k = 0; k < sizeof deg / sizeof *deg; k++, n++) {
			float rad = deg[k] * (float)(M_PI / 180.0);
			diff += !same_and_free(image_rotate_gray(g, rad),
					       pixRotate(g, rad, L_ROTATE_AREA_MAP, L_BRING_IN_WHITE, 0, 0));
		}
		pixDestroy(&g);
	}
	CHECK(n == 40 && diff == 0);
}

int main(void)
{
	test_ini();
	test_procs();
	test_chunks();
	test_normalize();
	test_expr();
	test_forms();
	test_fees();
	test_fuzzy();
	test_envelope();
	test_conf();
	test_sniff();
	test_tidy();
	test_log_kv();
	test_qr_grants();
	test_qrfind();
	test_review_media();
	test_vocab_normalize();
	test_vocab_expr();
	test_vocab_forms();
	test_vocab_fees();
	test_register();
	test_names();
	test_denoise();
	test_crop_specks();
	test_png_grey();
	test_frame_roundtrip();
	test_binarise();
	test_rotate_gray();
	test_lexicon();
	test_json();
	test_never();
	test_csv_injection();
	test_curve_keys();
	test_inbox_mounts();
	printf("unit: %d checks, %d failures\n", checks, failures);
	return failures ? 1 : 0;
}
