/* number_text.h — the spellings of numbers flipscope accepts from a user, in
 * one place, so that flags, config files, --change, sweep lists, the filter
 * command and the live view's typed values accept exactly the same ones.
 *
 * A real is plain decimal: an optional sign, digits with an optional point
 * (".5" and "5." too), an optional exponent ("1e-3", "3E+2"), finite. strtod
 * takes more (hexadecimal "0x10", "inf", "nan", leading blanks): those are
 * refused, since a user does not mean them. A count is decimal digits only.
 * Numbers are read in the C locale (the live view sets LC_CTYPE only). */
#ifndef FLIPSCOPE_NUMBER_TEXT_H
#define FLIPSCOPE_NUMBER_TEXT_H

/* s as a real: 0, or -1 when it is not one of the spellings above. */
int number_text_real(const char *s, double *out);
/* s as a count (digits only, no sign, no blanks, fits 64 bits): 0 or -1. */
int number_text_count(const char *s, unsigned long long *out);
/* The length of the real spelled at the start of s (0: none), for lists. */
int number_text_real_prefix(const char *s, double *out, const char **end);

#endif
