/* test_checkpoint.c — checkpoints and bad input at run time: the format
 * (round trip, every truncation, flipped bits, corrupt sections with a valid
 * CRC), resume equivalence (the CSV rows and JSONL records of a resumed run
 * equal those of a run that never stopped), the data fingerprint, every refusal of --load with its exit code and
 * message, SIGINT / SIGTERM during a run, NaN and infinity, and models too
 * large for the machine. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "app/io/checkpoint_file.h"
#include "app/system/machine_facts.h"
#include "datasets/load.h"
#include "engine/checkpoint.h"
#include "engine/kernels.h"
#include "engine/matmul.h"
#include "engine/numcheck.h"
#include "engine/parallel.h"
#include "engine/simd.h"
#include "engine/trainer.h"
#include "files.h"
#include "membuf.h"
#include "proc.h"
#include "tmpdir.h"


TestSuite(checkpoint, .init = tmpdir_make, .fini = tmpdir_remove);
TestSuite(resume, .init = tmpdir_make, .fini = tmpdir_remove);
TestSuite(interrupt, .init = tmpdir_make, .fini = tmpdir_remove);

/* Lines first..last (1-based) of text, as one string (static). */
static const char *lines(const char *text, int first, int last) {
  static char out[1 << 20];
  const char *p = text;
  for (int i = 1; i < first && p; i++) p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL;
  const char *q = p;
  for (int i = first; i <= last && q; i++) q = strchr(q, '\n') ? strchr(q, '\n') + 1 : NULL;
  size_t n = p ? (q ? (size_t)(q - p) : strlen(p)) : 0;
  cr_assert_lt(n, sizeof out);
  memcpy(out, p ? p : "", n);
  out[n] = 0;
  return out;
}

/* Expects the n lines of got from line got_first to be those of want from
 * line want_first (what names them). */
static void expect_lines(const char *got, int got_first, const char *want, int want_first, int n,
                         const char *what) {
  static char wanted[1 << 20];
  snprintf(wanted, sizeof wanted, "%s", lines(want, want_first, want_first + n - 1));
  cr_assert_str_eq(lines(got, got_first, got_first + n - 1), wanted, "%s", what);
}

static int count_lines(const char *text) {
  int n = 0;
  for (; *text; text++) n += *text == '\n';
  return n;
}

/* --telemetry-every: by default it depends on --steps, which the resume tests change. */
#define SMALL "--headless --data glyphs --model mlp:32 --batch 50 --threads 1 --telemetry-every 5"

/* ---- the format, in memory ---- */

static Dataset data;

static Trainer *small_trainer(OptKind kind) {
  static int loaded;
  char err[256];
  if (!loaded) {
    cr_assert_eq(par_init(1), 0);
    cr_assert_eq(dataset_load("glyphs", &(DatasetOptions){.seed = 1}, &data, err, sizeof err), 0);
    loaded = 1;
  }
  ModelSpec spec = {.hidden = {16, 8}, .n_hidden = 2}; /* mlp:16x8 */
  OptConfig oc;
  optim_defaults(kind, &oc);
  TrainConfig tc = {.batch = 50, .epochs = 2, .real_lr = 1e-3, .seed = 9,
                    .schedule = {.kind = SCHED_LINEAR}};
  Trainer *t = trainer_create(&tc, &spec, &oc, &data.train, &data.test, err, sizeof err);
  cr_assert(t, "%s", err);
  return t;
}

static Buf save(Trainer *t) {
  Buf b = {0};
  char err[256];
  CkptExtra x = {.config = "model = mlp:16x8\n", .config_len = 16, .app = "a=1\n", .app_len = 4};
  cr_assert_eq(checkpoint_write(t, &x, to_buf, &b, err, sizeof err), 0, "%s", err);
  return b;
}

/* Takes `steps` steps of t, each of which must succeed, then saves it. */
static Buf save_after(Trainer *t, int steps) {
  StepReport r;
  char err[512];
  for (int s = 0; s < steps; s++) cr_assert_eq(trainer_step(t, &r, err, sizeof err), 1, "%s", err);
  return save(t);
}

/* The checkpoint of a new trainer of `kind` after `steps` steps. */
static Buf checkpoint_after(OptKind kind, int steps) {
  Trainer *t = small_trainer(kind);
  Buf b = save_after(t, steps);
  trainer_free(t);
  return b;
}

/* Expects t to save as the bytes in want (what says why). */
static void expect_saves(Trainer *t, const Buf *want, const char *what) {
  Buf got = save(t);
  cr_assert_eq(got.len, want->len, "%s: %zu bytes, not %zu", what, got.len, want->len);
  cr_assert_arr_eq(got.data, want->data, want->len, "%s", what);
  free(got.data);
}

/* A copy of b to edit. */
static Buf buf_copy(const Buf *b) {
  Buf e = {malloc(b->len), b->len, b->len};
  memcpy(e.data, b->data, b->len);
  return e;
}

/* Rewrites the length field and CRC after an edit, so the body is what is checked. */
static void reseal(Buf *b) {
  for (int i = 0; i < 8; i++) b->data[16 + i] = (uint8_t)((uint64_t)b->len >> (8 * i));
  uint32_t crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), b->data, (uInt)(b->len - 4));
  for (int i = 0; i < 4; i++) b->data[b->len - 4 + i] = (uint8_t)(crc >> (8 * i));
}

/* The offset of section `tag`'s contents in b. */
static size_t section(const Buf *b, const char *tag) {
  for (size_t p = CKPT_HEADER_BYTES; p + 12 <= b->len;) {
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--) n = n << 8 | b->data[p + 4 + (size_t)i];
    if (memcmp(b->data + p, tag, 4) == 0) return p + 12;
    p += 12 + (size_t)n;
  }
  cr_assert_fail("no section %s", tag);
  return 0;
}

