/* test_datasets.c — the data sets: IDX files raw and gzipped (round trips and
 * every validation error), MNIST-style directories, Fashion-MNIST when
 * installed, the glyphs generator, spec dispatch and batch gathering. */
#include <criterion/criterion.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "datasets/load.h"
#include "datasets/glyphs.h"
#include "datasets/idx.h"
#include "engine/data.h"
#include "files.h"
#include "tmpdir.h"

/* ---- helpers: a temp dir per test, IDX files written into it ---- */

static char err[1024];

TestSuite(idx, .init = tmpdir_make, .fini = tmpdir_remove);
TestSuite(idxdir, .init = tmpdir_make, .fini = tmpdir_remove);

static void write_gz(const char *path, const char *mode, const uint8_t *bytes, size_t len) {
  gzFile g = gzopen(path, mode);
  cr_assert(g, "cannot create %s", path);
  cr_assert_eq(gzwrite(g, bytes, (unsigned)len), (int)len);
  cr_assert_eq(gzclose(g), Z_OK);
}

/* An IDX file image in buf: header for dims, then a payload where byte i is
 * (i * 3 + salt) % modulo. Returns its length. */
static size_t idx_image(uint8_t *buf, unsigned ndims, const uint32_t *dims, unsigned salt,
                        unsigned modulo) {
  size_t n = 1, at = 4;
  buf[0] = 0, buf[1] = 0, buf[2] = 0x08, buf[3] = (uint8_t)ndims;
  for (unsigned k = 0; k < ndims; k++, at += 4) {
    buf[at] = (uint8_t)(dims[k] >> 24), buf[at + 1] = (uint8_t)(dims[k] >> 16);
    buf[at + 2] = (uint8_t)(dims[k] >> 8), buf[at + 3] = (uint8_t)dims[k];
    n *= dims[k];
  }
  for (size_t i = 0; i < n; i++) buf[at + i] = (uint8_t)((i * 3 + salt) % modulo);
  return at + n;
}

/* Expects idx_open(path, ndims) to fail with a message naming path and
 * containing `what`. */
static void expect_open_error(const char *path, unsigned ndims, const char *what) {
  IdxFile f;
  cr_assert_eq(idx_open(&f, path, ndims, err, sizeof err), -1, "%s opened", path);
  cr_assert(strstr(err, path), "message does not name the file: %s", err);
  cr_assert(strstr(err, what), "message lacks '%s': %s", what, err);
}

/* Expects the header to open and idx_read to fail as above. */
static void expect_read_error(const char *path, unsigned ndims, const char *what) {
  IdxFile f;
  static uint8_t dst[1 << 16];
  cr_assert_eq(idx_open(&f, path, ndims, err, sizeof err), 0, "%s", err);
  cr_assert_leq(f.size, sizeof dst);
  cr_assert_eq(idx_read(&f, dst, err, sizeof err), -1, "%s read", path);
  idx_close(&f);
  cr_assert(strstr(err, path), "message does not name the file: %s", err);
  cr_assert(strstr(err, what), "message lacks '%s': %s", what, err);
}

/* Expects d to be the set `name` of n_train and n_test grey images of
 * height x width pixels in `classes` classes. */
static void expect_shape(const Dataset *d, const char *name, size_t n_train, size_t n_test,
                         size_t height, size_t width, size_t classes) {
  cr_assert_str_eq(d->name, name);
  const DataSplit *splits[2] = {&d->train, &d->test};
  const size_t n[2] = {n_train, n_test};
  for (int k = 0; k < 2; k++) {
    const DataSplit *s = splits[k];
    const char *split = k ? "test" : "train";
    cr_assert_eq(s->n, n[k], "%s %s: %zu images, expected %zu", name, split, s->n, n[k]);
    cr_assert_eq(s->dim, height * width, "%s %s: dim %zu", name, split, s->dim);
    cr_assert(s->height == height && s->width == width, "%s %s: %zux%zu images, expected %zux%zu",
              name, split, s->height, s->width, height, width);
    cr_assert_eq(s->channels, 1, "%s %s: %zu channels, expected 1 (grey)", name, split,
                 s->channels);
    cr_assert_eq(s->classes, classes, "%s %s: %zu classes", name, split, s->classes);
  }
}

/* ---- single files ---- */

