/* fuzzy.h: approximate matching of text read by OCR (form titles, closed lists). */
#ifndef DP_FUZZY_H
#define DP_FUZZY_H

/* How well `pattern` occurs somewhere in `text`, from 0 to 1:
 * 1 - (fewest edits that turn some substring of text into pattern) / length
 * of pattern, counted in characters; spaces are ignored. */
double fuzzy_find(const char *pattern, const char *text);

/* Levenshtein distance between a and b in characters (code points), spaces
 * ignored. */
int fuzzy_distance(const char *a, const char *b);

#endif
