/* test_inputs.c — readers of user files against files that change while they
 * are read, FIFOs and devices, logs that name paths, and label sets. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/cli/config.h"
#include "app/cli/errors.h"
#include "app/charts/export.h"
#include "app/logs/log_read.h"
#include "datasets/csv.h"
#include "datasets/idx.h"
#include "tests/files.h"
#include "tests/proc.h"
#include "tests/tmpdir.h"

static char err[1024];

TestSuite(inputs, .init = tmpdir_make, .fini = tmpdir_remove);

/* The stderr of a run is one line holding `needle`. */
static void expect_one_line(const ProcResult *r, const char *needle) {
  cr_assert(strstr(r->err, needle), "expected '%s' in: %s", needle, r->err);
  const char *nl = strchr(r->err, '\n');
  cr_assert(nl && !nl[1], "expected one line: %s", r->err);
}

/* ---- export of a log that grows while it is read ---- */

typedef struct {
  const char *path;
  atomic_int stop;
  atomic_size_t rows;
} Appender;

/* Appends whole rows of 200 to the CSV until told to stop (or 100k rows). */
static void *append_rows(void *arg) {
  Appender *a = arg;
  int fd = open(a->path, O_WRONLY | O_APPEND);
  char chunk[200 * 40];
  while (fd >= 0 && !atomic_load(&a->stop) && a->rows < 100000) {
    size_t used = 0;
    size_t rows = atomic_load(&a->rows);
    for (size_t i = rows; i < rows + 200; i++)
      used += (size_t)snprintf(chunk + used, sizeof chunk - used, "%zu,0.5,0.25,,%zu\n", i + 1,
                               i % 7);
    atomic_store(&a->rows, rows + 200);
    if (write(fd, chunk, used) != (ssize_t)used) break;
  }
  if (fd >= 0) close(fd);
  return NULL;
}

/* Before the fix, rows appended between export's counting pass and its
 * parsing pass were written past the series it had allocated (ASan:
 * heap-buffer-overflow; release: silent corruption). */
Test(inputs, exporting_a_csv_that_grows_stays_in_bounds, .timeout = 60) {
  setenv("FLIPSCOPE_GNUPLOT", "", 1); /* data and scripts only */
  cr_assert(freopen("/dev/null", "w", stderr)); /* its note on each export */
  const char *csv = in_tmp("log.csv"), *out = in_tmp("out");
  FILE *f = fopen(csv, "w");
  cr_assert(f);
  fprintf(f, "step,loss,train_acc,test_acc,flips\n");
  for (int i = 1; i <= 2000; i++) fprintf(f, "%d,0.5,0.25,,%d\n", i, i % 7);
  fclose(f);
  mkdir(out, 0755);
  Appender a = {.path = csv, .rows = 2000};
  pthread_t thread;
  cr_assert_eq(pthread_create(&thread, NULL, append_rows, &a), 0);
  int exports = 0;
  for (; exports < 200 && (exports < 5 || atomic_load(&a.rows) < 100000); exports++)
    cr_assert_eq(export_charts(csv, NULL, out, NULL, err, sizeof err), 0, "%s", err);
  atomic_store(&a.stop, 1);
  pthread_join(thread, NULL);
  cr_assert_eq(export_charts(csv, NULL, out, NULL, err, sizeof err), 0, "%s", err);
}

/* ---- IDX files that shrink while loaded ---- */

/* A raw 3-D IDX image of n x 28 x 28 bytes in a fresh buffer. */
static uint8_t *idx_images(uint32_t n, size_t *len) {
  *len = 16 + (size_t)n * 784;
  uint8_t *b = calloc(1, *len);
  cr_assert(b);
  uint8_t h[16] = {0, 0, 8, 3, n >> 24, n >> 16, n >> 8, n, 0, 0, 0, 28, 0, 0, 0, 28};
  memcpy(b, h, 16);
  for (size_t i = 16; i < *len; i++) b[i] = (uint8_t)i;
  return b;
}

/* Before the fix the file was mapped at idx_open and read at idx_read: a
 * file truncated in between killed the process with SIGBUS. */
Test(inputs, an_idx_file_truncated_while_loading_does_not_crash) {
  const char *path = in_tmp("images");
  size_t len;
  uint8_t *image = idx_images(2000, &len);
  file_write(path, image, len);
  IdxFile f;
  cr_assert_eq(idx_open(&f, path, 3, err, sizeof err), 0, "%s", err);
  cr_assert_eq(truncate(path, 1000), 0);
  cr_assert_eq(idx_check_size(&f, err, sizeof err), 0, "%s", err);
  uint8_t *dst = malloc(f.size);
  cr_assert_eq(idx_read(&f, dst, err, sizeof err), 0, "%s", err);
  cr_assert_eq(memcmp(dst, image + 16, f.size), 0, "the bytes as they were when opened");
  idx_close(&f);
  /* Truncated before the open: the usual truncated-file error naming it. */
  cr_assert_eq(idx_open(&f, path, 3, err, sizeof err), 0, "%s", err);
  cr_assert_eq(idx_check_size(&f, err, sizeof err), -1);
  cr_assert(strstr(err, path) && strstr(err, "truncated at byte 1000"), "%s", err);
  idx_close(&f);
  free(dst);
  free(image);
}