Test(checkpoint, round_trip_restores_the_exact_state_and_trajectory) {
  for (int kind = 0; kind < OPT_KIND_COUNT; kind++) {
    Trainer *a = small_trainer((OptKind)kind), *b = small_trainer((OptKind)kind);
    StepReport ra, rb;
    char err[512];
    Buf buf = save_after(a, 250);
    CkptInfo info;
    cr_assert_eq(checkpoint_inspect(buf.data, buf.len, &info, err, sizeof err), 0, "%s", err);
    cr_assert_eq(info.step, 250);
    cr_assert_eq(info.opt.kind, (OptKind)kind);
    cr_assert_eq(info.config_len, 16);
    cr_assert_eq(checkpoint_restore(b, buf.data, buf.len, err, sizeof err), 0, "%s", err);
    free(buf.data);
    /* From here both runs take the same steps, into the next epoch's reshuffle. */
    for (int s = 0; s < 100; s++) {
      cr_assert_eq(trainer_step(a, &ra, err, sizeof err), 1);
      cr_assert_eq(trainer_step(b, &rb, err, sizeof err), 1);
      cr_assert_eq(ra.step, rb.step);
      cr_assert(ra.loss == rb.loss && ra.flips == rb.flips && ra.rate == rb.rate,
                "%s step %llu: loss %.9g vs %.9g, flips %zu vs %zu", optim_ops((OptKind)kind)->name,
                (unsigned long long)ra.step, ra.loss, rb.loss, ra.flips, rb.flips);
    }
    Buf first = save(a);
    expect_saves(b, &first, "the same state writes the same bytes");
    free(first.data);
    trainer_free(a);
    trainer_free(b);
  }
}

Test(checkpoint, every_truncation_and_flipped_bit_is_refused) {
  Buf b = checkpoint_after(OPT_CEMA, 3);
  CkptInfo info;
  char err[512];
  for (size_t n = 0; n < b.len; n += n < 64 ? 1 : 97) {
    cr_assert_eq(checkpoint_inspect(b.data, n, &info, err, sizeof err), -1, "%zu bytes accepted", n);
    cr_assert(strstr(err, n ? "truncated" : "empty file"), "%zu bytes: %s", n, err);
  }
  for (size_t bit = 64 * 8; bit < b.len * 8; bit += 811) { /* past the header's fields */
    b.data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    cr_assert_eq(checkpoint_inspect(b.data, b.len, &info, err, sizeof err), -1, "bit %zu", bit);
    cr_assert(strstr(err, "checksum mismatch"), "bit %zu: %s", bit, err);
    b.data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
  }
  cr_assert_eq(checkpoint_inspect(b.data, b.len, &info, err, sizeof err), 0, "%s", err);
  free(b.data);
}

Test(checkpoint, corrupt_sections_with_a_valid_checksum_are_refused) {
  Buf b = checkpoint_after(OPT_ADAM, 5);
  CkptInfo info;
  char err[512];
  struct {
    const char *tag;
    size_t at;
    uint8_t value;
    const char *want;
  } cases[] = {
      /* TRNR: step 8, batch 8 ... 13 x u64 + 3 x u32 before the rng; the permutation after it */
      {"TRNR", 8 * 9 + 4 * 3 + 8 * 6 + 0, 0xff, "corrupt: section TRNR: the epoch permutation is not a permutation"},
      {"MODL", 0, 0x20, "corrupt: section MODL: bad model shape"},
      {"RADM", 0, 0x01, "corrupt: section RADM: the Adam state does not match the real parameters"},
      {"OPTM", 0, 0x55, "corrupt: section OPTM: unknown optimizer or state count"},
  };
  for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
    Buf e = buf_copy(&b);
    e.data[section(&e, cases[c].tag) + cases[c].at] ^= cases[c].value;
    reseal(&e);
    cr_assert_eq(checkpoint_inspect(e.data, e.len, &info, err, sizeof err), -1, "%s", cases[c].tag);
    cr_assert_str_eq(err, cases[c].want);
    free(e.data);
  }
  /* A NaN in the optimizer state (the last f32 before the CRC). */
  Buf e = buf_copy(&b);
  memcpy(e.data + e.len - 8, (uint8_t[]){0, 0, 0xc0, 0x7f}, 4);
  reseal(&e);
  cr_assert_eq(checkpoint_inspect(e.data, e.len, &info, err, sizeof err), -1);
  cr_assert_str_eq(err, "corrupt: section OPTM: the optimizer state holds NaN or infinity");
  /* Trailing bytes, and a wrong version, magic or header size. */
  e.data = realloc(e.data, b.len + 3);
  memcpy(e.data, b.data, b.len);
  e.len = b.len + 3;
  cr_assert_eq(checkpoint_inspect(e.data, e.len, &info, err, sizeof err), -1);
  cr_assert(strstr(err, "corrupt: 3 bytes after the checkpoint's end"), "%s", err);
  e.len = b.len;
  uint8_t version = e.data[8];
  e.data[8] = CKPT_VERSION + 1;
  cr_assert_eq(checkpoint_inspect(e.data, e.len, &info, err, sizeof err), -1);
  cr_assert_str_eq(err, "checkpoint format version 5; this flipscope reads versions 2 to 4");
  e.data[8] = version;
  e.data[0] = 'G';
  cr_assert_eq(checkpoint_inspect(e.data, e.len, &info, err, sizeof err), -1);
  cr_assert(strstr(err, "not a flipscope checkpoint (bad magic"), "%s", err);
  free(e.data);
  free(b.data);
}

Test(checkpoint, mismatches_leave_the_trainer_untouched) {
  Buf ba = checkpoint_after(OPT_CEMA, 5);
  Trainer *b = small_trainer(OPT_SGD);
  Buf bb = save(b);
  char err[512];
  cr_assert_eq(checkpoint_restore(b, ba.data, ba.len, err, sizeof err), -1);
  cr_assert_str_eq(err, "the checkpoint's optimizer is cema; this run's opt is sgd");
  expect_saves(b, &bb, "a refused restore changes nothing");
  free(ba.data), free(bb.data);
  trainer_free(b);
}