static void check_round_trip(const char *path, const uint8_t *image, size_t len) {
  IdxFile f;
  uint8_t dst[256];
  cr_assert_eq(idx_open(&f, path, 3, err, sizeof err), 0, "%s", err);
  cr_assert_eq(f.ndims, 3);
  cr_assert_eq(f.dims[0], 5);
  cr_assert_eq(f.dims[1], 4);
  cr_assert_eq(f.dims[2], 3);
  cr_assert_eq(f.size, 60);
  cr_assert_eq(idx_read(&f, dst, err, sizeof err), 0, "%s", err);
  idx_close(&f);
  cr_assert_eq(len, 16 + 60);
  cr_assert_arr_eq(dst, image + 16, 60);
}

Test(idx, round_trip_raw_gzip_and_multi_member_gzip) {
  uint8_t image[256];
  size_t len = idx_image(image, 3, (uint32_t[]){5, 4, 3}, 1, 256);
  file_write(in_tmp("raw"), image, len);
  check_round_trip(in_tmp("raw"), image, len);
  /* A gzip file is recognised by its magic, whatever its name. */
  write_gz(in_tmp("packed"), "wb", image, len);
  check_round_trip(in_tmp("packed"), image, len);
  write_gz(in_tmp("two.gz"), "wb", image, 30);
  write_gz(in_tmp("two.gz"), "ab", image + 30, len - 30);
  check_round_trip(in_tmp("two.gz"), image, len);
}

Test(idx, missing_and_empty_files) {
  expect_open_error(in_tmp("nothing-here"), 1, "No such file");
  file_write(in_tmp("empty"), NULL, 0);
  expect_open_error(in_tmp("empty"), 1, "empty file");
  write_gz(in_tmp("empty.gz"), "wb", NULL, 0);
  expect_open_error(in_tmp("empty.gz"), 1, "empty file");
  expect_open_error(tmp, 1, "not a regular file");
}

Test(idx, header_errors) {
  uint8_t image[256];
  size_t len = idx_image(image, 1, (uint32_t[]){8}, 0, 10);
  image[0] = 0x12;
  file_write(in_tmp("magic"), image, len);
  expect_open_error(in_tmp("magic"), 1, "bad magic 0x12000801 at byte 0");

  len = idx_image(image, 1, (uint32_t[]){8}, 0, 10);
  image[2] = 0x0d; /* float */
  file_write(in_tmp("type"), image, len);
  expect_open_error(in_tmp("type"), 1, "byte 2: data type 0x0d");

  len = idx_image(image, 3, (uint32_t[]){2, 2, 2}, 0, 10);
  file_write(in_tmp("dims"), image, len);
  expect_open_error(in_tmp("dims"), 1, "byte 3: 3 dimensions, expected 1");

  len = idx_image(image, 3, (uint32_t[]){2, 0, 2}, 0, 10);
  file_write(in_tmp("zero"), image, len);
  expect_open_error(in_tmp("zero"), 3, "byte 8: dimension 1 is 0");

  len = idx_image(image, 3, (uint32_t[]){1, 1, 1}, 0, 10);
  memset(image + 4, 0xff, 12); /* 4294967295^3 bytes: must not overflow */
  file_write(in_tmp("huge"), image, len);
  expect_open_error(in_tmp("huge"), 3, "dimensions multiply to more than");

  file_write(in_tmp("short-header"), image, 10);
  expect_open_error(in_tmp("short-header"), 3, "truncated at byte 10 of 16");
}

Test(idx, truncated_and_trailing_raw) {
  uint8_t image[256];
  size_t len = idx_image(image, 3, (uint32_t[]){4, 3, 2}, 0, 256);
  cr_assert_eq(len, 40);
  file_write(in_tmp("cut"), image, 30);
  char want[512];
  snprintf(want, sizeof want, "%s: truncated at byte 30 of 40", in_tmp("cut"));
  expect_read_error(in_tmp("cut"), 3, "truncated");
  cr_assert_str_eq(err, want);

  image[len] = 0;
  file_write(in_tmp("long"), image, len + 1);
  expect_read_error(in_tmp("long"), 3, "trailing garbage after byte 40");
}

/* The bytes of a gzip file of an IDX image big enough to span several
 * deflate codes, in gz (with room for 4 more); returns their length. */
static size_t big_gz(uint8_t *gz, size_t room) {
  static uint8_t image[1 << 15];
  size_t len = idx_image(image, 3, (uint32_t[]){40, 20, 20}, 3, 251);
  for (size_t i = 16; i < len; i += 13) image[i] ^= (uint8_t)(i >> 3); /* less regular */
  write_gz(in_tmp("full.gz"), "wb", image, len);
  size_t zlen;
  char *bytes = file_read_or_fail(in_tmp("full.gz"), &zlen);
  cr_assert_leq(zlen + 4, room);
  memcpy(gz, bytes, zlen);
  free(bytes);
  return zlen;
}

