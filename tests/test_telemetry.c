/* test_telemetry.c — flip telemetry on hand-built cases (known flips, ages
 * and magnitudes); the CSV and JSONL log schemas; every chart renders and its
 * script re-runs cleanly; hostile file names and titles cannot inject gnuplot
 * commands; no gnuplot still writes data and scripts; a 2 x 2 sweep end to
 * end with resume, --emit-jobs and --collect. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "app/cli/model_text.h"
#include "app/io/json.h"
#include "engine/model.h"
#include "engine/optim.h"
#include "engine/bitpack.h"
#include "engine/telemetry.h"
#include "files.h"
#include "proc.h"
#include "tmpdir.h"

TestSuite(telemetry, .init = tmpdir_make, .fini = tmpdir_remove);

/* ---------------------------------------------------------------- engine */

typedef struct {
  Model m;
  Optimizer *opt;
  Telemetry *tel;
  float *inertia;
  int packed; /* hand telemetry the blocks' signs already packed, as the trainer does past layer 0 */
} Rig;

/* One binary layer of 8 inputs x 4 outputs = 32 weights, CEMA state, telemetry
 * with reversal window K. */
static void rig_make(Rig *r, unsigned window, TelHistMode hist) {
  r->packed = 0;
  ModelSpec spec = {.n_hidden = 0}; /* mlp: */
  char err[256];
  cr_assert_eq(model_create(&r->m, &spec, &(ModelInput){.dim = 8}, 4, 1, 7, err, sizeof err), 0, "%s", err);
  OptConfig oc;
  optim_defaults(OPT_CEMA, &oc);
  size_t sizes[1] = {32};
  const float *signs[1] = {r->m.layer[0].sign};
  r->opt = optim_create(&oc, 1, sizes, signs, 7, err, sizeof err);
  cr_assert_not_null(r->opt, "%s", err);
  r->inertia = optim_state(r->opt, 0)[optim_ops(OPT_CEMA)->inertia_state];
  TelemetryConfig tc;
  telemetry_defaults(&tc);
  tc.reversal_window = window;
  tc.hist = hist;
  r->tel = telemetry_create(&tc, &r->m, 7, err, sizeof err);
  cr_assert_not_null(r->tel, "%s", err);
}

static void rig_free(Rig *r) {
  telemetry_free(r->tel);
  optim_free(r->opt);
  model_free(&r->m);
}

/* Runs step `step`, flipping the listed weights as an optimizer would. */
static const TelemetrySnapshot *rig_step(Rig *r, uint64_t step, const int *flip, size_t n) {
  telemetry_begin_step(r->tel, step);
  float *sign = r->m.layer[0].sign;
  for (size_t i = 0; i < n; i++) sign[flip[i]] = -sign[flip[i]];
  /* Two blocks of two rows each, as the backward pass hands them out. */
  size_t in_first = 0;
  for (size_t i = 0; i < n; i++) in_first += flip[i] < 16;
  uint64_t bits[4]; /* 4 rows of 8 signs, one word each */
  bits_pack_rows(sign, 4, 8, bits);
  telemetry_block(r->tel, 0, sign, 0, 16, in_first, r->packed ? bits : NULL);
  telemetry_block(r->tel, 0, sign, 16, 32, n - in_first, r->packed ? bits + 2 : NULL);
  size_t layer_flips[1] = {n};
  TelemetryStep ts = {.step = step, .loss = 1, .test_acc = NAN, .layer_flips = layer_flips};
  telemetry_end_step(r->tel, &ts, &r->m, r->opt);
  const TelemetrySnapshot *s = telemetry_last(r->tel);
  cr_assert_eq(s->step, step);
  return s;
}

