/* conv_padding.h — internal to conv.c: the correction that makes a padded
 * tap of the bit im2col count as 0 instead of -1 (the arithmetic is in the
 * comment above the binary forward in conv.c).
 *
 * A position's correction is the sum over its padded taps t of
 * T[t][n] = sum_c w[n][t][c], so it depends only on which kernel rows and
 * which kernel columns its window loses. Each output row whose windows lose
 * kernel rows is a row class of its own, the other rows share class 0; the
 * columns the same. Prepared once per forward (the weights change between
 * calls), the table holds the correction of every (row class, column class)
 * pair, and a position needs one vector add of N floats, or none.
 */
#ifndef FLIPSCOPE_CONV_PADDING_H
#define FLIPSCOPE_CONV_PADDING_H

#include <stddef.h>
#include <stdint.h>

#include "engine/conv_geom.h"

typedef struct {
  const uint32_t *row_class, *col_class; /* Ho, Wo */
  size_t col_classes;
  const float *table; /* row classes x column classes x N */
} ConvPadFix;

/* Bytes conv_padfix_prepare needs, a multiple of 64: 0 when no window loses a
 * tap. */
size_t conv_padfix_bytes(const ConvGeom *g);
/* Fills space (conv_padfix_bytes, 64-byte aligned) with the classes and the
 * table for the weights wbits (N rows of K bits). */
ConvPadFix conv_padfix_prepare(const ConvGeom *g, const uint64_t *wbits, void *space);
/* y ((p1 - p0) x N, bgemm's output for positions p0..p1) += each position's
 * correction. */
void conv_padfix_apply(const ConvGeom *g, const ConvPadFix *fix, size_t p0, size_t p1, float *y);

#endif
