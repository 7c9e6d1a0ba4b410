/* fieldtype.h: the field types of form templates, one row each.
 *
 * A row (lib/fieldtype.c) says everything the pipeline does differently for
 * a type: its name in a template (`type = NAME`), how the field is read (a
 * line of text, one tick box, or a group of option boxes), the recognition
 * model and the characters it may return, the default confidence under which
 * a value goes to review, the normaliser that turns what was read into the
 * stored value, and so the validity check (a value is valid when its
 * normaliser accepts it). lib/forms.c, stages/ocr.c and stages/validate.c
 * read the row; none of them switches on the type.
 *
 * Adding a type: one row in fieldtype.c and its normaliser in normalize.c.
 * docs/FORMS-reference.md lists the types for template writers. */
#ifndef DP_FIELDTYPE_H
#define DP_FIELDTYPE_H

#include <stddef.h>

enum field_read {
	FIELD_READ_TEXT,   /* a line of text (or a comb of cells) in the field's box */
	FIELD_READ_TICK,   /* one printed square: "yes" when ticked, else "no" */
	FIELD_READ_CHOICE, /* printed squares, one per option: the ticked options' labels,
			    * joined by "," in template order ("" none) */
};

enum field_model {
	FIELD_MODEL_JPN, /* Tesseract's jpn model (Japanese writing with digits) */
	FIELD_MODEL_ENG, /* Tesseract's eng model (Latin letters and digits only) */
};

struct field_type {
	const char *name;
	enum field_read read;
	enum field_model model;  /* for FIELD_READ_TEXT */
	const char *allowed;     /* characters the engine may return; "" any */
	/* for jpn: a reading that is mostly Latin writing (R7.4.14, DX-B2) is read
	 * again by eng restricted to these ("" any), and runs of digits are
	 * re-read by eng; NULL: neither (kana has no Latin writing) */
	const char *latin;
	double min_conf;         /* default `min_confidence`: under it, needs_review */
	/* raw text to the stored value; returns 0 when valid (normalize.h);
	 * NULL: the value is what was read (tick boxes) */
	int (*normalise)(const char *in, char *out, size_t n);
	/* FIELD_READ_CHOICE: 1 = any number of options may be ticked (choices,
	 * "tick all that apply"); 0 = one at most (choice: two ticks are
	 * needs_review and choice_multiple) */
	int multi;
	/* characters never written in a value of this type: a reading that
	 * holds one is an OCR confusion (丁 read as 」, ENGINES.md) and goes to
	 * review whatever its confidence; NULL none */
	const char *never;
	/* 1: a reading the first model is not sure of is read again by a second,
	 * independently trained model (Tesseract's Japanese script model); the
	 * two agreeing is the evidence that accepts the value, their disagreeing
	 * sends it to review (stages/ocr.c). 0: no second model */
	int second;
	/* a person's name (lib/names.h) in this type is checked against the
	 * name dictionary: FIELD_PERSON_WRITTEN (山田太郎) or
	 * FIELD_PERSON_READING (ヤマダタロウ); 0 never */
	int person;
};
enum { FIELD_PERSON_WRITTEN = 1, FIELD_PERSON_READING = 2 };

/* The row for a template's type name, NULL if there is none. */
const struct field_type *field_type_find(const char *name);
/* "text, kana, ...": every type name into out (size n), for messages. */
void field_type_names(char *out, size_t n);
/* Normalise raw into out (size n) by t's normaliser; 0 when it is valid. */
int field_type_normalise(const struct field_type *t, const char *raw, char *out, size_t n);
/* Does v hold a character of t->never (an OCR confusion)? */
int field_type_never(const struct field_type *t, const char *v);
/* Is v (a stored or corrected value) a valid value of t? "" is valid. */
int field_type_valid(const struct field_type *t, const char *v);

#endif
