/* test_datasets2.c — the 2-D Playground sets, the CSV loader (formats and
 * every refusal with FILE:ROW:COL), the --val-frac hold-out, standardisation,
 * the IDX size check before allocation, and the data-set flags end to end. */
#include <criterion/criterion.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "datasets/csv.h"
#include "datasets/load.h"
#include "datasets/idx.h"
#include "datasets/playground.h"
#include "datasets/split.h"
#include "proc.h"
#include "tmpdir.h"

static char err[1024];

TestSuite(csv, .init = tmpdir_make, .fini = tmpdir_remove);
TestSuite(dataflags, .init = tmpdir_make, .fini = tmpdir_remove);

/* Writes text to tmp/name and returns the path (static, one of a few). */
static const char *put(const char *name, const char *text) {
  static char bufs[4][256];
  static int next;
  char *p = bufs[next++ % 4];
  snprintf(p, 256, "%s/%s", tmp, name);
  FILE *f = fopen(p, "wb");
  cr_assert(f);
  fwrite(text, 1, strlen(text), f);
  fclose(f);
  return p;
}

/* ---- the Playground sets ---- */

static void load(const char *spec, const DatasetOptions *o, Dataset *d) {
  cr_assert_eq(dataset_load(spec, o, d, err, sizeof err), 0, "%s: %s", spec, err);
}

Test(playground, shapes_defaults_determinism_and_labels) {
  const char *sets[] = {"spiral", "xor", "circles", "gauss"};
  for (int k = 0; k < 4; k++) {
    DatasetOptions o = {.seed = 5};
    Dataset a, b, c;
    load(sets[k], &o, &a);
    load(sets[k], &o, &b);
    o.seed = 6;
    load(sets[k], &o, &c);
    cr_assert_str_eq(a.name, sets[k]);
    cr_assert_eq(a.train.n + a.test.n, PLAYGROUND_POINTS);
    cr_assert_eq(a.train.n, PLAYGROUND_POINTS / 2, "Playground's 50%% training split");
    cr_assert_eq(a.train.dim, 2);
    cr_assert(!a.train.channels && !a.train.width && !a.train.height, "%s: flat data", sets[k]);
    cr_assert_eq(a.train.classes, 2);
    cr_assert_eq(a.val.n, 0);
    cr_assert_arr_eq(a.train.x_f32, b.train.x_f32, a.train.n * 2 * sizeof(float), "%s: same seed", sets[k]);
    cr_assert(memcmp(a.train.x_f32, c.train.x_f32, a.train.n * 2 * sizeof(float)),
              "%s: another seed, other points", sets[k]);
    size_t ones = 0;
    for (size_t i = 0; i < a.train.n; i++) {
      float x = a.train.x_f32[2 * i], y = a.train.x_f32[2 * i + 1];
      cr_assert(fabsf(x) < 3 && fabsf(y) < 3, "%s: point %zu out of range", sets[k], i);
      int label = a.train.labels[i];
      ones += (size_t)label;
      if (k == 1) cr_assert_eq(label, x * y >= 0, "xor: the quadrant decides");
      if (k == 2) cr_assert_eq(label, hypotf(x, y) < 0.5f, "circles: the radius decides");
    }
    cr_assert(ones > a.train.n / 3 && ones < 2 * a.train.n / 3, "%s: shuffled, both classes", sets[k]);
    dataset_free(&a);
    dataset_free(&b);
    dataset_free(&c);
  }
}

Test(playground, train_frac_and_noise) {
  DatasetOptions o = {.seed = 1, .train_frac = 0.8};
  Dataset a, b;
  load("circles", &o, &a);
  cr_assert_eq(a.train.n, 1600);
  cr_assert_eq(a.test.n, 400);
  o.noise = 0.3;
  load("circles", &o, &b);
  cr_assert(memcmp(a.train.x_f32, b.train.x_f32, 1600 * 2 * sizeof(float)), "noise moves points");
  dataset_free(&a);
  dataset_free(&b);
  /* gauss: noise widens the clusters until they overlap */
  size_t wrong[2] = {0};
  for (int i = 0; i < 2; i++) {
    DatasetOptions g = {.seed = 1, .noise = i * 0.5};
    load("gauss", &g, &a);
    for (size_t j = 0; j < a.train.n; j++)
      wrong[i] += (a.train.x_f32[2 * j] + a.train.x_f32[2 * j + 1] > 0) != a.train.labels[j];
    dataset_free(&a);
  }
  cr_assert(wrong[0] < 5 && wrong[1] > 50, "points on the wrong side: %zu, %zu", wrong[0], wrong[1]);
}

