/* test_augment.c — --augment: the crop and flip kernel against images worked
 * out by hand, the per-step draws (same seed and step, same draws), that the
 * trainer augments training batches only, and end to end: reproducible runs,
 * a resume that continues the straight run's log, the refusals, and the
 * setting in the checkpoint, the summary and the JSONL header. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/load.h"
#include "engine/augment.h"
#include "engine/parallel.h"
#include "engine/trainer.h"
#include "files.h"
#include "proc.h"
#include "tmpdir.h"

TestSuite(augment);
TestSuite(augment_run, .init = tmpdir_make, .fini = tmpdir_remove);

/* ---- the kernel, on a 3x3 grey image and a 2x3 two-channel one ---- */

/* Applies draw d to a copy of the 3x3 image 1..9 and expects want. */
static void expect_grey(AugmentDraw d, const float want[9], const char *what) {
  float img[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, scratch[9];
  augment_apply(img, 1, 3, 3, 1, &d, scratch);
  for (int i = 0; i < 9; i++)
    cr_assert(img[i] == want[i], "%s: pixel %d is %g, expected %g", what, i, img[i], want[i]);
}

Test(augment, crops_and_flips_equal_the_hand_computed_images) {
  /* AUGMENT_PAD 4: the window at (4, 4) is the image itself. */
  cr_assert_eq(AUGMENT_PAD, 4);
  expect_grey((AugmentDraw){4, 4, 0}, (const float[9]){1, 2, 3, 4, 5, 6, 7, 8, 9}, "identity");
  expect_grey((AugmentDraw){4, 4, 1}, (const float[9]){3, 2, 1, 6, 5, 4, 9, 8, 7}, "flip");
  /* The window one pixel right: the image moves left, a zero column enters. */
  expect_grey((AugmentDraw){4, 5, 0}, (const float[9]){2, 3, 0, 5, 6, 0, 8, 9, 0}, "dx 5");
  /* One pixel up (dy 3): a zero row on top; then mirrored. */
  expect_grey((AugmentDraw){3, 4, 1}, (const float[9]){0, 0, 0, 3, 2, 1, 6, 5, 4}, "dy 3, flip");
  /* Crop first, then flip: the window one pixel left (dx 3) holds 0 1 2 on row 0. */
  expect_grey((AugmentDraw){4, 3, 1}, (const float[9]){2, 1, 0, 5, 4, 0, 8, 7, 0}, "dx 3, flip");
  expect_grey((AugmentDraw){6, 2, 0}, (const float[9]){0, 0, 7, 0, 0, 0, 0, 0, 0}, "dy 6, dx 2");
  /* Far corners of the padded image: only padding. */
  expect_grey((AugmentDraw){0, 0, 0}, (const float[9]){0}, "dy 0, dx 0");
  expect_grey((AugmentDraw){8, 8, 1}, (const float[9]){0}, "dy 8, dx 8");
}

Test(augment, the_channels_of_a_pixel_move_together_and_each_sample_has_its_draw) {
  /* Two samples of 2x3 pixels, 2 channels: pixel (y, x) channel c holds 100s + 10y + x + c/2. */
  float x[2 * 12], scratch[12];
  for (int s = 0; s < 2; s++)
    for (int y = 0; y < 2; y++)
      for (int px = 0; px < 3; px++)
        for (int c = 0; c < 2; c++)
          x[s * 12 + (y * 3 + px) * 2 + c] = 100.0f * s + 10.0f * y + px + 0.5f * c;
  const AugmentDraw d[2] = {{4, 4, 1}, {5, 4, 0}};
  augment_apply(x, 2, 2, 3, 2, d, scratch);
  const float want[24] = {
      /* sample 0 mirrored: row 0 is pixels 2, 1, 0, each with its two channels */
      2, 2.5f, 1, 1.5f, 0, 0.5f, 12, 12.5f, 11, 11.5f, 10, 10.5f,
      /* sample 1 one row down in the window (dy 5): row 1 moves up, zeros below */
      110, 110.5f, 111, 111.5f, 112, 112.5f, 0, 0, 0, 0, 0, 0};
  for (int i = 0; i < 24; i++)
    cr_assert(x[i] == want[i], "feature %d: %g, expected %g", i, x[i], want[i]);
}

/* ---- the draws ---- */

Test(augment, draws_depend_on_seed_and_step_only) {
  enum { N = 4000 };
  static AugmentDraw a[N], b[N], c[N], e[N];
  augment_draw(7, 12, AUGMENT_ALL, N, a);
  augment_draw(7, 12, AUGMENT_ALL, N, b);
  augment_draw(7, 13, AUGMENT_ALL, N, c);
  augment_draw(8, 12, AUGMENT_ALL, N, e);
  cr_assert_arr_eq(a, b, sizeof a, "same seed and step, same draws");
  cr_assert(memcmp(a, c, sizeof a), "the next step draws anew");
  cr_assert(memcmp(a, e, sizeof a), "another seed draws anew");
  /* The first samples of a batch are the first samples of a bigger one. */
  augment_draw(7, 12, AUGMENT_ALL, 10, b);
  cr_assert_arr_eq(a, b, 10 * sizeof *a);
  size_t seen[9] = {0}, flips = 0;
  for (int i = 0; i < N; i++) {
    cr_assert(a[i].dy <= 8 && a[i].dx <= 8 && a[i].flip <= 1, "sample %d: %u %u %u", i, a[i].dy,
              a[i].dx, a[i].flip);
    seen[a[i].dy]++, seen[a[i].dx]++;
    flips += a[i].flip;
  }
  for (int v = 0; v < 9; v++) /* 2N/9 = 889 expected; 5 sigma is about 140 */
    cr_assert(seen[v] > 700 && seen[v] < 1080, "offset %d drawn %zu times", v, seen[v]);
  cr_assert(flips > N / 2 - 200 && flips < N / 2 + 200, "%zu flips of %d", flips, N);
}

Test(augment, each_kind_draws_only_its_own_transform) {
  AugmentDraw d[64];
  augment_draw(3, 1, AUGMENT_CROP, 64, d);
  size_t moved = 0;
  for (int i = 0; i < 64; i++) {
    cr_assert_eq(d[i].flip, 0, "crop alone never flips");
    moved += d[i].dy != 4 || d[i].dx != 4;
  }
  cr_assert_gt(moved, 32);
  augment_draw(3, 1, AUGMENT_FLIP, 64, d);
  size_t flips = 0;
  for (int i = 0; i < 64; i++) {
    cr_assert(d[i].dy == 4 && d[i].dx == 4, "flip alone never shifts");
    flips += d[i].flip;
  }
  cr_assert(flips > 10 && flips < 54, "%zu of 64 flipped", flips);
}

Test(augment, kinds_parse_and_print) {
  cr_assert_eq(augment_parse("none"), 0);
  cr_assert_eq(augment_parse("crop"), AUGMENT_CROP);
  cr_assert_eq(augment_parse("flip"), AUGMENT_FLIP);
  cr_assert_eq(augment_parse("crop,flip"), AUGMENT_ALL);
  cr_assert_eq(augment_parse("flip,crop"), AUGMENT_ALL);
  const char *bad[] = {"", "Crop", "crop,", "crop,crop", "crop flip", "flip,crop,flip", NULL};
  for (int i = 0; bad[i]; i++) cr_assert_eq(augment_parse(bad[i]), -1, "'%s'", bad[i]);
  cr_assert_eq(augment_parse(NULL), -1);
  for (unsigned k = 0; k <= AUGMENT_ALL; k++)
    cr_assert_eq(augment_parse(augment_name(k)), (int)k, "%s", augment_name(k));
}

/* ---- the trainer ---- */

static Dataset glyphs;

static Trainer *glyph_trainer(unsigned augment) {
  char err[256];
  if (!glyphs.storage) {
    cr_assert_eq(par_init(1), 0);
    cr_assert_eq(dataset_load("glyphs", &(DatasetOptions){.seed = 1}, &glyphs, err, sizeof err), 0);
  }
  ModelSpec spec = {.hidden = {16}, .n_hidden = 1};
  OptConfig oc;
  optim_defaults(OPT_CEMA, &oc);
  TrainConfig tc = {.batch = 50, .epochs = 1, .real_lr = 1e-3, .seed = 4, .augment = augment,
                    .schedule = {.kind = SCHED_LINEAR}};
  Trainer *t = trainer_create(&tc, &spec, &oc, &glyphs.train, &glyphs.test, err, sizeof err);
  cr_assert(t, "%s", err);
  return t;
}

Test(augment, the_trainer_augments_training_batches_and_never_evaluation) {
  Trainer *plain = glyph_trainer(0), *augmented = glyph_trainer(AUGMENT_ALL);
  double loss_plain, loss_augmented;
  /* The same initial model: evaluation sees the same test images. */
  cr_assert_eq(trainer_evaluate(plain, &glyphs.test, &loss_plain),
               trainer_evaluate(augmented, &glyphs.test, &loss_augmented));
  cr_assert_eq(loss_plain, loss_augmented, "evaluation does not augment");
  char err[256];
  StepReport a, b;
  cr_assert_eq(trainer_step(plain, &a, err, sizeof err), 1, "%s", err);
  cr_assert_eq(trainer_step(augmented, &b, err, sizeof err), 1, "%s", err);
  cr_assert_neq(a.loss, b.loss, "the training batch was augmented");
  /* Two augmented trainers of one seed take the same steps. */
  Trainer *again = glyph_trainer(AUGMENT_ALL);
  StepReport c;
  cr_assert_eq(trainer_step(again, &c, err, sizeof err), 1, "%s", err);
  cr_assert_eq(b.loss, c.loss);
  cr_assert_eq(b.flips, c.flips);
  trainer_free(plain);
  trainer_free(augmented);
  trainer_free(again);
}

Test(augment, the_trainer_refuses_flat_data) {
  const DataSplit flat = {.n = 10, .dim = 2, .classes = 2};
  OptConfig oc;
  optim_defaults(OPT_CEMA, &oc);
  TrainConfig tc = {.batch = 5, .epochs = 1, .augment = AUGMENT_FLIP};
  char err[256];
  cr_assert_eq(trainer_check(&tc, &oc, &flat, err, sizeof err), ERR_USAGE);
  cr_assert(strstr(err, "augment: flip needs images"), "%s", err);
  tc.augment = 0;
  cr_assert_eq(trainer_check(&tc, &oc, &flat, err, sizeof err), 0, "%s", err);
}

/* ---- end to end ---- */

#define RUN "--headless --data glyphs --model mlp:32 --batch 50 --threads 1 --telemetry-every 5"

Test(augment_run, same_seed_same_log_and_a_resume_continues_it, .timeout = 120) {
  ProcResult r;
  run_flipscope_ok(&r, RUN " --epochs 1 --steps 60 --augment crop,flip --log %s", in_tmp("a.csv"));
  cr_assert(strstr(r.out, "\"augment\":\"crop,flip\""), "the summary names it: %s", r.out);
  run_flipscope_ok(&r, RUN " --epochs 1 --steps 60 --augment crop,flip --log %s", in_tmp("b.csv"));
  run_flipscope_ok(&r, RUN " --epochs 1 --steps 60 --log %s", in_tmp("plain.csv"));
  cr_assert_null(strstr(r.out, "augment"), "no augment key without it: %s", r.out);
  size_t la, lb, lp;
  char *a = file_read_or_fail(in_tmp("a.csv"), &la), *b = file_read_or_fail(in_tmp("b.csv"), &lb);
  char *plain = file_read_or_fail(in_tmp("plain.csv"), &lp);
  cr_assert(la == lb && memcmp(a, b, la) == 0, "two runs of one seed write one log");
  cr_assert(la != lp || memcmp(a, plain, la), "augmentation changes the run");
  /* Stopped at step 30 and resumed: the checkpoint alone brings --augment back
   * (the first half logs too, so that the flip history is saved with it). */
  run_flipscope_ok(&r, RUN " --epochs 1 --steps 30 --augment crop,flip --log %s --save %s",
                   in_tmp("first.csv"), in_tmp("half.ckpt"));
  run_flipscope_ok(&r, "--headless --load %s --steps 60 --log %s", in_tmp("half.ckpt"),
                   in_tmp("resumed.csv"));
  size_t lr;
  char *resumed = file_read_or_fail(in_tmp("resumed.csv"), &lr);
  const char *row31 = a;
  for (int i = 0; i < 31; i++) row31 = strchr(row31, '\n') + 1;
  size_t header = (size_t)(strchr(a, '\n') + 1 - a);
  cr_assert(lr == header + (size_t)(a + la - row31), "header and rows 31..60: %zu bytes", lr);
  cr_assert(memcmp(resumed, a, header) == 0, "the same header");
  cr_assert(memcmp(resumed + header, row31, lr - header) == 0,
            "rows 31..60 equal the straight run's");
  free(a);
  free(b);
  free(plain);
  free(resumed);
}

Test(augment_run, the_setting_is_saved_logged_and_kept_on_resume, .timeout = 60) {
  ProcResult r;
  run_flipscope_ok(&r, RUN " --steps 4 --augment flip --save %s --log-jsonl %s", in_tmp("c.ckpt"),
                   in_tmp("run.jsonl"));
  char *jsonl = file_read_or_fail(in_tmp("run.jsonl"), NULL);
  *strchr(jsonl, '\n') = 0;
  cr_assert(strstr(jsonl, ",\"augment\":\"flip\","), "the JSONL header: %s", jsonl);
  free(jsonl);
  run_flipscope_ok(&r, "checkpoint %s", in_tmp("c.ckpt"));
  cr_assert(strstr(r.out, "\\naugment = flip\\n"), "the saved settings: %s", r.out);
  char args[600], want[700];
  snprintf(args, sizeof args, "--headless --load %s --steps 8 --augment crop,flip",
           in_tmp("c.ckpt"));
  snprintf(want, sizeof want,
           "flipscope: --load %s: saved by a run with --augment flip, resumed with --augment "
           "crop,flip: give the same --augment (or leave it out)\n", in_tmp("c.ckpt"));
  run_flipscope(args, &r);
  cr_assert_eq(r.code, 2, "%s", r.err);
  cr_assert_str_eq(r.err, want);
  snprintf(args, sizeof args, "--headless --load %s --steps 8 --augment none", in_tmp("c.ckpt"));
  expect_usage_error(args, "resumed with --augment none");
  /* A checkpoint without augmentation resumes only without it. */
  run_flipscope_ok(&r, RUN " --steps 4 --save %s", in_tmp("plain.ckpt"));
  run_flipscope_ok(&r, "checkpoint %s", in_tmp("plain.ckpt"));
  cr_assert_null(strstr(r.out, "augment"), "nothing saved for none: %s", r.out);
  snprintf(args, sizeof args, "--headless --load %s --steps 8 --augment crop",
           in_tmp("plain.ckpt"));
  expect_usage_error(args, "saved by a run with --augment none, resumed with --augment crop");
  run_flipscope_ok(&r, "--headless --load %s --steps 8 --augment none", in_tmp("plain.ckpt"));
}

Test(augment_run, flat_data_and_bad_kinds_are_refused_in_one_line) {
  expect_usage_error("--headless --data spiral --augment crop,flip --steps 1",
                     "flipscope: --augment crop,flip: applies to image sets (glyphs, fashion, "
                     "idx:DIR, cifar10:DIR), not spiral");
  char args[400];
  const char *csv = in_tmp("flat.csv");
  file_write_text(csv, "y,a,b\n0,1,2\n1,2,3\n0,3,4\n1,4,5\n0,5,6\n");
  snprintf(args, sizeof args, "--headless --data csv:%s --augment flip --batch 2 --steps 1", csv);
  expect_usage_error(args, "--augment flip: applies to image sets");
  expect_usage_error("--headless --data glyphs --augment flop --steps 1",
                     "flipscope: --augment: expected none, crop, flip or crop,flip, got 'flop'");
}