Test(telemetry, flips_reversals_never_flipped_and_ages) {
  Rig r;
  rig_make(&r, 3, TEL_HIST_LOG);
  const TelemetrySnapshot *s = rig_step(&r, 1, (int[]){0, 1, 2}, 3);
  const TelemetryLayer *L = &s->layer[0];
  cr_assert_eq(L->weights, 32);
  cr_assert_eq(L->flips, 3);
  cr_assert_float_eq(L->flip_ratio, 3.0 / 32, 1e-12);
  cr_assert_eq(L->reversals, 0);
  cr_assert_eq(L->ever_flipped, 3);
  cr_assert_float_eq(L->never_flipped, 29.0 / 32, 1e-12);
  /* Step 2: weight 0 flips back 1 step later (a reversal); 5 flips the first time. */
  L = &rig_step(&r, 2, (int[]){0, 5}, 2)->layer[0];
  cr_assert_eq(L->reversals, 1);
  cr_assert_eq(L->ever_flipped, 4);
  /* Step 6: weight 1 (last flip at 1: 5 steps) and 0 (at 2: 4 steps) are beyond K = 3. */
  L = &rig_step(&r, 6, (int[]){1, 0}, 2)->layer[0];
  cr_assert_eq(L->reversals, 0);
  cr_assert_eq(L->ever_flipped, 4);
  /* Step 7: weight 1 flips again after 1 step (a reversal); 20 for the first time. */
  L = &rig_step(&r, 7, (int[]){1, 20}, 2)->layer[0];
  cr_assert_eq(L->reversals, 1);
  cr_assert_eq(L->ever_flipped, 5);
  cr_assert_float_eq(L->never_flipped, 27.0 / 32, 1e-12);
  /* Ages at step 7 (the statistics cover all 32 weights): never 27; this step: 1, 20;
   * 1 step ago: 0 (bucket 2); 5 and 6 steps ago: 5 and 2 (bucket 4 = [4, 8)). */
  cr_assert_eq(L->stats_count, 32);
  cr_assert_eq(L->age[0], 27);
  cr_assert_eq(L->age[1], 2);
  cr_assert_eq(L->age[2], 1);
  cr_assert_eq(L->age[3], 0);
  cr_assert_eq(L->age[4], 2);
  /* A block reported with no flips is not scanned (the trainer knows the count). */
  telemetry_begin_step(r.tel, 8);
  r.m.layer[0].sign[9] = -r.m.layer[0].sign[9];
  telemetry_block(r.tel, 0, r.m.layer[0].sign, 0, 16, 0, NULL);
  r.m.layer[0].sign[9] = -r.m.layer[0].sign[9];
  size_t none[1] = {0};
  TelemetryStep ts = {.step = 8, .test_acc = NAN, .layer_flips = none};
  telemetry_end_step(r.tel, &ts, &r.m, r.opt);
  cr_assert_eq(telemetry_last(r.tel)->layer[0].ever_flipped, 5);
  rig_free(&r);
}

Test(telemetry, sixteen_bit_step_counters_never_wrap_into_reversals) {
  Rig r;
  rig_make(&r, 16, TEL_HIST_LOG);
  rig_step(&r, 1, (int[]){3}, 1);
  /* The trainer calls begin_step every step; the aging passes run at multiples of 2^14. */
  for (uint64_t step = 2; step < 65537; step++) telemetry_begin_step(r.tel, step);
  /* 65536 steps later the 16-bit difference would be 0: a false reversal without clamping. */
  const TelemetryLayer *L = &rig_step(&r, 65537, (int[]){3}, 1)->layer[0];
  cr_assert_eq(L->reversals, 0);
  rig_step(&r, 65538, (int[]){3}, 1);
  cr_assert_eq(telemetry_last(r.tel)->layer[0].reversals, 1);
  rig_free(&r);
}

static int cmp_float(const void *a, const void *b) {
  float x = *(const float *)a, y = *(const float *)b;
  return (x > y) - (x < y);
}

