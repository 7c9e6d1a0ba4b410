/* cmd_db.c: `docpipe db migrate|status`: the schema of db/, applied once each. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "../lib/db.h"

int cmd_db(int argc, char **argv)
{
	struct conf c;
	struct db *d = NULL;
	struct dp_msg m;
	int rc, first;

	if ((rc = cli_parse("db", argc, argv, NULL, NULL, NULL, &c, &first)) != CLI_GO)
		return rc;
	rc = EXIT_OK;
	if (argc - first != 1 || (strcmp(argv[first], "migrate") && strcmp(argv[first], "status")))
		return cli_usage_error("db", NULL);
	if (db_open(&d, c.conninfo, 5, &m)) {
		fprintf(stderr, "docpipe: %s\n", m.text);
		return EXIT_FAILURE_RT;
	}
	if (!strcmp(argv[first], "migrate")) {
		if (db_migrate(d, 1, &m)) {
			fprintf(stderr, "docpipe: migration failed: %s\n", m.text);
			rc = EXIT_FAILURE_RT;
		} else {
			printf("docpipe: schema up to date\n");
		}
	} else {
		PGresult *r = PQexec(db_conn(d), "SELECT name, applied_at FROM schema_migrations ORDER BY name");
		if (PQresultStatus(r) != PGRES_TUPLES_OK) {
			fprintf(stderr, "docpipe: no migrations applied yet (run: docpipe db migrate)\n");
			rc = EXIT_FAILURE_RT;
		} else {
			for (int i = 0; i < PQntuples(r); i++)
				printf("%s\t%s\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
		}
		PQclear(r);
	}
	db_close(&d);
	return rc;
}