/* A setting the set does not have is a usage error naming the setting. */
Test(playground, options_that_do_not_apply_are_refused) {
  Dataset d;
  DatasetOptions o = {.noise = 0.1};
  cr_assert_eq(dataset_load("glyphs", &o, &d, err, sizeof err), ERR_USAGE);
  cr_assert_str_eq(err, "noise: applies to spiral, xor, circles and gauss, not glyphs");
  o = (DatasetOptions){.noise = 1.5};
  cr_assert_eq(dataset_load("xor", &o, &d, err, sizeof err), ERR_USAGE);
  cr_assert(strstr(err, "noise: 1.5 is above 1"), "%s", err);
  o = (DatasetOptions){.train_frac = 0.5};
  cr_assert_eq(dataset_load("glyphs", &o, &d, err, sizeof err), ERR_USAGE);
  cr_assert(strncmp(err, "train-frac: applies to", 22) == 0, "%s", err);
  o = (DatasetOptions){.label_col = 2};
  cr_assert_eq(dataset_load("spiral", &o, &d, err, sizeof err), ERR_USAGE);
  cr_assert_str_eq(err, "label-col: applies to csv:FILE, not spiral");
}

/* ---- CSV ---- */

static Dataset csv_ok(const char *text, const CsvOptions *o) {
  Dataset d;
  const char *path = put("ok.csv", text);
  cr_assert_eq(csv_load(path, o, &d, err, sizeof err), 0, "%s", err);
  return d;
}

/* Expects the CSV text to be refused with exactly `want` after the path. */
static void csv_refused(const char *text, const CsvOptions *o, const char *want) {
  Dataset d;
  const char *path = put("bad.csv", text);
  cr_assert_eq(csv_load(path, o, &d, err, sizeof err), ERR_RUNTIME, "accepted: %s", text);
  char full[512];
  snprintf(full, sizeof full, "%s%s", path, want);
  cr_assert_str_eq(err, full);
  cr_assert_null(d.storage);
}

/* The multiset of labels of a split, as counts. */
static void label_counts(const DataSplit *s, size_t *count) {
  for (size_t i = 0; i < s->n; i++) count[s->labels[i]]++;
}

Test(csv, header_numeric_labels_and_split) {
  CsvOptions o = {.seed = 1};
  Dataset d = csv_ok("label,x,y\n0,1,10\n1,2,20\n2,3,30\n0,4,40\n1,5,50\n", &o);
  cr_assert_eq(d.train.n + d.test.n, 5);
  cr_assert_eq(d.train.n, 4, "80%% of 5 rows");
  cr_assert_eq(d.train.dim, 2);
  cr_assert(!d.train.channels && !d.test.channels && !d.train.width, "CSV rows are flat");
  cr_assert_eq(d.train.classes, 3);
  size_t counts[3] = {0};
  label_counts(&d.train, counts);
  label_counts(&d.test, counts);
  cr_assert(counts[0] == 2 && counts[1] == 2 && counts[2] == 1);
  /* Rows keep label and features together: y = 10 x, label = (x - 1) % 3. */
  for (size_t i = 0; i < d.train.n; i++) {
    float x = d.train.x_f32[2 * i], y = d.train.x_f32[2 * i + 1];
    cr_assert_float_eq(y, 10 * x, 1e-4);
    cr_assert_eq(d.train.labels[i], (int)(x - 1) % 3);
  }
  dataset_free(&d);
}