Test(telemetry, inertia_percentiles_histogram_near_zero_and_samples) {
  Rig r;
  rig_make(&r, 16, TEL_HIST_LOG);
  /* Known magnitudes: +-(j+1) * 1e-3, every third negative; weight 31 nearly zero. */
  for (int j = 0; j < 32; j++) r.inertia[j] = (j % 3 ? 1.0f : -1.0f) * (float)(j + 1) * 1e-3f;
  r.inertia[31] = 1e-6f;
  const TelemetryLayer *L = &rig_step(&r, 1, NULL, 0)->layer[0];
  float sorted[32], abs_sorted[32];
  for (int j = 0; j < 32; j++) {
    sorted[j] = r.inertia[j];
    abs_sorted[j] = fabsf(r.inertia[j]);
  }
  qsort(sorted, 32, sizeof *sorted, cmp_float);
  qsort(abs_sorted, 32, sizeof *abs_sorted, cmp_float);
  /* Nearest rank: index round(p/100 * (n-1)). */
  for (int p = 0; p < TEL_PERCENTILES; p++) {
    size_t k = (size_t)(tel_percentile_ranks[p] / 100.0 * 31 + 0.5);
    cr_assert_eq(L->pct[p], sorted[k], "band %d: %g vs %g", p, L->pct[p], sorted[k]);
  }
  cr_assert_eq(L->pct[0], r.inertia[30]); /* -0.031 */
  cr_assert_eq(L->pct[8], r.inertia[29]); /* +0.030 */
  cr_assert_eq(L->abs_median, abs_sorted[16]);
  /* Band 0.05 * median |inertia|: only weight 31 (1e-6) lies inside. */
  cr_assert_float_eq(L->near_zero_band, 0.05f * L->abs_median, 1e-9);
  cr_assert_float_eq(L->near_zero, 1.0 / 32, 1e-12);
  /* Log histogram over [-10, 2) in 64 bins of 0.1875 decades. */
  cr_assert_eq(L->hist_lo, -10.0f);
  cr_assert_eq(L->hist_hi, 2.0f);
  uint32_t total = 0;
  for (int b = 0; b < TEL_HIST_BINS; b++) total += L->hist[b];
  cr_assert_eq(total, 32);
  int bin_1e6 = telemetry_hist_bin(TEL_HIST_LOG, -10, 2, 1e-6f); /* (4/12)*64 = 21.3 */
  cr_assert_eq(bin_1e6, 21);
  cr_assert_eq(L->hist[21], 1);
  cr_assert_eq(telemetry_hist_bin(TEL_HIST_LOG, -10, 2, 0.0f), 0);
  cr_assert_eq(telemetry_hist_bin(TEL_HIST_LOG, -10, 2, -1.0f), 53); /* 10/12*64 = 53.3 */
  cr_assert_eq(telemetry_hist_bin(TEL_HIST_LOG, -10, 2, 1e9f), 63);
  /* Samples: all 32 weights (fewer than 256), ascending, with sign and inertia. */
  cr_assert_eq(L->samples, 32);
  for (unsigned i = 0; i < 32; i++) {
    cr_assert_eq(L->sample_index[i], i);
    cr_assert_eq(L->sample_inertia[i], r.inertia[i]);
    cr_assert_eq(L->sample_sign[i], r.m.layer[0].sign[i] < 0 ? -1 : 1);
  }
  rig_free(&r);
  /* Linear histogram: symmetric range from the largest magnitude. */
  rig_make(&r, 16, TEL_HIST_LINEAR);
  for (int j = 0; j < 32; j++) r.inertia[j] = (float)(j - 16) / 16.0f; /* -1 .. 0.9375 */
  L = &rig_step(&r, 1, NULL, 0)->layer[0];
  cr_assert_eq(L->hist_lo, -1.0f);
  cr_assert_eq(L->hist_hi, 1.0f);
  for (int b = 0; b < TEL_HIST_BINS; b++) cr_assert_eq(L->hist[b], (uint32_t)(b % 2 == 0), "bin %d", b);
  rig_free(&r);
}

Test(telemetry, statistics_every_n_steps_and_a_snapshot_copy) {
  Rig r;
  rig_make(&r, 16, TEL_HIST_LOG);
  TelemetryConfig tc = *telemetry_config(r.tel);
  tc.every = 3;
  telemetry_set_config(r.tel, &tc);
  int fresh[7] = {0};
  for (uint64_t step = 1; step <= 6; step++) fresh[step] = rig_step(&r, step, NULL, 0)->stats_fresh;
  cr_assert(!fresh[1] && !fresh[2] && fresh[3] && !fresh[4] && !fresh[5] && fresh[6]);
  cr_assert_eq(telemetry_last(r.tel)->stats_step, 6);
  telemetry_request_stats(r.tel);
  cr_assert(rig_step(&r, 7, NULL, 0)->stats_fresh);
  const TelemetrySnapshot *last = telemetry_last(r.tel);
  cr_assert_eq(last->step, 7);
  cr_assert_eq(last->layers, 1);
  cr_assert_eq(last->layer[0].weights, 32);
  rig_free(&r);
}

