/* test_cifar.c — the CIFAR-10 loader on small files written here: the NHWC
 * conversion pixel by pixel, the labels, the per-channel standardisation
 * (with and without --val-frac), every refusal naming its file and record,
 * and the data fingerprint of colour images. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/cifar10.h"
#include "datasets/load.h"
#include "engine/checkpoint.h"
#include "files.h"
#include "proc.h"
#include "tmpdir.h"

static char err[1024];

TestSuite(cifar, .init = tmpdir_make, .fini = tmpdir_remove);

/* Pixel byte of record r of file i, plane c, position p: varied, and each
 * channel with its own range (red dark, green mid, blue bright and spread). */
static uint8_t pixel(int i, size_t r, int c, size_t p) {
  unsigned v = (unsigned)(i * 31 + r * 17 + p * 7 + (p >> 5) * 3);
  return (uint8_t)(c == 0 ? v % 64 : c == 1 ? 96 + v % 64 : v % 256);
}

/* Label of record r of file i: every class appears across the files. */
static uint8_t label(int i, size_t r) { return (uint8_t)((i + r * 3) % CIFAR_CLASSES); }

/* The bytes of a file of n records, as the format lays them out. */
static uint8_t *file_bytes(int i, size_t n) {
  uint8_t *b = malloc(n * CIFAR_RECORD_BYTES);
  cr_assert(b);
  for (size_t r = 0; r < n; r++) {
    uint8_t *rec = b + r * CIFAR_RECORD_BYTES;
    rec[0] = label(i, r);
    for (int c = 0; c < CIFAR_CHANNELS; c++)
      for (size_t p = 0; p < CIFAR_PIXELS; p++) rec[1 + c * CIFAR_PIXELS + p] = pixel(i, r, c, p);
  }
  return b;
}

/* Records per file: training batches 1..5, then the test batch. */
static const size_t records[6] = {3, 4, 2, 5, 3, 4};

/* Writes the six files into tmp/name (made here). */
static const char *write_set(const char *name) {
  static char dir[256];
  snprintf(dir, sizeof dir, "%s", in_tmp(name));
  cr_assert_eq(mkdir(dir, 0755), 0);
  for (int i = 0; i < 6; i++) {
    uint8_t *b = file_bytes(i, records[i]);
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, cifar10_file_name(i));
    file_write(path, b, records[i] * CIFAR_RECORD_BYTES);
    free(b);
  }
  return dir;
}

static void load(const char *dir, double val_frac, Dataset *d) {
  char spec[300];
  snprintf(spec, sizeof spec, "cifar10:%s", dir);
  DatasetOptions o = {.seed = 1, .val_frac = val_frac};
  cr_assert_eq(dataset_load(spec, &o, d, err, sizeof err), 0, "%s", err);
}

Test(cifar, file_names_are_the_binary_versions) {
  const char *want[6] = {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                         "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"};
  for (int i = 0; i < 6; i++) cr_assert_str_eq(cifar10_file_name(i), want[i]);
}

Test(cifar, planes_become_nhwc_pixel_by_pixel_with_the_labels) {
  Dataset d;
  load(write_set("set"), 0, &d);
  cr_assert_str_eq(d.name, "cifar10");
  const DataSplit *splits[2] = {&d.train, &d.test};
  const size_t n[2] = {3 + 4 + 2 + 5 + 3, 4};
  for (int s = 0; s < 2; s++) {
    const DataSplit *sp = splits[s];
    cr_assert_eq(sp->n, n[s]);
    cr_assert_eq(sp->dim, 3072);
    cr_assert_eq(sp->classes, 10);
    cr_assert(sp->width == 32 && sp->height == 32 && sp->channels == 3, "%zux%zux%zu", sp->height,
              sp->width, sp->channels);
    cr_assert(sp->x_u8 && !sp->x_f32, "bytes, not floats");
    /* Sample k of the split is record r of file i, in file order. */
    size_t k = 0;
    for (int i = s ? 5 : 0; i < (s ? 6 : 5); i++)
      for (size_t r = 0; r < records[i]; r++, k++) {
        cr_assert_eq(sp->labels[k], label(i, r), "file %d record %zu", i, r);
        for (size_t y = 0; y < 32; y++)
          for (size_t x = 0; x < 32; x++)
            for (int c = 0; c < 3; c++) {
              uint8_t got = sp->x_u8[k * 3072 + (y * 32 + x) * 3 + (size_t)c];
              cr_assert_eq(got, pixel(i, r, c, y * 32 + x),
                           "file %d record %zu (y %zu, x %zu) c %d", i, r, y, x, c);
            }
      }
  }
  dataset_free(&d);
}

