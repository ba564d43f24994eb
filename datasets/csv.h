/* csv.h — labelled samples from a CSV file (data csv:FILE).
 *
 * One sample per row; one column holds the label (the first, or label-col
 * N counting from 1), every other column a feature. Cells are separated by
 * commas (or by tabs or semicolons when the first row has them) and may be
 * double-quoted ("" inside quotes is a quote; a quoted cell cannot span
 * lines). The first row is a header when one of its feature cells is text
 * that does not spell a number (an empty cell, "nan", "inf" or "1e39" make
 * it a data row, refused like any other). Blank lines are skipped. Labels
 * that are all integers 0..255 are the class numbers, each from 0 to the
 * largest held by some row; otherwise each distinct label is a class,
 * numbered in sorted order (at most 256). Feature cells must be finite numbers within
 * float range. Ragged rows, non-numeric or empty cells, fewer than two rows
 * or classes are refused with FILE:ROW:COL (line and column from 1).
 *
 * The rows are shuffled with the seed and split into train and test; the
 * features are returned as read (dataset.c standardises them on the final
 * training split, after any val-frac hold-out).
 */
#ifndef FLIPSCOPE_CSV_H
#define FLIPSCOPE_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "datasets/dataset.h"

#define CSV_TRAIN_FRAC 0.8          /* default share of rows for training */
#define CSV_MAX_BYTES ((size_t)1 << 31)

typedef struct {
  size_t label_col;    /* 1-based column of the label; 0: the first */
  double train_frac;   /* in (0, 1); 0: CSV_TRAIN_FRAC */
  uint64_t seed;       /* shuffles the rows before the split */
} CsvOptions;

/* Reads FILE and parses it (csv_parse). */
int csv_load(const char *path, const CsvOptions *opt, Dataset *out, char *err, size_t errlen);

/* Parses len bytes of CSV text (no terminating NUL needed); `name` is the
 * file name used in messages. Sets everything in *out except out->name.
 * Returns 0, or with one line in err ERR_USAGE (a label-col past the last
 * column) or ERR_RUNTIME (the file). */
int csv_parse(const char *name, const char *text, size_t len, const CsvOptions *opt,
              Dataset *out, char *err, size_t errlen);

#endif
