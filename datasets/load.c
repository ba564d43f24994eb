/* load.c — turns a data spec into a loaded Dataset (see load.h):
 * resolves "auto" and the Fashion-MNIST directory, then hands over to the
 * generator or loader that owns the format.
 */
#include "datasets/load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "datasets/cifar10.h"
#include "datasets/csv.h"
#include "datasets/glyphs.h"
#include "datasets/idx.h"
#include "datasets/playground.h"
#include "datasets/split.h"

/* dir if given, else $FLIPSCOPE_FASHION_DIR if set, else the Debian path. */
static const char *fashion_dir(const char *dir) {
  const char *env = getenv("FLIPSCOPE_FASHION_DIR");
  return dir ? dir : env && *env ? env : FASHION_DIR_DEFAULT;
}

int fashion_available(const char *dir) { return idx_dir_available(fashion_dir(dir)); }

static int load_fashion(const char *dir, Dataset *out, char *err, size_t errlen) {
  struct stat st;
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
    snprintf(err, errlen, "%s fashion: %s not found (apt-get install dataset-fashion-mnist)",
             error_setting("data").text, dir);
    return ERR_RUNTIME;
  }
  return idx_load_dir(dir, out, err, errlen);
}

/* Refuses the options that mean nothing for the chosen set: 0 or ERR_USAGE. */
static int check_options(const char *set, int playground, int csv, const DatasetOptions *opt,
                         char *err, size_t errlen) {
  if (opt->noise > 0 && !playground) {
    snprintf(err, errlen, "%s: applies to spiral, xor, circles and gauss, not %s",
             error_setting("noise").text, set);
    return ERR_USAGE;
  }
  if (opt->noise > 1) {
    snprintf(err, errlen, "%s: %g is above 1 (Playground's range is 0 to 0.5)",
             error_setting("noise").text, opt->noise);
    return ERR_USAGE;
  }
  if (opt->train_frac > 0 && !playground && !csv) {
    snprintf(err, errlen,
             "%s: applies to spiral, xor, circles, gauss and csv:FILE, not %s (its test split is "
             "fixed)", error_setting("train-frac").text, set);
    return ERR_USAGE;
  }
  if (opt->label_col > 0 && !csv) {
    snprintf(err, errlen, "%s: applies to csv:FILE, not %s", error_setting("label-col").text, set);
    return ERR_USAGE;
  }
  return 0;
}

int dataset_load(const char *spec, const DatasetOptions *opt, Dataset *out, char *err,
                 size_t errlen) {
  static const DatasetOptions defaults = {0};
  if (!opt) opt = &defaults;
  memset(out, 0, sizeof *out);
  if (strcmp(spec, "auto") == 0) spec = fashion_available(opt->fashion_dir) ? "fashion" : "glyphs";

  const char *name = spec;
  const int pg = playground_parse(spec), csv = strncmp(spec, "csv:", 4) == 0 && spec[4];
  const int idx = strncmp(spec, "idx:", 4) == 0 && spec[4];
  const int cifar = strncmp(spec, "cifar10:", 8) == 0 && spec[8];
  if (pg < 0 && !csv && !idx && !cifar && strcmp(spec, "glyphs") && strcmp(spec, "fashion")) {
    snprintf(err, errlen,
             "%s: unknown data set '%s' (expected auto, glyphs, fashion, idx:DIR, cifar10:DIR, "
             "csv:FILE, spiral, xor, circles, gauss)",
             error_setting("data").text, spec);
    return ERR_USAGE;
  }
  const char *set = csv ? "csv:FILE" : idx ? "idx:DIR" : cifar ? "cifar10:DIR" : spec;
  int rc = check_options(set, pg >= 0, csv, opt, err, errlen);
  if (rc) return rc;
  if (strcmp(spec, "glyphs") == 0) {
    rc = glyphs_generate(opt->seed, GLYPHS_TRAIN, GLYPHS_TEST, out, err, errlen);
  } else if (strcmp(spec, "fashion") == 0) {
    rc = load_fashion(fashion_dir(opt->fashion_dir), out, err, errlen);
  } else if (idx) {
    name = "idx";
    rc = idx_load_dir(spec + 4, out, err, errlen);
  } else if (cifar) {
    name = "cifar10";
    rc = cifar10_load_dir(spec + 8, out, err, errlen);
  } else if (csv) {
    name = "csv";
    CsvOptions copt = {.label_col = opt->label_col, .train_frac = opt->train_frac,
                       .seed = opt->seed};
    rc = csv_load(spec + 4, &copt, out, err, errlen);
  } else {
    double frac = opt->train_frac > 0 ? opt->train_frac : PLAYGROUND_TRAIN_FRAC;
    rc = playground_generate((PlaygroundKind)pg, PLAYGROUND_POINTS, opt->noise, frac, opt->seed,
                             out, err, errlen);
  }
  if (rc == 0 && opt->val_frac > 0) rc = split_hold_out(out, opt->val_frac, opt->seed, err, errlen);
  if (rc != 0) {
    dataset_free(out);
    return rc;
  }
  /* CSV columns come in any units, CIFAR-10's colours each have their own
   * range: standardise them on the final training split. */
  if (csv) split_standardise(out);
  if (cifar) split_standardise_channels(out);
  snprintf(out->name, sizeof out->name, "%s", name);
  return 0;
}