Test(telemetry, large_layer_subsample_spans_every_column) {
  /* 784 x 64: more weights than TEL_STATS_MAX, so runs of 16 spread over the layer. */
  Model m;
  ModelSpec spec = {.n_hidden = 0}; /* mlp: */
  char err[256];
  cr_assert_eq(model_create(&m, &spec, &(ModelInput){.dim = 784}, 64, 1, 3, err, sizeof err), 0, "%s", err);
  TelemetryConfig tc;
  telemetry_defaults(&tc);
  Telemetry *t = telemetry_create(&tc, &m, 3, err, sizeof err);
  OptConfig oc;
  optim_defaults(OPT_CEMA, &oc);
  size_t sizes[1] = {784 * 64};
  const float *signs[1] = {m.layer[0].sign};
  Optimizer *o = optim_create(&oc, 1, sizes, signs, 3, err, sizeof err);
  float *in = optim_state(o, 0)[1];
  /* Inertia = column index: a subsample stuck on a few columns would show it. */
  for (size_t j = 0; j < 784 * 64; j++) in[j] = (float)(j % 784);
  size_t flips[1] = {0};
  TelemetryStep ts = {.step = 1, .test_acc = NAN, .layer_flips = flips};
  telemetry_begin_step(t, 1);
  telemetry_end_step(t, &ts, &m, o);
  const TelemetryLayer *L = &telemetry_last(t)->layer[0];
  cr_assert_eq(L->stats_count, TEL_STATS_MAX);
  cr_assert_lt(L->pct[0], 8.0f);
  cr_assert_gt(L->pct[8], 775.0f);
  cr_assert(fabsf(L->pct[4] - 391.5f) < 25.0f, "median column %g", L->pct[4]);
  /* 256 distinct sorted samples. */
  cr_assert_eq(L->samples, 256);
  for (unsigned i = 1; i < L->samples; i++) cr_assert_lt(L->sample_index[i - 1], L->sample_index[i]);
  optim_free(o);
  telemetry_free(t);
  model_free(&m);
}

/* ---------------------------------------------------------------- logs */

Test(telemetry, csv_and_jsonl_schemas, .timeout = 60) {
  ProcResult r;
  run_flipscope_ok(&r, "--headless --data glyphs --model mlp:32 --steps 25 --batch 40 --threads 2 "
                   "--eval-every 10 --telemetry-every 4 --telemetry-samples 64 --log %s "
                   "--log-jsonl %s", in_tmp("run.csv"), in_tmp("run.jsonl"));
  char *csv = file_read_or_fail(in_tmp("run.csv"), NULL);
  const char *header =
      "step,epoch,rate,loss,train_acc,test_acc,flips,flip_ratio,flips_l0,flip_ratio_l0,flips_l1,"
      "flip_ratio_l1,reversals_l0,never_flipped_l0,near_zero_l0,inertia_abs_median_l0,"
      "reversals_l1,never_flipped_l1,near_zero_l1,inertia_abs_median_l1\n";
  cr_assert(strncmp(csv, header, strlen(header)) == 0, "CSV header: %.400s", csv);
  /* Row 4 has statistics (every 4), row 5 leaves the two statistics cells empty. */
  const char *row4 = strstr(csv, "\n4,0,"), *row5 = strstr(csv, "\n5,0,");
  cr_assert(row4 && row5);
  const char *end5 = strchr(row5 + 1, '\n');
  cr_assert(end5 && end5[-1] == ',' && end5[-2] == ',', "row 5: %.200s", row5 + 1);
  int cells = 1;
  for (const char *p = row4 + 1; *p != '\n'; p++) cells += *p == ',';
  cr_assert_eq(cells, 20);
  free(csv);

  char *text = file_read_or_fail(in_tmp("run.jsonl"), NULL);
  size_t records = 0, line_no = 0;
  for (char *line = text, *next; line && *line; line = next) {
    next = strchr(line, '\n');
    if (next) *next++ = 0;
    char err[128];
    json_t *j = json_parse_text(line, strlen(line), err, sizeof err);
    cr_assert_not_null(j, "line %zu: %s", line_no + 1, err);
    const char *type = json_get_string(j, "type");
    if (line_no++ == 0) {
      cr_assert_str_eq(type, "header");
      cr_assert_eq(json_get_number(j, "schema"), 1);
      cr_assert_str_eq(json_get_string(j, "model"), "mlp:32");
      cr_assert_str_eq(json_get_string(json_object_get(j, "opt"), "opt"), "cema");
      const json_t *tel = json_object_get(j, "telemetry"), *layers = json_object_get(j, "layers");
      cr_assert_eq(json_get_number(tel, "every"), 4);
      cr_assert_eq(json_array_size(json_object_get(tel, "percentiles")), 9);
      cr_assert_eq(json_array_size(layers), 2);
      const json_t *L0 = json_array_get(layers, 0);
      cr_assert_eq(json_get_number(L0, "out"), 32);
      cr_assert_eq(json_get_number(L0, "weights"),
                   json_get_number(L0, "in") * json_get_number(L0, "out"));
      cr_assert_eq(json_array_size(json_object_get(L0, "sample_index")), 64);
    } else {
      cr_assert_str_eq(type, "step");
      double step = json_get_number(j, "step");
      cr_assert(fmod(step, 4) == 0 || step == 25, "a record at step %g", step);
      const json_t *layers = json_object_get(j, "layers");
      cr_assert_eq(json_array_size(layers), 2);
      const json_t *L = json_array_get(layers, 1);
      cr_assert_eq(json_array_size(json_object_get(L, "pct")), 9);
      cr_assert_eq(json_array_size(json_object_get(L, "hist")), 64);
      cr_assert_eq(json_array_size(json_object_get(L, "age")), 18);
      cr_assert_eq(strlen(json_get_string(L, "sign")), 64);
      cr_assert_eq(json_array_size(json_object_get(L, "inertia")), 64);
      const char *keys[] = {"flips", "flip_ratio", "reversals", "never_flipped", "near_zero",
                            "abs_median", "stats_count", "hist_lo", "hist_hi"};
      for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
        cr_assert(!isnan(json_get_number(L, keys[k])), "step record lacks %s", keys[k]);
      records++;
    }
    json_decref(j);
  }
  cr_assert_eq(records, 7, "records at steps 4, 8, ..., 24 and 25");
  free(text);
}