Test(idx, truncated_gzip) {
  static uint8_t gz[1 << 15];
  size_t zlen = big_gz(gz, sizeof gz);

  file_write(in_tmp("half.gz"), gz, zlen / 2);
  expect_read_error(in_tmp("half.gz"), 3, "of 16016 (gzip stream cut off)");
  cr_assert(strstr(err, "truncated at byte"), "%s", err);

  file_write(in_tmp("no-trailer.gz"), gz, zlen - 4); /* all data, checksum cut */
  expect_read_error(in_tmp("no-trailer.gz"), 3, "checksum missing");

  file_write(in_tmp("header-only.gz"), gz, 12);
  expect_open_error(in_tmp("header-only.gz"), 3, "truncated at byte 0 of 16 (gzip stream cut off)");
}

Test(idx, corrupt_gzip) {
  static uint8_t gz[1 << 15];
  size_t zlen = big_gz(gz, sizeof gz);

  gz[zlen - 8] ^= 0x55; /* CRC-32 of the data */
  file_write(in_tmp("crc.gz"), gz, zlen);
  expect_read_error(in_tmp("crc.gz"), 3, "gzip: incorrect data check");
  gz[zlen - 8] ^= 0x55;

  uint8_t first = gz[10];
  gz[10] |= 0x06; /* first deflate block: reserved block type 3 */
  file_write(in_tmp("block.gz"), gz, zlen);
  expect_open_error(in_tmp("block.gz"), 3, "gzip: invalid block type at byte 0");
  gz[10] = first;

  memcpy(gz + zlen, "junk", 4);
  file_write(in_tmp("junk.gz"), gz, zlen + 4);
  expect_read_error(in_tmp("junk.gz"), 3, "trailing garbage after the gzip stream");
}

/* ---- MNIST-style directories ---- */

/* Writes the four files of an MNIST directory with n_train / n_test samples
 * of rows x cols pixels; labels cycle through `classes`. gz_mask bit i
 * gzips file i (train images, train labels, test images, test labels). */