Test(checkpoint, the_data_fingerprint_tells_data_sets_apart) {
  Trainer *t = small_trainer(OPT_CEMA);
  uint32_t fp = checkpoint_data_fingerprint(&data.train, &data.test);
  cr_assert_eq(checkpoint_data_fingerprint(&data.train, &data.test), fp, "deterministic");
  cr_assert_neq(checkpoint_data_fingerprint(&data.train, NULL), fp, "the test split counts");
  Buf b = save(t);
  CkptInfo info;
  char err[512];
  cr_assert_eq(checkpoint_inspect(b.data, b.len, &info, err, sizeof err), 0, "%s", err);
  cr_assert_eq(info.data_fingerprint, fp);
  /* The same shape, one label changed. */
  uint8_t *labels = (uint8_t *)data.train.labels;
  labels[0] = (uint8_t)((labels[0] + 1) % data.train.classes);
  uint32_t other = checkpoint_data_fingerprint(&data.train, &data.test);
  int refused = checkpoint_restore(t, b.data, b.len, err, sizeof err);
  labels[0] = (uint8_t)((labels[0] + data.train.classes - 1) % data.train.classes);
  cr_assert_neq(other, fp);
  cr_assert_eq(refused, -1);
  char want[128];
  snprintf(want, sizeof want, "saved with different data (fingerprint %08x, this data %08x)", fp,
           other);
  cr_assert_str_eq(err, want);
  cr_assert_eq(checkpoint_restore(t, b.data, b.len, err, sizeof err), 0, "%s", err);
  free(b.data);
  trainer_free(t);
}

/* ---- numerical trouble in the engine ---- */

Test(numcheck, nan_in_batch_norm_names_step_and_layer) {
  Trainer *t = small_trainer(OPT_CEMA);
  StepReport r;
  char err[512];
  cr_assert_eq(trainer_step(t, &r, err, sizeof err), 1);
  /* The hidden layer's outputs still binarise, so the loss stays finite:
   * only the gradient check can see it. */
  trainer_model(t)->layer[0].bn_scale[3] = NAN;
  cr_assert_eq(trainer_step(t, &r, err, sizeof err), -1);
  cr_assert(isfinite(r.loss));
  cr_assert_str_eq(err, "step 2: layer 0: the batch-norm scale holds NaN (unit 3); lower real-lr");
  trainer_free(t);
}

Test(numcheck, nonfinite_loss_names_the_first_bad_layer) {
  Trainer *t = small_trainer(OPT_CEMA);
  StepReport r;
  char err[512];
  trainer_model(t)->layer[2].bn_shift[1] = INFINITY;
  cr_assert_eq(trainer_step(t, &r, err, sizeof err), -1);
  cr_assert(strstr(err, "step 1: the loss is "), "%s", err);
  cr_assert(strstr(err, "layer 2's batch-norm output is the first that is not finite"), "%s", err);
  trainer_free(t);
}

/* A hidden layer's batch-norm output is not kept in training (the STE takes
 * it afresh), yet the culprit is still found there: its infinity binarises,
 * the top layer's overflows the loss, and the first one is named. */
Test(numcheck, nonfinite_loss_names_a_hidden_layer_before_the_top) {
  Trainer *t = small_trainer(OPT_CEMA);
  StepReport r;
  char err[512];
  cr_assert(!trainer_model(t)->layer[0].keeps_z);
  trainer_model(t)->layer[0].bn_shift[1] = INFINITY;
  trainer_model(t)->layer[2].bn_shift[1] = INFINITY;
  cr_assert_eq(trainer_step(t, &r, err, sizeof err), -1);
  cr_assert(strstr(err, "layer 0's batch-norm output is the first that is not finite"), "%s", err);
  trainer_free(t);
}

Test(numcheck, optimizer_state_is_scanned_periodically) {
  Trainer *t = small_trainer(OPT_SGD);
  StepReport r;
  char err[512];
  optim_state(trainer_optimizer(t), 1)[0][7] = INFINITY;
  for (int s = 1; s < NUMCHECK_EVERY; s++) trainer_step(t, &r, err, sizeof err);
  cr_assert_eq(trainer_step(t, &r, err, sizeof err), -1);
  char want[200];
  snprintf(want, sizeof want,
           "step %d: layer 1: the sgd optimizer's state holds infinity (its inertia, weight 7; "
           "finite at step 0); lower the rates", NUMCHECK_EVERY);
  cr_assert_str_eq(err, want);
  cr_assert_eq(trainer_check_state(t, err, sizeof err), -1);
  float x[3000];
  for (int i = 0; i < 3000; i++) x[i] = (float)i;
  cr_assert_eq(numcheck_first_bad(x, 3000), 3000);
  x[2100] = -INFINITY;
  cr_assert_eq(numcheck_first_bad(x, 3000), 2100);
  trainer_free(t);
}

/* ---- end to end: resume equivalence ---- */

/* A run of 200 steps over 3 epochs (--epochs fixes the schedule) that stops
 * at step 100, saving tmp/run.ckpt, and is resumed from it, beside one that
 * never stopped; `flag` (--log or --log-jsonl) writes their logs in tmp. */
typedef struct {
  const char *flag;
  const char *straight, *first, *second; /* the log of the run that never stopped, of each half */
  void (*between)(void);                 /* runs between the halves, unless NULL */
} ResumePlan;

/* Runs the plan; the summaries of the straight run and of the resumed half
 * go to *straight and *resumed. */
static void resume_plan_run(const ResumePlan *p, ProcResult *straight, ProcResult *resumed) {
  run_flipscope_ok(straight, SMALL " --epochs 3 --steps 200 %s %s", p->flag, in_tmp(p->straight));
  run_flipscope_ok(resumed, SMALL " --epochs 3 --steps 100 %s %s --save %s", p->flag,
                   in_tmp(p->first), in_tmp("run.ckpt"));
  if (p->between) p->between();
  /* The resume needs no other flag: the checkpoint holds the settings. */
  run_flipscope_ok(resumed, "--headless --load %s --steps 200 %s %s", in_tmp("run.ckpt"), p->flag,
                   in_tmp(p->second));
}

