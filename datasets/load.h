/* load.h — every data set flipscope can train on, behind one loader.
 *
 * A spec names the set: "auto" (fashion when the Debian package is installed,
 * else glyphs), "glyphs", "fashion", "idx:DIR", "cifar10:DIR" (cifar10.h),
 * "csv:FILE", or one of the 2-D sets "spiral", "xor", "circles", "gauss".
 * Loaders validate what they read; an error names the file and the position.
 */
#ifndef FLIPSCOPE_LOAD_H
#define FLIPSCOPE_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "datasets/dataset.h"
#include "engine/error.h"

#define FASHION_DIR_DEFAULT "/usr/share/datasets/fashion-mnist"

typedef struct {
  uint64_t seed;         /* for generated sets, CSV shuffling and the hold-out */
  const char *fashion_dir; /* NULL: FASHION_DIR_DEFAULT (or $FLIPSCOPE_FASHION_DIR) */
  /* The settings of the same names (with '-' for '_'): */
  double noise;          /* 2-D sets only; 0 none */
  double train_frac;     /* 2-D sets and CSV; 0 the set's default */
  double val_frac;       /* share of the training split held out; 0 none */
  size_t label_col;      /* CSV only, 1-based; 0 the first column */
} DatasetOptions;

/* Loads `spec` (the data setting) into *out, holds out the validation split
 * and standardises the features on the training split: CSV each column,
 * CIFAR-10 each colour channel (split_standardise_channels). Returns 0,
 * or with one line in err (engine/error.h): ERR_USAGE for a setting that is
 * wrong (an unknown set, an option the set does not have, a hold-out that
 * leaves a split empty), ERR_RUNTIME for the data (a missing or bad file,
 * no memory). For "auto", *out->name says which set was chosen. */
int dataset_load(const char *spec, const DatasetOptions *opt, Dataset *out, char *err,
                 size_t errlen);
/* True when the Fashion-MNIST files are present in dir (NULL: default). */
int fashion_available(const char *dir);

#endif