/* ---------------------------------------------------------------- charts */

static int png_ok(const char *path) {
  unsigned char sig[8] = {0};
  FILE *f = fopen(path, "rb");
  if (!f) return 0;
  size_t got = fread(sig, 1, 8, f);
  fclose(f);
  static const unsigned char want[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  return got == 8 && memcmp(sig, want, 8) == 0;
}

static int svg_ok(const char *path) {
  char *text = file_read(path, NULL);
  int ok = text && strlen(text) > 200 && strstr(text, "<svg") && strstr(text, "</svg>");
  free(text);
  return ok;
}

static const char *const charts[] = {"loss",      "flips",     "fan_l0",    "fan_l1",
                                     "heat_l0",   "heat_l1",   "raster_l0", "raster_l1",
                                     "bode",      "dashboard"};
#define N_CHARTS (sizeof charts / sizeof *charts)

/* Every chart's PNG and SVG are valid, and (when rerun) its script runs with
 * no output at all from gnuplot. */
static void check_charts(const char *dir, int rerun) {
  char path[4200];
  for (size_t i = 0; i < N_CHARTS; i++) {
    snprintf(path, sizeof path, "%s/%s.png", dir, charts[i]);
    cr_assert(png_ok(path), "%s is not a PNG", path);
    snprintf(path, sizeof path, "%s/%s.svg", dir, charts[i]);
    cr_assert(svg_ok(path), "%s is not an SVG", path);
  }
  for (size_t i = 0; rerun && i < N_CHARTS; i++) {
    snprintf(path, sizeof path, "%s/%s.png", dir, charts[i]);
    unlink(path);
    char cmd[4400], out[] = "/tmp/flipscope-gp-XXXXXX";
    close(mkstemp(out));
    /* The directory name goes through the environment, never through a script. */
    setenv("FLIPSCOPE_TEST_DIR", dir, 1);
    snprintf(cmd, sizeof cmd, "cd \"$FLIPSCOPE_TEST_DIR\" && gnuplot %s.gp >%s 2>&1", charts[i], out);
    int status = system(cmd);
    char text[2048];
    slurp(out, text, sizeof text);
    unlink(out);
    cr_assert_eq(status, 0, "%s.gp: %s", charts[i], text);
    cr_assert_str_eq(text, "", "%s.gp printed: %s", charts[i], text);
    snprintf(path, sizeof path, "%s/%s.png", dir, charts[i]);
    cr_assert(png_ok(path), "%s.gp did not rebuild %s", charts[i], path);
  }
}

Test(telemetry, every_chart_renders_and_its_script_reruns, .timeout = 90) {
  char out[600];
  snprintf(out, sizeof out, "%s/charts", tmp);
  ProcResult r;
  run_flipscope_ok(&r, "--headless --data glyphs --model mlp:24 --steps 40 --batch 40 --threads 2 "
                   "--eval-every 10 --export %s", out);
  cr_assert(json_number(r.out, "test_acc") >= 0, "the summary still comes: %s", r.out);
  check_charts(out, 1);
  /* After the fact, from the logs the run left in DIR, with a parameter change
   * added to the JSONL log as the live view writes them. */
  char again[600], path[700];
  snprintf(path, sizeof path, "%s/log.jsonl", out);
  FILE *f = fopen(path, "a");
  cr_assert_not_null(f);
  fprintf(f, "{\"type\":\"param_change\",\"step\":20,\"param\":\"gamma\",\"old\":0.1,"
             "\"new\":0.01,\"text\":\"gamma 0.1 -> 0.01\"}\n");
  fclose(f);
  snprintf(again, sizeof again, "%s/again", tmp);
  run_flipscope_ok(&r, "export %s/log.csv %s", out, again);
  check_charts(again, 0);
  snprintf(path, sizeof path, "%s/loss.gp", again);
  char *gp = file_read(path, NULL);
  cr_assert(gp && strstr(gp, "set arrow from 20, graph 0") && strstr(gp, "'gamma 0.1->0.01'"),
            "the change is marked: %s", gp);
  free(gp);
  snprintf(path, sizeof path, "%s/bode.gp", again);
  gp = file_read(path, NULL);
  cr_assert(gp && strstr(gp, "end of run: cema alpha") && strstr(gp, "gamma 0.01"),
            "the filter after the change is drawn too: %s", gp);
  free(gp);
}

Test(telemetry, hostile_names_cannot_inject_gnuplot_commands, .timeout = 90) {
  /* Quotes, backslashes, a newline, semicolons, backquotes, $(...), system(), a macro. */
  const char *evil = "x' \"q\" \\ ;`touch PWN1`;$(touch PWN2)\nsystem(\"touch PWN3\") @m '";
  char out[600], log[700];
  snprintf(out, sizeof out, "%s/%s", tmp, evil);
  snprintf(log, sizeof log, "%s/%s.csv", tmp, evil);
  setenv("EVIL_OUT", out, 1);
  setenv("EVIL_LOG", log, 1);
  setenv("EVIL_TITLE", evil, 1);
  ProcResult r;
  run_flipscope("--headless --data glyphs --model mlp:16 --steps 20 --batch 40 --threads 2 "
                "--eval-every 10 --export \"$EVIL_OUT\" --log \"$EVIL_LOG\" --title \"$EVIL_TITLE\"",
                &r);
  cr_assert_eq(r.code, 0, "%s", r.err);
  check_charts(out, 1);
  /* After the fact: a hostile log path and a hostile output directory. */
  char out2[700];
  snprintf(out2, sizeof out2, "%s/2 %s", tmp, evil);
  setenv("EVIL_OUT2", out2, 1);
  run_flipscope("export --title \"$EVIL_TITLE\" \"$EVIL_LOG\" \"$EVIL_OUT2\"", &r);
  cr_assert_eq(r.code, 0, "%s", r.err);
  char path[800];
  snprintf(path, sizeof path, "%s/loss.png", out2);
  cr_assert(png_ok(path));
  /* Nothing was run: no PWN files anywhere near. */
  const char *places[] = {tmp, out, out2, "."};
  for (size_t p = 0; p < 4; p++)
    for (int k = 1; k <= 3; k++) {
      snprintf(path, sizeof path, "%s/PWN%d", places[p], k);
      cr_assert_neq(access(path, F_OK), 0, "%s exists: a command was injected", path);
    }
  /* The title reached the chart, quotes and all. */
  snprintf(path, sizeof path, "%s/dashboard.svg", out);
  char *svg = file_read(path, NULL);
  cr_assert(svg && strstr(svg, "touch PWN1"), "the title is drawn as text");
  free(svg);
}

Test(telemetry, without_gnuplot_data_and_scripts_are_written_with_a_warning, .timeout = 60) {
  setenv("FLIPSCOPE_GNUPLOT", "", 1);
  ProcResult r;
  run_flipscopef(&r, "--headless --data glyphs --model mlp:16 --steps 12 --batch 40 --threads 2 "
                 "--export %s", tmp);
  unsetenv("FLIPSCOPE_GNUPLOT");
  expect_ok(&r);
  cr_assert(strstr(r.err, "warning") && strstr(r.err, "gnuplot not found"), "%s", r.err);
  char path[600];
  const char *files[] = {"loss.gp", "loss.dat", "dashboard.gp", "bode.dat", "raster_l0.dat"};
  for (size_t i = 0; i < 5; i++) {
    snprintf(path, sizeof path, "%s/%s", tmp, files[i]);
    cr_assert_eq(access(path, R_OK), 0, "%s missing", path);
  }
  cr_assert_neq(access(in_tmp("loss.png"), F_OK), 0, "no images without gnuplot");
}

/* ---------------------------------------------------------------- sweeps */

static size_t count_lines_with(const char *text, const char *needle) {
  size_t n = 0;
  for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle)) n++;
  return n;
}