Test(resume, rows_101_to_200_equal_a_run_that_never_stopped, .timeout = 60) {
  static ProcResult straight_run, r;
  resume_plan_run(&(ResumePlan){"--log", "straight.csv", "first.csv", "second.csv", NULL},
                  &straight_run, &r);
  char *straight = file_read_or_fail(in_tmp("straight.csv"), NULL);
  char *second = file_read_or_fail(in_tmp("second.csv"), NULL);
  cr_assert_eq(count_lines(straight), 201);
  cr_assert_eq(count_lines(second), 101, "header and rows 101..200");
  expect_lines(second, 2, straight, 102, 100, "rows 101..200 differ");
  expect_lines(second, 1, straight, 1, 1, "the header differs");
  /* The summaries agree on everything that is not a timing. */
  const char *keys[] = {"test_acc", "train_acc", "loss", "steps", "epochs", "flips_total"};
  for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
    cr_assert_float_eq(json_number(r.out, keys[k]), json_number(straight_run.out, keys[k]), 1e-12,
                       "%s: %s vs %s", keys[k], r.out, straight_run.out);
  free(straight);
  free(second);
}

/* line with the value of its "test_acc" key replaced by null (static). */
static const char *without_test_acc(const char *line) {
  static char out[1 << 20];
  const char *key = strstr(line, "\"test_acc\":");
  cr_assert(key, "%s", line);
  const char *after = strpbrk(key + 11, ",}");
  snprintf(out, sizeof out, "%.*s\"test_acc\":null%s", (int)(key - line), line, after);
  return out;
}

/* Appends to tmp/log.jsonl a record past the checkpoint (a run that went on
 * after its last save) and a torn last line, which a resume drops. */
static void add_records_past_the_checkpoint(void) {
  FILE *f = fopen(in_tmp("log.jsonl"), "a");
  cr_assert(f);
  fputs("{\"type\":\"step\",\"step\":105,\"epoch\":0}\n{\"type\":\"step\",\"st", f);
  fclose(f);
}

Test(resume, a_resumed_jsonl_log_continues_in_the_same_file, .timeout = 60) {
  static ProcResult straight_run, r;
  resume_plan_run(&(ResumePlan){"--log-jsonl", "straight.jsonl", "log.jsonl", "log.jsonl",
                                add_records_past_the_checkpoint},
                  &straight_run, &r);
  char *straight = file_read_or_fail(in_tmp("straight.jsonl"), NULL);
  char *log = file_read_or_fail(in_tmp("log.jsonl"), NULL);
  /* The header (the resumed run's: 200 steps) and a record every 5 steps. */
  cr_assert_eq(count_lines(straight), 41);
  cr_assert_eq(count_lines(log), 41, "one header, records 5..200 once each");
  const int at = 1 + 100 / 5; /* the checkpoint's record */
  expect_lines(log, 1, straight, 1, at - 1, "the header and records up to step 95");
  expect_lines(log, at + 1, straight, at + 1, 41 - at, "records 105..200");
  /* Step 100 was the first run's last, so it was evaluated there only. */
  static char want[1 << 20];
  snprintf(want, sizeof want, "%s", without_test_acc(lines(straight, at, at)));
  cr_assert_str_eq(without_test_acc(lines(log, at, at)), want, "the record of step 100");
  free(straight);
  free(log);
}

#define SGD_RUN SMALL " --opt sgd --momentum 0.9 --lr 0.05 --val-frac 0.1 --epochs 4"

Test(resume, a_resumed_log_continues_in_the_same_file, .timeout = 60) {
  char args[1024];
  ProcResult r;
  run_flipscope_ok(&r, SGD_RUN " --steps 150 --log %s", in_tmp("straight.csv"));
  double val = json_number(r.out, "val_acc");
  run_flipscope_ok(&r, SGD_RUN " --steps 90 --log %s --save %s", in_tmp("log.csv"),
                   in_tmp("run.ckpt"));
  run_flipscope_ok(&r, "--headless --load %s --steps 150 --log %s --save %s",
                   in_tmp("run.ckpt"), in_tmp("log.csv"), in_tmp("run.ckpt"));
  cr_assert_float_eq(json_number(r.out, "val_acc"), val, 1e-12, "%s", r.out);
  char *straight = file_read_or_fail(in_tmp("straight.csv"), NULL);
  char *log = file_read_or_fail(in_tmp("log.csv"), NULL);
  cr_assert_eq(count_lines(log), 151, "the first 90 rows are kept, 60 follow");
  expect_lines(log, 92, straight, 92, 60, "rows 91..150");
  expect_lines(log, 1, straight, 1, 90, "header and rows 1..89");
  free(straight);
  free(log);
  cr_assert_eq(access(in_tmp("run.ckpt.tmp-1"), F_OK), -1);
  /* A resume that has nothing left to do says so. */
  snprintf(args, sizeof args, "--headless --load %s", in_tmp("run.ckpt"));
  expect_exit(args, 2, "the run is already at step 150 of 150; raise --steps or --epochs");
}

Test(resume, the_checkpoint_command_describes_a_file) {
  ProcResult r;
  run_flipscope_ok(&r, SMALL " --steps 7 --save %s", in_tmp("a.ckpt"));
  run_flipscope_ok(&r, "checkpoint %s", in_tmp("a.ckpt"));
  cr_assert_eq(json_number(r.out, "step"), 7);
  cr_assert_eq(json_number(r.out, "inputs"), 256);
  cr_assert_eq(json_number(r.out, "classes"), 10);
  cr_assert_eq(json_number(r.out, "batch"), 50);
  cr_assert(strstr(r.out, "\"model\":\"mlp:32\"") && strstr(r.out, "\"opt\":\"cema\""), "%s", r.out);
  cr_assert(strstr(r.out, "model = mlp:32\\n"), "the saved settings: %s", r.out);
  expect_exit("checkpoint", 2, "usage: flipscope checkpoint FILE");
  expect_exit("checkpoint /nonexistent.ckpt", 1, "/nonexistent.ckpt: No such file");
}

/* ---- end to end: every refusal of --load and --save ---- */