/* ---- FIFOs, devices and directories in place of files ---- */

static const char *const idx_names[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                         "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};

/* An MNIST directory of n_train / n_test 2x2 images; label i of the
 * training split is train_labels[i % n_labels], of the test split likewise. */
static void write_mnist(const char *dir, uint32_t n_train, uint32_t n_test,
                        const uint8_t *train_labels, const uint8_t *test_labels, size_t n_labels) {
  for (int i = 0; i < 4; i++) {
    uint32_t n = i < 2 ? n_train : n_test;
    uint8_t buf[16 + 4 * 256] = {0, 0, 8, i % 2 ? 1 : 3, n >> 24, n >> 16, n >> 8, n};
    size_t at = 8;
    if (i % 2 == 0) {
      uint8_t side[8] = {0, 0, 0, 2, 0, 0, 0, 2};
      memcpy(buf + at, side, 8);
      at += 8;
    }
    const uint8_t *labels = i == 1 ? train_labels : test_labels;
    for (uint32_t k = 0; k < (i % 2 ? n : 4 * n); k++) buf[at++] = i % 2 ? labels[k % n_labels] : (uint8_t)k;
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, idx_names[i]);
    file_write(path, buf, at);
  }
}

/* Before the fix each of these blocked in open() until a writer came. */
Test(inputs, fifos_are_refused_at_once_naming_the_file, .timeout = 120) {
  const char *fifo = in_tmp("fifo");
  cr_assert_eq(mkfifo(fifo, 0600), 0);
  static const char *const forms[] = {"--config %s", "--headless --data csv:%s --steps 1",
                                      "--load %s --headless --steps 1", "checkpoint %s",
                                      "export %s %s.out"};
  for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
    char args[1024];
    snprintf(args, sizeof args, forms[i], fifo, fifo);
    ProcResult r;
    run_flipscope_within(20, args, &r);
    cr_assert(r.code != 0 && r.code != 124 && r.code != 137, "%s: exit %d", args, r.code);
    char want[512];
    snprintf(want, sizeof want, "%s: not a regular file (a FIFO)", fifo);
    expect_one_line(&r, want);
  }
}

/* A FIFO or a directory named like an IDX file is said to be what it is,
 * not "missing". */
Test(inputs, idx_files_that_are_not_regular_say_what_they_are, .timeout = 60) {
  static const uint8_t labels[] = {0, 1, 2};
  write_mnist(tmp, 6, 3, labels, labels, 3);
  const char *images = in_tmp(idx_names[0]);
  cr_assert_eq(unlink(images), 0);
  cr_assert_eq(mkfifo(images, 0600), 0);
  Dataset d;
  cr_assert_eq(idx_load_dir(tmp, &d, err, sizeof err), -1);
  char want[512];
  snprintf(want, sizeof want, "%s: not a regular file (a FIFO)", images);
  cr_assert_str_eq(err, want);
  cr_assert_not(idx_dir_available(tmp), "a FIFO does not make the set available");
  cr_assert_eq(unlink(images), 0);
  cr_assert_eq(mkdir(images, 0700), 0);
  cr_assert_eq(idx_load_dir(tmp, &d, err, sizeof err), -1);
  snprintf(want, sizeof want, "%s: not a regular file (a directory)", images);
  cr_assert_str_eq(err, want);
}

/* Runs flipscope ARGS with at most 3 GB of address space (so a runaway read
 * cannot take the machine) and 15 s; returns its exit code, stderr in text. */
static int run_limited(const char *args, char *text, size_t len) {
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "timeout -k 2 15 sh -c \"ulimit -v 3000000; exec '%s' %s\" "
           "</dev/null >/dev/null 2>%s", flipscope_bin(), args, in_tmp("stderr"));
  int status = system(cmd);
  slurp(in_tmp("stderr"), text, len);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Before the fix `export /dev/zero DIR` read without end (10.7 GB in 6 s),
 * and a log of any size was read. */
