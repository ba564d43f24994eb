/* dataset.h — every data set flipscope can train on, behind one loader.
 *
 * A spec names the set: "auto" (fashion when the Debian package is installed,
 * else glyphs), "glyphs", "fashion", later "idx:DIR", "csv:FILE", "spiral"...
 * Loaders validate what they read; an error names the file and the position.
 */
#ifndef FLIPSCOPE_DATASET_H
#define FLIPSCOPE_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "engine/data.h"

#define FASHION_DIR_DEFAULT "/usr/share/datasets/fashion-mnist"

typedef struct {
  char name[64];         /* "fashion", "glyphs", ... as chosen (auto resolved) */
  DataSplit train, test;
  void *storage;         /* owned memory behind the splits */
} Dataset;

typedef struct {
  uint64_t seed;         /* for generated sets */
  const char *fashion_dir; /* NULL: FASHION_DIR_DEFAULT (or $FLIPSCOPE_FASHION_DIR) */
} DatasetOptions;

/* Loads `spec` into *out. Returns 0, or -1 with one line in err (no newline).
 * For "auto", *out->name says which set was chosen. */
int dataset_load(const char *spec, const DatasetOptions *opt, Dataset *out, char *err,
                 size_t errlen);
void dataset_free(Dataset *d);

/* True when the Fashion-MNIST files are present in dir (NULL: default). */
int fashion_available(const char *dir);

#endif