Test(checkpoint, load_refusals_exit_1_with_one_line) {
  char args[1024], path[300];
  ProcResult r;
  run_flipscope_ok(&r, SMALL " --steps 20 --save %s", in_tmp("good.ckpt"));
  size_t len;
  char *good = file_read_or_fail(in_tmp("good.ckpt"), &len);

  expect_exit("--headless --load /nonexistent/run.ckpt", 1,
              "--load /nonexistent/run.ckpt: No such file or directory");
  file_write(in_tmp("empty.ckpt"), "", 0);
  snprintf(args, sizeof args, "--headless --load %s", in_tmp("empty.ckpt"));
  expect_exit(args, 1, "empty file");
  file_write(in_tmp("text.ckpt"), "this is not a checkpoint at all, it is text\n", 44);
  snprintf(args, sizeof args, "--headless --load %s", in_tmp("text.ckpt"));
  expect_exit(args, 1, "not a flipscope checkpoint (bad magic");
  file_write(in_tmp("half.ckpt"), good, len / 2);
  snprintf(args, sizeof args, "--headless --load %s", in_tmp("half.ckpt"));
  snprintf(path, sizeof path, "truncated: %zu of %zu bytes", len / 2, len);
  expect_exit(args, 1, path);
  good[len / 2] ^= 0x10;
  file_write(in_tmp("flipped.ckpt"), good, len);
  good[len / 2] ^= 0x10;
  snprintf(args, sizeof args, "--headless --load %s", in_tmp("flipped.ckpt"));
  expect_exit(args, 1, "checksum mismatch");
  good[8] = 7;
  file_write(in_tmp("v7.ckpt"), good, len);
  good[8] = 1; /* the format before the data fingerprint */
  file_write(in_tmp("v1.ckpt"), good, len);
  good[8] = 2;
  snprintf(args, sizeof args, "--headless --load %s", in_tmp("v7.ckpt"));
  expect_exit(args, 1, "checkpoint format version 7; this flipscope reads versions 2 to 4");
  snprintf(args, sizeof args, "--headless --load %s", in_tmp("v1.ckpt"));
  expect_exit(args, 1, "checkpoint format version 1; this flipscope reads versions 2 to 4");
  snprintf(args, sizeof args, "--headless --load %s", tmp);
  expect_exit(args, 1, "not a regular file");
  free(good);

  /* Checkpoints that do not match what this run would train. */
  const char *ck = in_tmp("good.ckpt");
  snprintf(args, sizeof args, "--headless --load %s --steps 30 --model mlp:64", ck);
  expect_exit(args, 1, "the checkpoint's model is mlp:32 (256 inputs, 10 classes); this run's --model "
                       "and --data make mlp:64 (256 inputs, 10 classes)");
  snprintf(args, sizeof args, "--headless --load %s --steps 30 --data xor", ck);
  expect_exit(args, 1, "make mlp:32 (2 inputs, 2 classes)");
  snprintf(args, sizeof args, "--headless --load %s --steps 30 --opt adam", ck);
  expect_exit(args, 1, "the checkpoint's optimizer is cema; this run's --opt is adam");
  snprintf(args, sizeof args, "--headless --load %s --steps 30 --batch 40", ck);
  expect_exit(args, 1, "the checkpoint was trained with --batch 50, not 40");
  snprintf(args, sizeof args, "--headless --load %s --steps 30 --val-frac 0.1", ck);
  expect_exit(args, 1, "the checkpoint was trained on 12000 samples, this data's training split has 10800");
  /* The same shape and sizes, other samples: the glyphs are drawn from --seed. */
  run_flipscope_ok(&r, "checkpoint %s", ck);
  const char *fp = strstr(r.out, "\"data_fingerprint\":\"");
  cr_assert(fp, "%s", r.out);
  snprintf(path, sizeof path, "--load %s: saved with different data (fingerprint %.8s, this data ", ck,
           fp + strlen("\"data_fingerprint\":\""));
  snprintf(args, sizeof args, "--headless --load %s --steps 30 --seed 2", ck);
  expect_exit(args, 1, path);
  /* Saving where no file can be made. */
  expect_exit(SMALL " --steps 2 --save /nonexistent/dir/run.ckpt", 1,
              "--save /nonexistent/dir/run.ckpt: cannot write in /nonexistent/dir: No such file");
  snprintf(args, sizeof args, SMALL " --steps 2 --save %s", tmp);
  expect_exit(args, 1, "is a directory");
  expect_exit(SMALL " --steps 2 --save-every 5", 2, "--save-every: needs --save FILE");
}

Test(checkpoint, saved_settings_are_checked_like_a_config_file) {
  /* A checkpoint whose saved settings are not valid is refused naming them. */
  Trainer *t = small_trainer(OPT_CEMA);
  Buf b = {0};
  char err[256];
  CkptExtra x = {.config = "model = mlp:16x8\nwarp = 9\n", .config_len = 25};
  cr_assert_eq(checkpoint_write(t, &x, to_buf, &b, err, sizeof err), 0);
  file_write(in_tmp("odd.ckpt"), b.data, b.len);
  char args[512], want[400];
  snprintf(args, sizeof args, "--headless --load %s", in_tmp("odd.ckpt"));
  snprintf(want, sizeof want, "%s (saved settings):2: unknown key 'warp'", in_tmp("odd.ckpt"));
  expect_exit(args, 1, want);
  free(b.data);
  trainer_free(t);
}

/* ---- end to end: numbers and memory ---- */

Test(trouble, divergence_and_oversized_models_exit_with_one_line) {
  expect_exit(SMALL " --opt adam --lr 1e38 --steps 50", 1,
              "step 32: layer 0: the adam optimizer's state holds NaN");
  expect_exit(SMALL " --real-lr 1e38 --steps 5", 1,
              "step 1: layer 1: the batch-norm scale holds infinity (unit 0); lower --real-lr");
  /* The largest model --model accepts: about 0.9 TB, refused before any allocation. */
  char args[512] = "--headless --data glyphs --steps 5 --model mlp:65536";
  for (int l = 1; l < MODEL_MAX_LAYERS - 1; l++) strcat(args, "x65536");
  expect_exit(args, 1, "x65536: needs about 932669 MB (weights, optimizer state and batches of 100 "
                       "on 256 inputs), more than");
}