Test(csv, label_names_columns_quotes_and_delimiters) {
  CsvOptions o = {.label_col = 3, .seed = 2, .train_frac = 0.5};
  /* A byte-order mark, semicolons, quotes with "" inside, CRLF, blank lines. */
  Dataset d = csv_ok("\xEF\xBB\xBF\"a;b\";\"c\";species\r\n"
                     "1.5;2;virginica\r\n\r\n"
                     "  -3 ; 4e2 ; \"setosa\"\r\n"
                     "0x1p3;1e-3;\"vir\"\"gin\"\r\n"
                     "7;8;setosa\r\n", &o);
  cr_assert_eq(d.train.n + d.test.n, 4);
  cr_assert_eq(d.train.classes, 3, "setosa, vir\"gin, virginica");
  size_t counts[3] = {0};
  label_counts(&d.train, counts);
  label_counts(&d.test, counts);
  cr_assert(counts[0] == 2 && counts[1] == 1 && counts[2] == 1, "sorted names: setosa first");
  dataset_free(&d);

  o = (CsvOptions){.seed = 1};
  d = csv_ok("1\t0.5\t-1\n0\t2\t3\n", &o);
  cr_assert_eq(d.train.dim, 2, "tabs");
  dataset_free(&d);
  d = csv_ok("5,1\n-5,2\n", &o); /* labels that are not 0..255: names "-5" and "5" */
  cr_assert_eq(d.train.classes, 2);
  dataset_free(&d);
}

Test(csv, every_refusal_names_file_row_and_column) {
  CsvOptions o = {0};
  csv_refused("y,a,b\n0,1,2\n1,2\n", &o, ":3:3: the row ends after 2 columns, expected 3 (as in line 1)");
  csv_refused("0,1,2\n1,2,3,4\n", &o, ":2:4: more than 3 columns (line 1 has 3)");
  csv_refused("y,a\n0,1\n1,abc\n", &o, ":3:2: 'abc' is not a number");
  csv_refused("0,1\n1,\n", &o, ":2:2: empty cell");
  csv_refused("0,1\n1,nan\n", &o, ":2:2: 'nan' is not a finite number");
  csv_refused("0,1\n1,inf\n", &o, ":2:2: 'inf' is not a finite number");
  csv_refused("0,1\n1,1e39\n", &o, ":2:2: '1e39' is outside the float range");
  csv_refused("0,1\n1,\"2\n", &o, ":2:2: unterminated quote (a quoted cell cannot span lines)");
  csv_refused("0,1\n1,\"2\"x\n", &o, ":2:2: text after the closing quote");
  csv_refused(",1\n1,2\n", &o, ":1:1: empty label");
  csv_refused("1\n2\n", &o, ":1: one column; a label and at least one feature are needed");
  csv_refused("", &o, ": empty file (no rows)");
  csv_refused("\n  \n", &o, ": empty file (no rows)");
  csv_refused("y,a\n", &o, ": 0 data rows; at least 2 are needed (training and test)");
  csv_refused("y,a\n1,2\n", &o, ": 1 data row; at least 2 are needed (training and test)");
  csv_refused("3,1\n3,2\n3,5\n", &o, ": every row has the label '3' (column 1); at least two classes are needed");
  csv_refused("0,1\n0,\x1b[31mred\n1,2\n", &o, ":2:2: '?[31mred' is not a number");
  /* A label column past the last is the setting's fault, not the file's. */
  CsvOptions far = {.label_col = 5};
  Dataset d;
  const char *path = put("bad.csv", "0,1,2\n1,2,3\n");
  cr_assert_eq(csv_load(path, &far, &d, err, sizeof err), ERR_USAGE);
  char want[512];
  snprintf(want, sizeof want, "label-col: column 5 does not exist; %s has 3 columns", path);
  cr_assert_str_eq(err, want);
  cr_assert_null(d.storage);
  /* more than 256 distinct names */
  size_t len = 0, cap = 300 * 16;
  char *many = malloc(cap);
  for (int i = 0; i < 300; i++) len += (size_t)snprintf(many + len, cap - len, "c%d,%d\n", i, i);
  csv_refused(many, &o, ": more than 256 distinct labels in column 1");
  free(many);
  cr_assert_eq(csv_load("/nonexistent/x.csv", &o, &d, err, sizeof err), ERR_RUNTIME);
  cr_assert_str_eq(err, "/nonexistent/x.csv: No such file or directory");
  cr_assert_eq(csv_load(tmp, &o, &d, err, sizeof err), -1);
  cr_assert(strstr(err, "not a regular file"), "%s", err);
}