Test(telemetry, sweep_two_by_two_with_resume_emit_and_collect, .timeout = 120) {
  char args[2048], path[600];
  const char *grid = "--alpha 1e-4:1e-2:log:2 --gamma 0.01,0.1 --data glyphs --model mlp:16 "
                     "--steps 15 --batch 40";
  snprintf(args, sizeof args, "sweep --out %s/sw --jobs 2 %s", tmp, grid);
  ProcResult r;
  run_flipscope(args, &r);
  expect_ok(&r);
  char *csv = file_read_or_fail(in_tmp("sw/results.csv"), NULL);
  cr_assert(strncmp(csv, "id,alpha,gamma,status,test_acc,", 31) == 0, "%s", csv);
  cr_assert_eq(count_lines_with(csv, ",ok,"), 4, "%s", csv);
  cr_assert(strstr(csv, "alpha=0.0001_gamma=0.01,0.0001,0.01,ok,"), "%s", csv);
  free(csv);
  const char *images[] = {"acc_heatmap.png", "flips_heatmap.png"};
  for (int i = 0; i < 2; i++) {
    snprintf(path, sizeof path, "%s/sw/%s", tmp, images[i]);
    cr_assert(png_ok(path), "%s", path);
  }
  /* Resume: only the point whose result is gone runs again. */
  snprintf(path, sizeof path, "%s/sw/points/alpha=0.01_gamma=0.1.json", tmp);
  cr_assert_eq(unlink(path), 0);
  run_flipscope(args, &r);
  expect_ok(&r);
  cr_assert(strstr(r.err, "1/1 run, 0 failed, 3 skipped"), "%s", r.err);
  cr_assert_eq(access(path, R_OK), 0);
  /* --emit-jobs: one complete command per unfinished point, nothing run. */
  cr_assert_eq(unlink(path), 0);
  run_flipscope_ok(&r, "sweep --out %s/sw --emit-jobs %s", tmp, grid);
  cr_assert_eq(count_lines_with(r.out, "\n"), 1, "%s", r.out);
  cr_assert(strstr(r.out, "--headless") && strstr(r.out, "--alpha 0.01 --gamma 0.1") &&
                strstr(r.out, "--result"),
            "%s", r.out);
  cr_assert_neq(access(path, F_OK), 0, "--emit-jobs runs nothing");
  /* Run the emitted command as a job scheduler would, then collect. */
  cr_assert_eq(system(r.out), 0, "%s", r.out);
  run_flipscope_ok(&r, "sweep --collect %s/sw", tmp);
  cr_assert(strstr(r.err, "4 points, 4 finished"), "%s", r.err);
  csv = file_read_or_fail(in_tmp("sw/results.csv"), NULL);
  cr_assert_eq(count_lines_with(csv, ",ok,"), 4, "%s", csv);
  free(csv);
  /* A different fixed setting in the same directory is refused. */
  run_flipscopef(&r, "sweep --out %s/sw --alpha 1e-4:1e-2:log:2 --data glyphs --steps 3", tmp);
  cr_assert_eq(r.code, 2, "%s", r.err);
}