Test(inputs, export_refuses_devices_and_logs_over_the_cap, .timeout = 60) {
  char args[1024], text[4096], want[512];
  snprintf(args, sizeof args, "export /dev/zero %s", in_tmp("out"));
  cr_assert_eq(run_limited(args, text, sizeof text), EXIT_RUNTIME, "%s", text);
  cr_assert_str_eq(text, "flipscope: export: /dev/zero: not a regular file (a character device)\n");
  /* A sparse CSV one byte over the cap: refused before it is read. */
  const char *big = in_tmp("big.csv");
  int fd = open(big, O_CREAT | O_WRONLY, 0600);
  cr_assert(fd >= 0);
  cr_assert_eq(ftruncate(fd, (off_t)LOG_READ_MAX_BYTES + 1), 0);
  close(fd);
  snprintf(args, sizeof args, "export %s %s", big, in_tmp("out2"));
  cr_assert_eq(run_limited(args, text, sizeof text), EXIT_RUNTIME, "%s", text);
  snprintf(want, sizeof want, "flipscope: export: %s: larger than 1 GB\n", big);
  cr_assert_str_eq(text, want);
}

/* ---- logs that name paths ---- */

/* A JSONL log of a short run, its header's "opt" object given `extra` keys
 * first; returns its path. */
static const char *jsonl_with_opt_keys(const char *name, const char *extra) {
  static char path[512];
  snprintf(path, sizeof path, "%s", in_tmp(name));
  ProcResult r;
  if (access(in_tmp("run.jsonl"), F_OK) != 0)
    run_flipscope_ok(&r, "--headless --data glyphs --model mlp:16 --steps 12 --batch 40 "
                     "--threads 2 --log-jsonl %s >/dev/null", in_tmp("run.jsonl"));
  static char text[1 << 20];
  slurp(in_tmp("run.jsonl"), text, sizeof text);
  char *opt = strstr(text, "\"opt\":{\"opt\":");
  cr_assert(opt, "no opt object in the header");
  opt += strlen("\"opt\":{");
  FILE *f = fopen(path, "w");
  cr_assert(f);
  fprintf(f, "%.*s%s%s", (int)(opt - text), text, extra, opt);
  fclose(f);
  return path;
}

/* Before the fix export rebuilt the optimizer with every option the
 * header's "opt" object named, --config and --load included: an edited log
 * made it read (or hang on) any path. */
Test(inputs, export_follows_no_path_found_in_a_log, .timeout = 120) {
  const char *cfg = in_tmp("other.cfg"), *fifo = in_tmp("fifo");
  file_write_text(cfg, "gamma = 0.5\nalpha = 0.25\n");
  cr_assert_eq(mkfifo(fifo, 0600), 0);
  char extra[1024], args[2048], plain[1 << 14], edited[1 << 14];
  ProcResult r;
  snprintf(args, sizeof args, "export %s %s", jsonl_with_opt_keys("plain.jsonl", ""),
           in_tmp("plain"));
  run_flipscope_within(30, args, &r);
  cr_assert_eq(r.code, 0, "%s", r.err);
  snprintf(extra, sizeof extra, "\"config\":\"%s\",", cfg);
  snprintf(args, sizeof args, "export %s %s", jsonl_with_opt_keys("config.jsonl", extra),
           in_tmp("config"));
  run_flipscope_within(30, args, &r);
  cr_assert_eq(r.code, 0, "%s", r.err);
  slurp(in_tmp("plain/bode.dat"), plain, sizeof plain);
  slurp(in_tmp("config/bode.dat"), edited, sizeof edited);
  cr_assert(plain[0], "no bode.dat");
  cr_assert_str_eq(edited, plain, "the filter chart read the file the log named");
  for (int load = 0; load < 2; load++) {
    snprintf(extra, sizeof extra, "\"%s\":\"%s\",", load ? "load" : "config", fifo);
    snprintf(args, sizeof args, "export %s %s", jsonl_with_opt_keys("fifo.jsonl", extra),
             in_tmp("fifo-out"));
    run_flipscope_within(20, args, &r);
    cr_assert_eq(r.code, 0, "%s in the header: exit %d: %s", load ? "load" : "config", r.code,
                 r.err);
  }
}

/* ---- label sets ---- */

/* Before the fix one label 200 among 0..9 made 201 classes, and a one-class
 * IDX set was accepted. */
Test(inputs, idx_label_sets_with_empty_classes_are_refused) {
  uint8_t labels[20];
  for (int i = 0; i < 20; i++) labels[i] = (uint8_t)(i % 10);
  labels[13] = 200;
  write_mnist(tmp, 20, 10, labels, labels, 20);
  Dataset d;
  cr_assert_eq(idx_load_dir(tmp, &d, err, sizeof err), -1);
  char want[1024];
  snprintf(want, sizeof want, "%s: record 13 (byte 21) has label 200, but no record of %s or %s "
           "has label 10..199: classes must be 0..N-1 with none empty", in_tmp(idx_names[1]),
           in_tmp(idx_names[1]), in_tmp(idx_names[3]));
  cr_assert_str_eq(err, want);
  static const uint8_t one[] = {4};
  write_mnist(tmp, 20, 10, one, one, 1);
  cr_assert_eq(idx_load_dir(tmp, &d, err, sizeof err), -1);
  cr_assert(strstr(err, in_tmp(idx_names[1])) && strstr(err, "at least two classes"), "%s", err);
  static const uint8_t two[] = {0, 1};
  write_mnist(tmp, 20, 10, two, two, 2);
  cr_assert_eq(idx_load_dir(tmp, &d, err, sizeof err), 0, "%s", err);
  cr_assert_eq(d.train.classes, 2);
  dataset_free(&d);
}