Test(csv, features_are_standardised_on_the_training_split) {
  /* Through dataset_load: the hold-out comes first, then the statistics. */
  char text[8192];
  size_t len = 0;
  for (int i = 0; i < 200; i++)
    len += (size_t)snprintf(text + len, sizeof text - len, "%d,%d,%g,7\n", i % 2, 1000 + i,
                            0.001 * (i * 37 % 101));
  const char *path = put("std.csv", text);
  char spec[300];
  snprintf(spec, sizeof spec, "csv:%s", path);
  DatasetOptions o = {.seed = 3, .val_frac = 0.25};
  Dataset d;
  load(spec, &o, &d);
  cr_assert_str_eq(d.name, "csv");
  cr_assert_eq(d.train.n, 120, "200 x 0.8 = 160, a quarter held out");
  cr_assert_eq(d.val.n, 40);
  cr_assert_eq(d.test.n, 40);
  for (size_t k = 0; k < 3; k++) {
    double mean = 0, sq = 0;
    for (size_t i = 0; i < d.train.n; i++) mean += d.train.x_f32[i * 3 + k];
    mean /= (double)d.train.n;
    for (size_t i = 0; i < d.train.n; i++) sq += pow(d.train.x_f32[i * 3 + k] - mean, 2);
    double sd = sqrt(sq / (double)d.train.n);
    cr_assert(fabs(mean) < 1e-5, "feature %zu: mean %g", k, mean);
    if (k < 2) cr_assert(fabs(sd - 1) < 1e-4, "feature %zu: sd %g", k, sd);
    else cr_assert(sd == 0, "a constant feature stays 0, not NaN");
  }
  for (size_t i = 0; i < d.test.n * 3; i++) cr_assert(isfinite(d.test.x_f32[i]));
  dataset_free(&d);
}

/* ---- the validation hold-out ---- */

Test(holdout, keeps_every_training_row_once_and_is_seeded) {
  Dataset full, a, b;
  load("glyphs", &(DatasetOptions){.seed = 1}, &full);
  DatasetOptions o = {.seed = 1, .val_frac = 0.25};
  load("glyphs", &o, &a);
  load("glyphs", &o, &b);
  cr_assert_eq(a.train.n, 9000);
  cr_assert_eq(a.val.n, 3000);
  cr_assert_eq(a.test.n, 2000);
  cr_assert_eq(a.val.dim, 256);
  cr_assert_arr_eq(a.val.labels, b.val.labels, 3000, "the same seed holds out the same rows");
  cr_assert_arr_eq(a.test.x_f32, full.test.x_f32, 2000 * 256 * sizeof(float), "test untouched");
  /* train + val hold exactly the original training rows (first feature as a key). */
  double sum_full = 0, sum_split = 0;
  for (size_t i = 0; i < full.train.n; i++) sum_full += full.train.x_f32[i * 256 + 100];
  for (size_t i = 0; i < a.train.n; i++) sum_split += a.train.x_f32[i * 256 + 100];
  for (size_t i = 0; i < a.val.n; i++) sum_split += a.val.x_f32[i * 256 + 100];
  cr_assert(fabs(sum_full - sum_split) < 1e-3, "%g vs %g", sum_full, sum_split);
  size_t counts[10] = {0};
  label_counts(&a.val, counts);
  for (int c = 0; c < 10; c++) cr_assert(counts[c] > 200, "class %d: %zu in val", c, counts[c]);
  dataset_free(&full);
  dataset_free(&a);
  dataset_free(&b);
  Dataset d;
  o.val_frac = 0.00001;
  cr_assert_eq(dataset_load("glyphs", &o, &d, err, sizeof err), ERR_USAGE);
  cr_assert_str_eq(err, "val-frac: 1e-05 of 12000 training samples leaves the validation split empty");
}