Test(telemetry, sweep_usage_errors) {
  expect_usage_error("sweep --data glyphs", "nothing to sweep");
  expect_usage_error("sweep --alpha 0:1:log:3", "--alpha");
  expect_usage_error("sweep --alpha 1e-3,1e-2 --log x.csv", "--log");
  expect_usage_error("sweep --frob 1,2", "--frob");
}

/* The trainer hands layers past the first their signs already packed by the
 * model; the counts must be those of packing them here. */
Test(telemetry, packed_blocks_count_like_unpacked_ones) {
  Rig plain, packed;
  rig_make(&plain, 4, TEL_HIST_LOG);
  rig_make(&packed, 4, TEL_HIST_LOG);
  packed.packed = 1;
  size_t total_reversals = 0;
  const int flips[][3] = {{0, 9, 17}, {9, 30, 31}, {0, 17, 30}, {5, 9, 31}, {0, 1, 2}};
  for (uint64_t step = 1; step <= 5; step++) {
    const TelemetrySnapshot *a = rig_step(&plain, step, flips[step - 1], 3);
    size_t a_reversals = a->layer[0].reversals;
    total_reversals += a_reversals;
    double a_never = a->layer[0].never_flipped;
    const TelemetrySnapshot *b = rig_step(&packed, step, flips[step - 1], 3);
    cr_assert_eq(b->layer[0].reversals, a_reversals, "step %llu", (unsigned long long)step);
    cr_assert_eq(b->layer[0].never_flipped, a_never, "step %llu", (unsigned long long)step);
  }
  cr_assert_gt(total_reversals, 0, "the scenario has reversals to count");
  rig_free(&plain);
  rig_free(&packed);
}

