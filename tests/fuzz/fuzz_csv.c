/* fuzz_csv.c — libFuzzer target for the CSV loader: parsing, label
 * numbering, the split, the --val-frac hold-out and standardisation.
 * The first input byte picks --label-col (0..3) and the hold-out; the rest
 * is the file. A loaded set must be consistent and finite. */
#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "datasets/csv.h"
#include "datasets/split.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_split(const DataSplit *s, size_t dim, size_t classes) {
  assert(s->dim == dim && s->classes == classes && s->x_f32 && !s->x_u8);
  for (size_t i = 0; i < s->n; i++) {
    assert(s->labels[i] < classes);
    for (size_t k = 0; k < dim; k++) assert(isfinite(s->x_f32[i * dim + k]));
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  CsvOptions opt = {.label_col = data[0] & 3, .train_frac = (data[0] >> 2 & 3) * 0.25, .seed = 7};
  Dataset d;
  char err[512] = "";
  if (csv_parse("fuzz.csv", (const char *)data + 1, size - 1, &opt, &d, err, sizeof err)) {
    assert(strstr(err, "fuzz.csv") && !strchr(err, '\n'));
    return 0;
  }
  const size_t dim = d.train.dim, classes = d.train.classes;
  assert(dim >= 1 && classes >= 2 && classes <= 256 && d.train.n >= 1 && d.test.n >= 1);
  if (data[0] & 0x10) {
    if (split_hold_out(&d, 0.25, 3, err, sizeof err) == 0) {
      assert(d.val.n >= 1);
      check_split(&d.val, dim, classes);
    } else {
      /* The engine names the setting plainly ("val-frac"); the command line
       * spells it as its flag (engine/error.h). */
      assert(strncmp(err, "val-frac:", 9) == 0 && !strchr(err, '\n'));
    }
  }
  split_standardise(&d);
  check_split(&d.train, dim, classes);
  check_split(&d.test, dim, classes);
  dataset_free(&d);
  return 0;
}