/* Mean and standard deviation of channel c over the gathered features of s. */
static void channel_stats(const DataSplit *s, int c, double *mean, double *sd) {
  float *x = malloc(s->n * s->dim * sizeof *x);
  uint8_t *y = malloc(s->n);
  cr_assert(x && y);
  data_gather_range(s, 0, s->n, x, y);
  double sum = 0, sq = 0;
  size_t count = 0;
  for (size_t j = (size_t)c; j < s->n * s->dim; j += 3) sum += x[j], count++;
  *mean = sum / (double)count;
  for (size_t j = (size_t)c; j < s->n * s->dim; j += 3) sq += (x[j] - *mean) * (x[j] - *mean);
  *sd = sqrt(sq / (double)count);
  free(x);
  free(y);
}

Test(cifar, each_channel_is_standardised_on_the_training_split) {
  Dataset d;
  load(write_set("set"), 0, &d);
  for (int c = 0; c < 3; c++) {
    double mean, sd;
    channel_stats(&d.train, c, &mean, &sd);
    cr_assert(fabs(mean) < 1e-5, "channel %d: mean %g", c, mean);
    cr_assert(fabs(sd - 1) < 1e-5, "channel %d: sd %g", c, sd);
    /* The test split has the training split's map, not its own statistics. */
    cr_assert_eq(d.test.u8_scale[c], d.train.u8_scale[c]);
    cr_assert_eq(d.test.u8_offset[c], d.train.u8_offset[c]);
  }
  /* The channels' ranges differ (red 0..63, green 96..159): so do their maps. */
  cr_assert_neq(d.train.u8_offset[0], d.train.u8_offset[1]);
  /* Byte 0 of red is (0 - mean) / sd: the red mean is that far below 0. */
  cr_assert_lt(d.train.u8_offset[0], 0);
  dataset_free(&d);
}

Test(cifar, with_a_hold_out_the_final_training_split_sets_the_map) {
  Dataset d;
  load(write_set("set"), 0.25, &d);
  cr_assert_eq(d.val.n, 4, "round(0.25 x 17)");
  cr_assert_eq(d.train.n, 13);
  cr_assert(d.val.channels == 3 && d.val.width == 32, "the hold-out keeps the geometry");
  for (int c = 0; c < 3; c++) {
    double mean, sd;
    channel_stats(&d.train, c, &mean, &sd);
    cr_assert(fabs(mean) < 1e-5 && fabs(sd - 1) < 1e-5, "channel %d: mean %g sd %g", c, mean, sd);
    cr_assert_eq(d.val.u8_scale[c], d.train.u8_scale[c]);
    cr_assert_eq(d.val.u8_offset[c], d.train.u8_offset[c]);
  }
  dataset_free(&d);
}

/* Expects loading dir to fail at runtime with every needle in the message. */
static void expect_refusal(const char *dir, const char *needle1, const char *needle2,
                           const char *needle3) {
  char spec[300];
  snprintf(spec, sizeof spec, "cifar10:%s", dir);
  Dataset d;
  cr_assert_eq(dataset_load(spec, NULL, &d, err, sizeof err), ERR_RUNTIME, "%s", spec);
  const char *needles[3] = {needle1, needle2, needle3};
  for (int k = 0; k < 3; k++)
    if (needles[k]) cr_assert(strstr(err, needles[k]), "'%s' lacks '%s'", err, needles[k]);
  cr_assert_null(strchr(err, '\n'), "one line: %s", err);
  cr_assert_null(d.storage, "nothing kept");
}

