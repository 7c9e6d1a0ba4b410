/* bench/address_subst.c: how many one-character misreadings of an address
 * still read as an address (lib/lexicon.c, lexicon_is_address)? Reads lines
 * from standard input and prints "1 LINE" or "0 LINE". Built and run by
 * bench/address_subst.sh. */
#include <stdio.h>
#include <string.h>

#include "lexicon.h"

int main(int argc, char **argv)
{
	struct lexicon *lx = NULL;
	struct dp_msg m;
	char line[1024];

	if (argc != 2 || lexicon_load(&lx, argv[1], &m) != DP_OK || !lx) {
		fprintf(stderr, "usage: address_subst DICTIONARY_DIR < LINES (%s)\n", argc == 2 ? m.text : "");
		return 2;
	}
	while (fgets(line, sizeof line, stdin)) {
		line[strcspn(line, "\n")] = '\0';
		printf("%d %s\n", lexicon_is_address(lx, line), line);
	}
	lexicon_free(&lx);
	return 0;
}