/* Under an address-space limit OpenBLAS's work buffers (128 MB per calling
 * thread) did not fit and its allocator retried forever: the run hung. Now it
 * is refused with one line before training, and it never hangs. */
Test(trouble, an_address_space_limit_is_refused_not_a_hang, .timeout = 60) {
  const int limits[] = {150000, 300000};
  for (size_t i = 0; i < 2; i++) {
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "timeout -s KILL 20 sh -c \"ulimit -v %d; exec '%s' --headless "
             "--data glyphs --model mlp:1024x1024 --steps 3\" </dev/null >/dev/null 2>%s",
             limits[i], flipscope_bin(), in_tmp("stderr"));
    int status = system(cmd);
    char text[4096];
    slurp(in_tmp("stderr"), text, sizeof text);
    cr_assert(WIFEXITED(status), "ulimit -v %d: killed (it hung): %s", limits[i], text);
    cr_assert_eq(WEXITSTATUS(status), 1, "ulimit -v %d: %s", limits[i], text);
    cr_assert(strstr(text, "OpenBLAS's 128 MB work buffer per thread") && strstr(text, "ulimit -v"),
              "%s", text);
    cr_assert_eq(strchr(text, '\n'), text + strlen(text) - 1, "one line: %s", text);
  }
}

/* ---- end to end: SIGINT and SIGTERM ---- */

