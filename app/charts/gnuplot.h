/* gnuplot.h — writing gnuplot scripts safely and running them.
 *
 * Every script flipscope writes names its data files relative to its own
 * directory and is run with that directory as the working directory, so no
 * path reaches a script. Strings that do (titles, labels, parameter names)
 * go through gp_quote: a single-quoted gnuplot string, in which gnuplot
 * expands nothing (no backquotes, macros or escapes); quotes are doubled,
 * and control and non-ASCII bytes replaced, so nothing can end the string
 * or the line. Labels are also set `noenhanced`.
 */
#ifndef FLIPSCOPE_GNUPLOT_H
#define FLIPSCOPE_GNUPLOT_H

#include <stddef.h>
#include <stdio.h>

/* Writes s as a safe single-quoted gnuplot string (at most 200 bytes of it). */
void gp_quote(FILE *f, const char *s);

/* The gnuplot to run: $FLIPSCOPE_GNUPLOT if set (empty: none), else the first
 * executable "gnuplot" on $PATH. Returns buf, or NULL when there is none. */
const char *gp_find(char *buf, size_t len);
/* gp_find, or NULL after a warning on stderr that the data and scripts in
 * dir were written but the images not rendered (and `advice`, if not NULL). */
const char *gp_find_or_warn(char *buf, size_t len, const char *dir, const char *advice);

/* Opens dir/name for writing; NULL with a message naming the file. */
FILE *gp_create(const char *dir, const char *name, char *err, size_t errlen);
/* Closes f; -1 with a message when a write failed. */
int gp_close(FILE *f, const char *name, char *err, size_t errlen);

/* Writes the terminal lines that start one rendering of a chart:
 * png: pngcairo to base.png; else svg to base.svg. */
void gp_terminal(FILE *f, const char *base, int png, int width, int height);

/* Runs `gnuplot script` with dir as the working directory, stdin from
 * /dev/null and no DISPLAY. Returns 0; -1 with gnuplot's first error line in
 * err; or -2 when stop (may be NULL; polled while gnuplot runs) said to stop:
 * gnuplot was ended. */
int gp_run(const char *gnuplot, const char *dir, const char *script, int (*stop)(void), char *err,
           size_t errlen);

#endif