/* ---- IDX: a header announcing more than the file holds is refused before allocation ---- */

Test(idxsize, huge_claims_are_refused_before_allocation) {
  IdxFile f;
  uint8_t raw[16] = {0, 0, 8, 3, 0, 0, 0x10, 0, 0, 0, 0, 28, 0, 0, 0, 28}; /* 4096 x 28 x 28 */
  cr_assert_eq(idx_open_mem(&f, "mem.idx", raw, sizeof raw, 3, err, sizeof err), 0, "%s", err);
  cr_assert_eq(idx_check_size(&f, err, sizeof err), -1);
  cr_assert_str_eq(err, "mem.idx: truncated at byte 16 of 3211280");
  idx_close(&f);
  uint8_t gz[] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 0, 0, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0};
  cr_assert_eq(idx_open_mem(&f, "mem.gz", gz, sizeof gz, 1, err, sizeof err), -1);
  cr_assert(strstr(err, "mem.gz"), "%s", err);
}

/* ---- the flags end to end ---- */

Test(dataflags, errors_exit_with_one_line) {
  expect_exit("--headless --data glyphs --noise 0.2", 2, "--noise: applies to");
  expect_exit("--headless --data glyphs --train-frac 0.5", 2, "--train-frac: applies to");
  expect_exit("--headless --data xor --train-frac 1", 2, "--train-frac: expected a number in (0, 1)");
  expect_exit("--headless --data xor --val-frac 1", 2, "--val-frac: expected a number in [0, 1)");
  expect_exit("--headless --data xor --label-col 2", 2, "--label-col: applies to csv:FILE");
  const char *bad = put("ragged.csv", "y,a,b\n0,1,2\n1,2,3\n0,5\n");
  char args[512];
  snprintf(args, sizeof args, "--headless --data csv:%s", bad);
  char want[300];
  snprintf(want, sizeof want, "%s:4:3: the row ends after 2 columns", bad);
  expect_exit(args, 1, want);
  snprintf(args, sizeof args, "--headless --data csv:%s --label-col 4", bad);
  expect_exit(args, 2, "--label-col: column 4 does not exist");
  const char *tiny = put("tiny.csv", "0,1\n1,2\n0,3\n");
  snprintf(args, sizeof args, "--headless --data csv:%s --val-frac 0.9 --batch 1", tiny);
  expect_exit(args, 2, "--val-frac: 0.9 of 2 training samples leaves the training split empty");
  expect_exit("--headless --data csv:/nonexistent.csv", 1, "/nonexistent.csv: No such file");
}

Test(dataflags, gauss_learns_and_val_acc_is_reported, .timeout = 60) {
  ProcResult r;
  run_flipscope("--headless --data gauss --model mlp:32 --epochs 4 --batch 25 --val-frac 0.2 "
                "--threads 1", &r);
  cr_assert_eq(r.code, 0, "%s", r.err);
  cr_assert_gt(json_number(r.out, "test_acc"), 0.9, "%s", r.out);
  double val = json_number(r.out, "val_acc");
  cr_assert(val > 0.9 && val <= 1, "%s", r.out);
  /* A CSV run: two separable blobs. */
  char text[4096];
  size_t len = 0;
  for (int i = 0; i < 120; i++)
    len += (size_t)snprintf(text + len, sizeof text - len, "%s,%d,%d\n", i % 2 ? "yes" : "no",
                            (i % 2 ? 50 : -50) + i % 7, (i % 2 ? 3 : -3) + i % 5);
  run_flipscope_ok(&r, "--headless --data csv:%s --model mlp:16 --epochs 20 --batch 8 --alpha 0.01 "
                   "--threads 1", put("blobs.csv", text));
  cr_assert_gt(json_number(r.out, "test_acc"), 0.9, "%s", r.out);
  cr_assert(!strstr(r.out, "val_acc"), "no val_acc without --val-frac");
}