Test(inputs, csv_label_sets_with_empty_classes_are_refused) {
  char text[4096];
  size_t used = (size_t)snprintf(text, sizeof text, "label,x\n");
  for (int i = 0; i < 20; i++)
    used += (size_t)snprintf(text + used, sizeof text - used, "%d,%d\n", i == 13 ? 200 : i % 10, i);
  Dataset d;
  cr_assert_eq(csv_parse("set.csv", text, used, NULL, &d, err, sizeof err), -1);
  cr_assert_str_eq(err, "set.csv:15:1: label 200, but no row has label 10..199: numeric labels "
                   "must be the classes 0..N-1 with none empty");
  const char *gap = "2,0.5\n0,1\n2,3\n";
  cr_assert_eq(csv_parse("gap.csv", gap, strlen(gap), NULL, &d, err, sizeof err), -1);
  cr_assert_str_eq(err, "gap.csv:1:1: label 2, but no row has label 1: numeric labels must be "
                   "the classes 0..N-1 with none empty");
}

/* ---- CSV header detection ---- */

/* Before the fix a first row with nan, an empty cell or 1e39 was taken for a
 * header and dropped; on line 2 the same row was an error. */
Test(inputs, csv_first_row_of_number_like_cells_is_data) {
  static const char *const bad[] = {"nan", "", "1e39", "inf", "-NaN"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    char first[256], second[256], err2[1024];
    snprintf(first, sizeof first, "0,%s,1\n1,2,3\n0,4,5\n1,6,7\n", bad[i]);
    snprintf(second, sizeof second, "0,1,1\n0,%s,1\n1,2,3\n0,4,5\n1,6,7\n", bad[i]);
    Dataset d;
    cr_assert_eq(csv_parse("f.csv", first, strlen(first), NULL, &d, err, sizeof err), -1,
                 "'%s' on line 1 was taken for a header", bad[i]);
    cr_assert_eq(csv_parse("f.csv", second, strlen(second), NULL, &d, err2, sizeof err2), -1);
    cr_assert(!strncmp(err, "f.csv:1:2: ", 11), "%s", err);
    cr_assert(!strncmp(err2, "f.csv:2:2: ", 11), "%s", err2);
    cr_assert_str_eq(err + 11, err2 + 11, "the same error on line 1 and line 2");
  }
  const char *header = "label,a,b\n0,1,2\n1,3,4\n";
  Dataset d;
  cr_assert_eq(csv_parse("h.csv", header, strlen(header), NULL, &d, err, sizeof err), 0, "%s",
               err);
  cr_assert_eq(d.train.n + d.test.n, 2, "a header of names is still a header");
  dataset_free(&d);
}

/* ---- config files ---- */

/* Before the fix these config-file errors named the flag (--model: ...). */
Test(inputs, config_file_errors_name_the_file_and_line) {
  static const struct {
    const char *text, *want;
  } cases[] = {
      {"batch = 10\nmodel = bad\n", "2: model: 'bad'"},
      {"schedule = bad\n", "1: schedule: unknown schedule"},
      {"save-every = 5\n", "1: save-every: needs --save"},
      {"telemetry-samples = 300\n", "1: telemetry-samples: at most 256"},
      {"opt = sgd\nmomentum = 0\n\nnesterov = true\n", "4: nesterov: needs --momentum > 0"},
  };
  const char *path = in_tmp("run.cfg");
  errors_name_flags(); /* as flipscope's main does: messages spell settings as flags */
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    file_write_text(path, cases[i].text);
    char *argv[] = {"--config", (char *)path};
    Config *cfg = malloc(sizeof *cfg);
    cr_assert_eq(config_parse(2, argv, cfg, err, sizeof err), -1);
    free(cfg);
    char want[512];
    snprintf(want, sizeof want, "%s:%s", path, cases[i].want);
    cr_assert(!strncmp(err, want, strlen(want)), "expected '%s...', got '%s'", want, err);
  }
  /* A flag stays named as the flag. */
  char *argv[] = {"--model", "bad"};
  Config *cfg = malloc(sizeof *cfg);
  cr_assert_eq(config_parse(2, argv, cfg, err, sizeof err), -1);
  free(cfg);
  cr_assert(!strncmp(err, "--model: ", 9), "%s", err);
}