/* Starts flipscope with args (split on spaces) writing to files in tmp; returns its pid. */
static pid_t spawn(const char *args) {
  char *copy = strdup(args), *argv[64];
  int argc = 0;
  argv[argc++] = (char *)flipscope_bin();
  for (char *tok = strtok(copy, " "); tok && argc < 63; tok = strtok(NULL, " ")) argv[argc++] = tok;
  argv[argc] = NULL;
  pid_t pid = fork();
  cr_assert_geq(pid, 0);
  if (pid == 0) {
    int out = open(in_tmp("stdout"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(in_tmp("stderr"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int in = open("/dev/null", O_RDONLY);
    dup2(in, 0), dup2(out, 1), dup2(err, 2);
    signal(SIGINT, SIG_DFL), signal(SIGTERM, SIG_DFL);
    execv(argv[0], argv);
    _exit(127);
  }
  free(copy);
  return pid;
}

/* Waits until the CSV at path has at least `rows` rows (10 s at most). */
static void wait_rows(const char *path, int rows) {
  for (int i = 0; i < 2000; i++) {
    FILE *f = fopen(path, "rb");
    int n = -1;
    for (int c; f && (c = fgetc(f)) != EOF;) n += c == '\n';
    if (f) fclose(f);
    if (n >= rows) return;
    nanosleep(&(struct timespec){0, 5000000}, NULL);
  }
  cr_assert_fail("%s never reached %d rows", path, rows);
}

/* Stops a long run with sig, then resumes it to step `to`; the whole log must
 * equal that of a run to `to` that never stopped. */
static void stop_and_resume(int sig, int code, const char *name) {
  char args[1024];
  const char *plan = "--headless --data glyphs --model mlp:32 --batch 50 --threads 1 --epochs 500 "
                     "--telemetry-every 4"; /* the default depends on --steps */
  snprintf(args, sizeof args, "%s --steps 1000000 --log %s --save %s --log-jsonl %s", plan,
           in_tmp("log.csv"), in_tmp("run.ckpt"), in_tmp("tel.jsonl"));
  pid_t pid = spawn(args);
  wait_rows(in_tmp("log.csv"), 30);
  kill(pid, sig);
  int status;
  cr_assert_eq(waitpid(pid, &status, 0), pid);
  cr_assert(WIFEXITED(status), "killed by the signal instead of handling it");
  cr_assert_eq(WEXITSTATUS(status), code);
  size_t len;
  char *err = file_read_or_fail(in_tmp("stderr"), NULL);
  char *out = file_read_or_fail(in_tmp("stdout"), NULL);
  cr_assert(strstr(err, name) && strstr(err, "saved"), "%s", err);
  cr_assert_str_eq(out, "", "no summary for a run that did not finish");
  ProcResult r;
  run_flipscope_ok(&r, "checkpoint %s", in_tmp("run.ckpt"));
  int at = (int)json_number(r.out, "step");
  char *log = file_read_or_fail(in_tmp("log.csv"), &len);
  cr_assert_eq(count_lines(log), at + 1, "the log was flushed up to the checkpoint's step %d", at);
  free(log), free(err), free(out);

  int to = at + 40;
  run_flipscope_ok(&r, "--headless --load %s --steps %d --log %s", in_tmp("run.ckpt"), to,
                   in_tmp("log.csv"));
  run_flipscope_ok(&r, "%s --steps %d --log %s", plan, to, in_tmp("straight.csv"));
  char *a = file_read_or_fail(in_tmp("straight.csv"), NULL);
  char *b = file_read_or_fail(in_tmp("log.csv"), NULL);
  cr_assert_str_eq(b, a, "stopped at %d by %s and resumed: the log differs", at, name);
  free(a), free(b);
}

Test(interrupt, sigterm_saves_flushes_and_exits_143, .timeout = 60) {
  stop_and_resume(SIGTERM, 143, "SIGTERM");
}

Test(interrupt, sigint_saves_flushes_and_exits_130, .timeout = 60) {
  stop_and_resume(SIGINT, 130, "SIGINT");
}

/* A checkpoint that shrinks after it was opened (another process rewriting
 * it in place) is read as it was: it was copied, not mapped (a mapped file
 * raised SIGBUS here). */
Test(resume, a_checkpoint_that_shrinks_after_it_was_opened_reads_as_it_was) {
  ProcResult r;
  run_flipscope_ok(&r, SMALL " --steps 5 --save %s", in_tmp("s.ckpt"));
  CkptFile f;
  char err[512];
  cr_assert_eq(ckpt_file_open(&f, in_tmp("s.ckpt"), err, sizeof err), 0, "%s", err);
  cr_assert_eq(truncate(in_tmp("s.ckpt"), 16), 0);
  CkptInfo info;
  cr_assert_eq(checkpoint_inspect(f.data, f.len, &info, err, sizeof err), 0, "%s", err);
  cr_assert_eq(info.step, 5);
  ckpt_file_close(&f);
}

Test(interrupt, sighup_saves_flushes_and_exits_129, .timeout = 60) {
  stop_and_resume(SIGHUP, 129, "SIGHUP");
}

/* `| head -c1`: the pipe on stdout and stderr closes; the next progress line
 * raises SIGPIPE, which used to kill the run with nothing saved (exit 141). */
Test(interrupt, a_closed_pipe_stops_saves_and_exits_141, .timeout = 60) {
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "bash -c \"'%s' --headless --data glyphs --model mlp:32 --threads 1 "
           "--epochs 3 --save %s --log %s 2>&1 | head -c1 >/dev/null; exit \\${PIPESTATUS[0]}\"",
           flipscope_bin(), in_tmp("run.ckpt"), in_tmp("log.csv"));
  int status = system(cmd);
  cr_assert(WIFEXITED(status));
  cr_assert_eq(WEXITSTATUS(status), 141);
  ProcResult r;
  snprintf(cmd, sizeof cmd, "checkpoint %s", in_tmp("run.ckpt"));
  run_flipscope(cmd, &r);
  cr_assert_eq(r.code, 0, "the checkpoint: %s", r.err);
  size_t len;
  char *log = file_read_or_fail(in_tmp("log.csv"), &len);
  cr_assert_eq(count_lines(log), (size_t)json_number(r.out, "step") + 1, "the log up to the checkpoint");
  free(log);
}

/* A full disk under --log stopped the run only at its end; now a device that
 * takes nothing is refused before training, and a disk that fills up during
 * the run stops it at the first failed write, with the checkpoint saved. */
Test(interrupt, a_log_that_cannot_be_written_stops_the_run_and_saves, .timeout = 60) {
  const char *flags[] = {"--log", "--log-jsonl"};
  char args[1024], want[256];
  ProcResult r;
  for (int k = 0; k < 2; k++) {
    snprintf(args, sizeof args, "--headless --data glyphs --model mlp:32 --threads 1 --epochs 50 "
             "%s /dev/full --save %s", flags[k], in_tmp("run.ckpt"));
    run_flipscope(args, &r);
    cr_assert_eq(r.code, 1, "%s", r.err);
    snprintf(want, sizeof want, "flipscope: %s /dev/full: cannot write: No space left on device\n",
             flags[k]);
    cr_assert_str_eq(r.err, want);
  }
  /* A 64 KB file system that fills up after a few hundred rows (root only). */
  mkdir(in_tmp("small"), 0755);
  snprintf(args, sizeof args, "mount -t tmpfs -o size=64k tmpfs '%s' 2>/dev/null", in_tmp("small"));
  if (system(args) != 0) cr_skip_test("cannot mount a small tmpfs here (not root?)");
  snprintf(args, sizeof args, "--headless --data glyphs --model mlp:32 --threads 1 --epochs 50 "
           "--log %s/run.csv --save %s", in_tmp("small"), in_tmp("run.ckpt"));
  run_flipscope(args, &r);
  snprintf(want, sizeof want, "umount '%s'", in_tmp("small"));
  cr_assert_eq(system(want), 0);
  cr_assert_eq(r.code, 1, "%s", r.err);
  snprintf(want, sizeof want, "/small/run.csv: writing failed: No space left on device; stopped after step ");
  cr_assert(strstr(r.err, want) && strstr(r.err, "; saved "), "%s", r.err);
  run_flipscope_ok(&r, "checkpoint %s", in_tmp("run.ckpt"));
  cr_assert_lt(json_number(r.out, "step"), 3000, "stopped early, not after 6000 steps: %s", r.out);
}

/* SIGINT while the final charts render used to be swallowed (exit 0, charts
 * missing): it ends the export, says so and exits 130. */
Test(interrupt, sigint_during_the_chart_export_exits_130, .timeout = 60) {
  FILE *f = fopen(in_tmp("slow-gnuplot"), "w");
  fprintf(f, "#!/bin/sh\ntouch '%s'\nsleep 30\n", in_tmp("started"));
  fclose(f);
  chmod(in_tmp("slow-gnuplot"), 0755);
  setenv("FLIPSCOPE_GNUPLOT", in_tmp("slow-gnuplot"), 1);
  char args[1024];
  snprintf(args, sizeof args, "--headless --data glyphs --model mlp:32 --threads 1 --steps 20 "
           "--export %s", in_tmp("charts"));
  pid_t pid = spawn(args);
  unsetenv("FLIPSCOPE_GNUPLOT");
  for (int i = 0; i < 1000 && access(in_tmp("started"), F_OK) != 0; i++) usleep(10000);
  cr_assert_eq(access(in_tmp("started"), F_OK), 0, "gnuplot never started");
  kill(pid, SIGINT);
  int status;
  cr_assert_eq(waitpid(pid, &status, 0), pid);
  cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 130, "status %d", status);
  size_t len;
  char *err = file_read_or_fail(in_tmp("stderr"), &len);
  cr_assert(strstr(err, "--export: interrupted: rendered 0 of "), "%s", err);
  free(err);
}

/* A checkpoint records the SIMD variant and the OpenBLAS kernels it was saved
 * under; a resume under others warns (it cannot repeat the run bit for bit). */
Test(resume, a_resume_under_other_kernels_warns) {
  if (simd_detect() == SIMD_SCALAR) cr_skip_test("this CPU runs only the portable kernels");
  char args[512];
  ProcResult r;
  snprintf(args, sizeof args, "FLIPSCOPE_SIMD=scalar '%s' " SMALL " --steps 5 --save %s "
           "</dev/null >/dev/null 2>%s", flipscope_bin(), in_tmp("s.ckpt"), in_tmp("err"));
  cr_assert_eq(system(args), 0);
  snprintf(args, sizeof args, "checkpoint %s", in_tmp("s.ckpt"));
  run_flipscope(args, &r);
  cr_assert(strstr(r.out, "\"simd\":\"scalar\",\"blas_core\":\""), "%s", r.out);
  run_flipscope_ok(&r, "--headless --load %s --steps 8", in_tmp("s.ckpt"));
  cr_assert(strstr(r.err, "warning: --load ") && strstr(r.err, "saved with the scalar kernels") &&
                strstr(r.err, "(FLIPSCOPE_SIMD=scalar matches)"), "%s", r.err);
  /* Under the same kernels: no warning. */
  snprintf(args, sizeof args, "FLIPSCOPE_SIMD=scalar '%s' --headless --load %s --steps 8 "
           "</dev/null >/dev/null 2>%s", flipscope_bin(), in_tmp("s.ckpt"), in_tmp("err"));
  cr_assert_eq(system(args), 0);
  char text[4096];
  slurp(in_tmp("err"), text, sizeof text);
  cr_assert_null(strstr(text, "warning"), "%s", text);
}

/* Counts the lines of text that contain needle. */
static int lines_with(const char *text, const char *needle) {
  int n = 0;
  for (const char *p = text; (p = strstr(p, needle)) != NULL; p += strlen(needle)) n++;
  return n;
}

/* The checkpoint's saved settings record --precision, so a resume keeps it;
 * a resume under the other precision warns in one line. */
Test(resume, the_precision_is_saved_and_a_resume_under_the_other_warns) {
  if (bf16_products_missing())
    cr_skip_test("this CPU cannot run bf16 (it lacks %s)", bf16_products_missing());
  const char *ckpt = in_tmp("p.ckpt");
  ProcResult r;
  run_flipscope_ok(&r, SMALL " --steps 5 --precision bf16 --save %s", ckpt);
  cr_assert(strstr(r.out, "\"precision\":\"bf16\""), "%s", r.out);
  run_flipscopef(&r, "checkpoint %s", ckpt);
  cr_assert(strstr(r.out, "\\nprecision = bf16\\n"), "%s", r.out);
  char kernel[64];
  snprintf(kernel, sizeof kernel, "\"bf16_kernel\":\"%s\"", matmul_for(PRECISION_BF16)->name);
  cr_assert(strstr(r.out, kernel), "the checkpoint names its bf16 kernel: %s", r.out);
  run_flipscope_ok(&r, "--headless --load %s --steps 8", ckpt);
  cr_assert(strstr(r.out, "\"precision\":\"bf16\""), "the saved precision is the default: %s", r.out);
  cr_assert_null(strstr(r.err, "precision"), "%s", r.err);
  run_flipscope_ok(&r, "--headless --load %s --steps 8 --precision fp32", ckpt);
  cr_assert(strstr(r.out, "\"precision\":\"fp32\""), "%s", r.out);
  cr_assert_eq(lines_with(r.err, "precision"), 1, "%s", r.err);
  cr_assert(strstr(r.err, "flipscope: warning: --load ") &&
                strstr(r.err, "saved with --precision bf16, resumed with fp32"), "%s", r.err);
}

/* A bf16 run records its products' kernel: resumed under the other bf16
 * kernel (AMX and AVX-512 BF16 sum in different orders) it warns; in fp32,
 * or from a checkpoint without the line, the kernel plays no part. */
Test(resume, a_bf16_run_resumed_under_the_other_bf16_kernel_warns) {
  MachineFacts amx, avx512, fp32, before;
  machine_facts_now(&amx, PRECISION_FP32);
  avx512 = fp32 = before = amx;
  snprintf(amx.bf16, sizeof amx.bf16, "%s", matmul_amx_bf16.name);
  snprintf(avx512.bf16, sizeof avx512.bf16, "%s", matmul_avx512_bf16.name);
  char text[256], msg[256];
  machine_facts_encode(&amx, text, sizeof text);
  MachineFacts saved = {0};
  machine_facts_decode(text, strlen(text), &saved);
  cr_assert_str_eq(saved.bf16, "bf16 (AMX)");
  cr_assert_eq(machine_facts_differ(&saved, &avx512, msg, sizeof msg), 1);
  cr_assert_str_eq(msg, "saved with the bf16 (AMX) products, resumed with bf16 (AVX-512 BF16): "
                        "the run will not repeat an uninterrupted one bit for bit");
  cr_assert_eq(machine_facts_differ(&saved, &amx, msg, sizeof msg), 0);
  cr_assert_eq(machine_facts_differ(&saved, &fp32, msg, sizeof msg), 0);
  machine_facts_encode(&before, text, sizeof text);
  cr_assert_null(strstr(text, "machine_bf16"), "an fp32 run records no bf16 kernel: %s", text);
  machine_facts_decode(text, strlen(text), &saved);
  cr_assert_eq(machine_facts_differ(&saved, &avx512, msg, sizeof msg), 0);
}

/* Checkpoints from before --precision hold no precision line: they came from
 * fp32 runs, and resume in fp32 without a warning, whatever the default. */
Test(resume, a_checkpoint_without_a_precision_resumes_in_fp32) {
  Trainer *t = small_trainer(OPT_CEMA);
  const char *settings = "data = glyphs\nmodel = mlp:16x8\nopt = cema\nbatch = 50\nseed = 1\n"
                         "threads = 1\n";
  CkptExtra x = {.config = settings, .config_len = strlen(settings)};
  char err[256], args[512];
  cr_assert_eq(ckpt_file_save(t, in_tmp("old.ckpt"), &x, err, sizeof err), 0, "%s", err);
  trainer_free(t);
  ProcResult r;
  snprintf(args, sizeof args, "--headless --load %s --steps 4", in_tmp("old.ckpt"));
  run_flipscope(args, &r);
  cr_assert_eq(r.code, 0, "%s", r.err);
  cr_assert(strstr(r.out, "\"precision\":\"fp32\""), "%s", r.out);
  cr_assert_null(strstr(r.err, "precision"), "%s", r.err);
}