static void write_mnist(const char *dir, uint32_t n_train, uint32_t n_test, uint32_t rows,
                        uint32_t cols, unsigned classes, unsigned gz_mask) {
  static const char *names[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                 "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
  static uint8_t image[1 << 16];
  for (unsigned i = 0; i < 4; i++) {
    uint32_t n = i < 2 ? n_train : n_test;
    size_t len = i % 2 ? idx_image(image, 1, &n, i, classes)
                       : idx_image(image, 3, (uint32_t[]){n, rows, cols}, i, 256);
    char path[512];
    snprintf(path, sizeof path, "%s/%s%s", dir, names[i], gz_mask >> i & 1 ? ".gz" : "");
    if (gz_mask >> i & 1)
      write_gz(path, "wb", image, len);
    else
      file_write(path, image, len);
  }
}

Test(idxdir, loads_mixed_raw_and_gzip_files) {
  write_mnist(tmp, 30, 12, 4, 5, 7, 0x5);
  Dataset d;
  char spec[128];
  snprintf(spec, sizeof spec, "idx:%s", tmp);
  cr_assert_eq(dataset_load(spec, NULL, &d, err, sizeof err), 0, "%s", err);
  expect_shape(&d, "idx", 30, 12, 4, 5, 7);
  cr_assert_null(d.train.x_f32);
  for (size_t i = 0; i < 30 * 20; i++) cr_assert_eq(d.train.x_u8[i], (uint8_t)(i * 3 % 256));
  for (size_t i = 0; i < 12; i++) cr_assert_eq(d.test.labels[i], (i * 3 + 3) % 7);
  dataset_free(&d);
}

Test(idxdir, count_mismatch_names_the_label_file) {
  write_mnist(tmp, 30, 12, 4, 5, 10, 0);
  uint8_t image[64];
  file_write(in_tmp("t10k-labels-idx1-ubyte"), image, idx_image(image, 1, (uint32_t[]){11}, 0, 10));
  Dataset d;
  cr_assert_eq(idx_load_dir(tmp, &d, err, sizeof err), -1);
  cr_assert(strstr(err, in_tmp("t10k-labels-idx1-ubyte")), "%s", err);
  cr_assert(strstr(err, "11 labels but"), "%s", err);
  cr_assert(strstr(err, "has 12 images"), "%s", err);
}

Test(idxdir, image_size_mismatch_between_splits) {
  write_mnist(tmp, 30, 12, 4, 5, 10, 0);
  static uint8_t image[1024];
  size_t len = idx_image(image, 3, (uint32_t[]){12, 5, 4}, 0, 256);
  file_write(in_tmp("t10k-images-idx3-ubyte"), image, len);
  Dataset d;
  cr_assert_eq(idx_load_dir(tmp, &d, err, sizeof err), -1);
  cr_assert(strstr(err, "images are 5x4 but"), "%s", err);
}

Test(idxdir, missing_file_names_the_directory) {
  write_mnist(tmp, 10, 10, 2, 2, 10, 0xf);
  remove(in_tmp("t10k-images-idx3-ubyte.gz"));
  cr_assert_not(idx_dir_available(tmp));
  Dataset d;
  cr_assert_eq(idx_load_dir(tmp, &d, err, sizeof err), -1);
  char want[512];
  snprintf(want, sizeof want,
           "%s: missing t10k-images-idx3-ubyte (or t10k-images-idx3-ubyte.gz)", tmp);
  cr_assert_str_eq(err, want);
}

Test(idxdir, a_bad_file_inside_fails_the_load) {
  write_mnist(tmp, 30, 12, 4, 5, 10, 0);
  file_write(in_tmp("train-images-idx3-ubyte"), NULL, 0);
  Dataset d;
  cr_assert_eq(idx_load_dir(tmp, &d, err, sizeof err), -1);
  cr_assert(strstr(err, "train-images-idx3-ubyte: empty file"), "%s", err);
  cr_assert_eq(idx_load_dir(in_tmp("no-such-dir"), &d, err, sizeof err), -1);
  cr_assert(strstr(err, "no-such-dir"), "%s", err);
}

Test(idxdir, fashion_and_auto_follow_the_configured_directory) {
  write_mnist(tmp, 20, 10, 3, 3, 10, 0xf);
  DatasetOptions opt = {.seed = 1, .fashion_dir = tmp};
  Dataset d;
  cr_assert_eq(dataset_load("auto", &opt, &d, err, sizeof err), 0, "%s", err);
  cr_assert_str_eq(d.name, "fashion");
  cr_assert_eq(d.train.n, 20);
  dataset_free(&d);

  opt.fashion_dir = in_tmp("absent");
  cr_assert_eq(dataset_load("auto", &opt, &d, err, sizeof err), 0, "%s", err);
  cr_assert_str_eq(d.name, "glyphs");
  dataset_free(&d);

  /* A missing directory is the machine's fault, not a wrong setting. */
  cr_assert_eq(dataset_load("fashion", &opt, &d, err, sizeof err), ERR_RUNTIME);
  char want[512];
  snprintf(want, sizeof want, "data fashion: %s not found (apt-get install dataset-fashion-mnist)",
           in_tmp("absent"));
  cr_assert_str_eq(err, want);
}

/* ---- Fashion-MNIST as installed by Debian ---- */

Test(fashion, loads_60000_and_10000_images_of_784_pixels, .timeout = 30) {
  if (!fashion_available(NULL)) cr_skip_test("dataset-fashion-mnist not installed");
  Dataset d;
  cr_assert_eq(dataset_load("fashion", NULL, &d, err, sizeof err), 0, "%s", err);
  expect_shape(&d, "fashion", 60000, 10000, 28, 28, 10);
  size_t count[10] = {0};
  for (size_t i = 0; i < d.test.n; i++) count[d.test.labels[i]]++;
  for (int c = 0; c < 10; c++) cr_assert_eq(count[c], 1000, "class %d", c);
  dataset_free(&d);
}

/* ---- glyphs ---- */

Test(glyphs, deterministic_balanced_and_in_range) {
  DatasetOptions a = {.seed = 42}, b = {.seed = 43};
  Dataset d1, d2, d3;
  cr_assert_eq(dataset_load("glyphs", &a, &d1, err, sizeof err), 0, "%s", err);
  cr_assert_eq(dataset_load("glyphs", &a, &d2, err, sizeof err), 0, "%s", err);
  cr_assert_eq(dataset_load("glyphs", &b, &d3, err, sizeof err), 0, "%s", err);
  expect_shape(&d1, "glyphs", GLYPHS_TRAIN, GLYPHS_TEST, 16, 16, 10);
  size_t floats = (GLYPHS_TRAIN + GLYPHS_TEST) * 256 * sizeof(float);
  cr_assert_eq(memcmp(d1.train.x_f32, d2.train.x_f32, floats), 0, "same seed, different pixels");
  cr_assert_neq(memcmp(d1.train.x_f32, d3.train.x_f32, floats), 0, "another seed, same pixels");

  const DataSplit *splits[2] = {&d1.train, &d1.test};
  for (int s = 0; s < 2; s++) {
    size_t count[GLYPHS_CLASSES] = {0};
    for (size_t i = 0; i < splits[s]->n; i++) count[splits[s]->labels[i]]++;
    for (int c = 0; c < GLYPHS_CLASSES; c++)
      cr_assert_eq(count[c], splits[s]->n / GLYPHS_CLASSES, "class %d", c);
    float lo = 1, hi = -1;
    for (size_t i = 0; i < splits[s]->n * 256; i++) {
      float v = splits[s]->x_f32[i];
      cr_assert(v >= -1 && v <= 1, "pixel %zu = %g", i, v);
      lo = v < lo ? v : lo, hi = v > hi ? v : hi;
    }
    cr_assert(lo == -1 && hi == 1, "pixels span only [%g, %g]", lo, hi);
  }
  dataset_free(&d1);
  dataset_free(&d2);
  dataset_free(&d3);
}

/* ---- dispatch and gathering ---- */

Test(dataset, unknown_specs_are_rejected) {
  Dataset d;
  cr_assert_eq(dataset_load("xyz", NULL, &d, err, sizeof err), ERR_USAGE);
  cr_assert_str_eq(err, "data: unknown data set 'xyz' (expected auto, glyphs, fashion, idx:DIR, "
                        "cifar10:DIR, csv:FILE, spiral, xor, circles, gauss)");
  cr_assert_eq(dataset_load("idx:", NULL, &d, err, sizeof err), ERR_USAGE);
  cr_assert(strstr(err, "unknown data set 'idx:'"), "%s", err);
  cr_assert_eq(dataset_load("idx:/nonexistent/flipscope", NULL, &d, err, sizeof err), ERR_RUNTIME);
  cr_assert(strstr(err, "/nonexistent/flipscope"), "%s", err);
}

Test(dataset, free_is_safe_on_zeroed_and_freed_sets) {
  Dataset d;
  memset(&d, 0, sizeof d);
  dataset_free(&d);
  cr_assert_eq(dataset_load("glyphs", NULL, &d, err, sizeof err), 0, "%s", err);
  dataset_free(&d);
  dataset_free(&d);
  cr_assert_null(d.storage);
}

Test(dataset, gather_applies_the_byte_map) {
  uint8_t bytes[3 * 256], labels[3] = {4, 5, 6};
  for (int i = 0; i < 3 * 256; i++) bytes[i] = (uint8_t)(i * 37);
  DataSplit s = {.n = 3, .dim = 256, .classes = 10, .x_u8 = bytes, .u8_scale = {2.0f / 255.0f},
                 .u8_offset = {-1.0f}, .labels = labels};
  uint32_t idx[4] = {2, 0, 2, 1};
  float x[4 * 256];
  uint8_t y[4];
  data_gather(&s, idx, 4, x, y);
  for (int r = 0; r < 4; r++) {
    cr_assert_eq(y[r], labels[idx[r]]);
    for (int j = 0; j < 256; j++) {
      float want = (float)bytes[idx[r] * 256 + j] * s.u8_scale[0] + s.u8_offset[0];
      cr_assert(x[r * 256 + j] == want, "row %d col %d: %g != %g", r, j, x[r * 256 + j], want);
      cr_assert(fabsf(x[r * 256 + j]) <= 1 + 1e-6f);
    }
  }
  data_gather_range(&s, 1, 2, x, y);
  cr_assert_eq(y[0], 5);
  cr_assert_eq(y[1], 6);
  for (int j = 0; j < 2 * 256; j++)
    cr_assert(x[j] == (float)bytes[256 + j] * s.u8_scale[0] + s.u8_offset[0], "col %d", j);
}

Test(dataset, gather_copies_floats) {
  Dataset d;
  cr_assert_eq(dataset_load("glyphs", NULL, &d, err, sizeof err), 0, "%s", err);
  uint32_t idx[3] = {7, 11999, 0};
  float x[3 * 256];
  uint8_t y[3];
  data_gather(&d.train, idx, 3, x, y);
  for (int r = 0; r < 3; r++) {
    cr_assert_eq(y[r], d.train.labels[idx[r]]);
    cr_assert_arr_eq(x + r * 256, d.train.x_f32 + (size_t)idx[r] * 256, 256 * sizeof(float));
  }
  data_gather_range(&d.test, 1990, 3, x, y);
  cr_assert_arr_eq(x, d.test.x_f32 + 1990 * 256, 3 * 256 * sizeof(float));
  cr_assert_arr_eq(y, d.test.labels + 1990, 3);
  dataset_free(&d);
}
