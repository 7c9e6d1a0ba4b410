/* cmd_keygen.c: `docpipe keygen NAME...`: a CURVE key pair for each NAME,
 * written as NAME.key (the pair: secret, mode 0600) and NAME.pub (the public
 * key, to hand out), never over an existing file. The coordinator's pair is
 * [curve] secret_key of its pipeline.conf and its .pub every worker's
 * coordinator_key; a worker's .pub goes into the coordinator's
 * admitted_keys folder (src/curve.h, docs/OPERATIONS.md). */
#include <stdio.h>

#include "cli.h"
#include "curve.h"

int cmd_keygen(int argc, char **argv)
{
	static struct conf c; /* -c is accepted like everywhere; keygen needs no configuration */
	struct dp_msg m;
	int rc, first;

	if ((rc = cli_parse("keygen", argc, argv, NULL, NULL, NULL, &c, &first)) != CLI_GO)
		return rc;
	if (first >= argc)
		return cli_usage_error("keygen", NULL);
	for (int i = first; i < argc; i++) {
		if (curve_keygen(argv[i], &m)) {
			fprintf(stderr, "docpipe keygen: %s\n", m.text);
			return EXIT_FAILURE_RT;
		}
		fprintf(stderr, "docpipe keygen: wrote %s.key (secret, mode 0600) and %s.pub\n", argv[i], argv[i]);
	}
	return EXIT_OK;
}