/* A convolution's sample is whole k x k tiles: every sampled (output channel
 * n, input channel c) holds all k^2 taps, as many tiles as fit in 256 weights
 * (or all of them), spread over the output channels; dense layers keep their
 * random draw. L1 3x3x3 (24 pairs: all), L2 3x3x8 (64 pairs, 28 tiles: more
 * than its 8 output channels), L3 5x5x8 (10 tiles), then a dense layer. */
Test(telemetry, a_convolution_samples_whole_kernel_tiles) {
  ModelSpec spec;
  char err[256];
  cr_assert_eq(model_text_parse("cnn:c8-c8-c6k5-f10", &spec, err, sizeof err), 0, "%s", err);
  Model m;
  ModelInput in = {.dim = 8 * 8 * 3, .height = 8, .width = 8, .channels = 3};
  cr_assert_eq(model_create(&m, &spec, &in, 10, 1, 5, err, sizeof err), 0, "%s", err);
  TelemetryConfig tc;
  telemetry_defaults(&tc);
  Telemetry *t = telemetry_create(&tc, &m, 5, err, sizeof err);
  cr_assert_not_null(t, "%s", err);
  size_t convs = 0;
  for (size_t l = 0; l < m.n_layers; l++) {
    const TelemetryLayer *L = &telemetry_last(t)->layer[l];
    for (unsigned i = 1; i < L->samples; i++)
      cr_assert_lt(L->sample_index[i - 1], L->sample_index[i]);
    if (!m.layer[l].conv) {
      cr_assert_eq(L->samples, L->weights < 256 ? L->weights : 256, "dense layer %zu", l);
      continue;
    }
    convs++;
    size_t k = m.layer[l].geom.kernel, C = m.layer[l].geom.in_ch, N = m.layer[l].out;
    size_t taps = k * k, want = 256 / taps < N * C ? 256 / taps : N * C;
    cr_assert_eq(L->samples, want * taps, "layer %zu: %u samples", l, L->samples);
    static unsigned count[64 * 64];
    memset(count, 0, sizeof count);
    size_t tiles = 0, channels = 0;
    for (unsigned i = 0; i < L->samples; i++) {
      size_t n = L->sample_index[i] / L->in, c = L->sample_index[i] % C;
      tiles += count[n * C + c]++ == 0;
    }
    for (size_t p = 0; p < N * C; p++)
      cr_assert(count[p] == 0 || count[p] == taps, "layer %zu: tile (%zu, %zu) has %u of %zu taps",
                l, p / C, p % C, count[p], taps);
    for (size_t n = 0; n < N; n++) {
      size_t has = 0;
      for (size_t c = 0; c < C; c++) has += count[n * C + c] > 0;
      channels += has > 0;
    }
    cr_assert_eq(tiles, want);
    cr_assert_eq(channels, want < N ? want : N, "layer %zu: the tiles cover %zu output channels", l,
                 channels);
  }
  cr_assert_eq(convs, 3);
  telemetry_free(t);
  model_free(&m);
}