Test(cifar, a_missing_file_is_named) {
  const char *dir = write_set("set");
  char path[512];
  snprintf(path, sizeof path, "%s/data_batch_4.bin", dir);
  cr_assert_eq(remove(path), 0);
  expect_refusal(dir, path, "No such file", NULL);
  expect_refusal(in_tmp("nosuch"), in_tmp("nosuch"), "No such file", NULL);
  snprintf(path, sizeof path, "%s/test_batch.bin", dir);
  expect_refusal(path, path, "not a directory", NULL);
}

Test(cifar, a_size_off_the_record_is_named_with_the_record) {
  const char *dir = write_set("set");
  char path[512];
  snprintf(path, sizeof path, "%s/data_batch_2.bin", dir);
  uint8_t *b = file_bytes(1, 2);
  file_write(path, b, 2 * CIFAR_RECORD_BYTES - 100); /* the last record cut short */
  free(b);
  expect_refusal(dir, path, "6046 bytes is not a positive multiple of 3073",
                 "a record is 1 label byte and 3072 pixel bytes");
  file_write(path, "", 0);
  expect_refusal(dir, path, "0 bytes is not a positive multiple of 3073", NULL);
}

Test(cifar, a_label_above_9_names_file_record_and_value) {
  const char *dir = write_set("set");
  char path[512];
  snprintf(path, sizeof path, "%s/test_batch.bin", dir);
  uint8_t *b = file_bytes(5, records[5]);
  b[2 * CIFAR_RECORD_BYTES] = 10; /* record 2's label */
  file_write(path, b, records[5] * CIFAR_RECORD_BYTES);
  expect_refusal(dir, path, "record 2 (byte 6146)", "label 10 is not in 0..9");
  b[2 * CIFAR_RECORD_BYTES] = 255;
  file_write(path, b, records[5] * CIFAR_RECORD_BYTES);
  expect_refusal(dir, path, "record 2 (byte 6146)", "label 255");
  free(b);
}

Test(cifar, the_fingerprint_counts_every_channel_map) {
  Dataset d;
  load(write_set("set"), 0, &d);
  uint32_t fp = checkpoint_data_fingerprint(&d.train, &d.test);
  for (int c = 0; c < 3; c++) {
    DataSplit other = d.train;
    other.u8_scale[c] *= 1.5f;
    cr_assert_neq(checkpoint_data_fingerprint(&other, &d.test), fp, "channel %d's scale", c);
    other = d.train;
    other.u8_offset[c] += 0.25f;
    cr_assert_neq(checkpoint_data_fingerprint(&other, &d.test), fp, "channel %d's offset", c);
  }
  /* Grey images hash one map, whatever lies in the unused channels. */
  DataSplit grey = d.train, grey2;
  grey.channels = 1;
  grey2 = grey;
  grey2.u8_scale[1] = 7, grey2.u8_offset[2] = 9;
  cr_assert_eq(checkpoint_data_fingerprint(&grey, NULL),
               checkpoint_data_fingerprint(&grey2, NULL));
  grey2.u8_scale[0] = 7;
  cr_assert_neq(checkpoint_data_fingerprint(&grey, NULL),
                checkpoint_data_fingerprint(&grey2, NULL));
  dataset_free(&d);
}

Test(cifar, trains_end_to_end_and_refuses_bad_files_in_one_line, .timeout = 60) {
  const char *dir = write_set("set");
  ProcResult r;
  run_flipscope_ok(&r, "--headless --data cifar10:%s --model mlp:16 --steps 4 --batch 4 "
                   "--threads 1", dir);
  cr_assert(strstr(r.out, "\"data\":\"cifar10\""), "%s", r.out);
  char path[512], args[800], want[600];
  snprintf(path, sizeof path, "%s/data_batch_5.bin", dir);
  file_write(path, "x", 1);
  snprintf(args, sizeof args, "--headless --data cifar10:%s --steps 1", dir);
  snprintf(want, sizeof want, "flipscope: %s: 1 bytes is not a positive multiple of 3073", path);
  expect_exit(args, 1, want);
}
