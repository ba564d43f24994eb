/* dataset.c — turns a --data spec into a loaded Dataset (see dataset.h):
 * resolves "auto" and the Fashion-MNIST directory, then hands over to the
 * generator or loader that owns the format.
 */
#include "datasets/dataset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "datasets/glyphs.h"
#include "datasets/idx.h"

/* dir if given, else $FLIPSCOPE_FASHION_DIR if set, else the Debian path. */
static const char *fashion_dir(const char *dir) {
  const char *env = getenv("FLIPSCOPE_FASHION_DIR");
  return dir ? dir : env && *env ? env : FASHION_DIR_DEFAULT;
}

int fashion_available(const char *dir) { return idx_dir_available(fashion_dir(dir)); }

static int load_fashion(const char *dir, Dataset *out, char *err, size_t errlen) {
  struct stat st;
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
    snprintf(err, errlen,
             "--data fashion: %s not found (apt-get install dataset-fashion-mnist)", dir);
    return -1;
  }
  return idx_load_dir(dir, out, err, errlen);
}

int dataset_load(const char *spec, const DatasetOptions *opt, Dataset *out, char *err,
                 size_t errlen) {
  static const DatasetOptions defaults = {0};
  if (!opt) opt = &defaults;
  memset(out, 0, sizeof *out);
  if (strcmp(spec, "auto") == 0) spec = fashion_available(opt->fashion_dir) ? "fashion" : "glyphs";

  const char *name = spec;
  int rc;
  if (strcmp(spec, "glyphs") == 0) {
    rc = glyphs_generate(opt->seed, GLYPHS_TRAIN, GLYPHS_TEST, out, err, errlen);
  } else if (strcmp(spec, "fashion") == 0) {
    rc = load_fashion(fashion_dir(opt->fashion_dir), out, err, errlen);
  } else if (strncmp(spec, "idx:", 4) == 0 && spec[4]) {
    name = "idx";
    rc = idx_load_dir(spec + 4, out, err, errlen);
  } else {
    snprintf(err, errlen,
             "--data: unknown data set '%s' (expected auto, glyphs, fashion, idx:DIR)", spec);
    return -1;
  }
  if (rc == 0) snprintf(out->name, sizeof out->name, "%s", name);
  return rc;
}

void dataset_free(Dataset *d) {
  free(d->storage);
  memset(d, 0, sizeof *d);
}
