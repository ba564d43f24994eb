/* view_header.c — two rows: what runs (optimizer and its settings first, then
 * data, model, schedule) and how it goes (state, step, epoch, speed, metrics). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "views/views.h"

static const char *state_name(RunState st) {
  switch (st) {
  case RUN_RUNNING: return "running";
  case RUN_PAUSED: return "paused";
  case RUN_DIVERGED: return "diverged";
  case RUN_DONE: return "done";
  }
  return "?";
}

static Style state_style(RunState st) {
  return st == RUN_RUNNING ? ST_OK : st == RUN_DIVERGED ? ST_ERR : st == RUN_DONE ? ST_TITLE : ST_WARN;
}

/* Writes a "label value" pair if the whole of it fits before end (else
 * nothing, so a later, shorter pair may still fit); returns the next column. */
static int pair(Canvas *c, int x, int y, int end, const char *label, const char *value, Style vs) {
  int need = (label && *label ? (int)strlen(label) + 1 : 0) + (int)strlen(value);
  if (x + need > end) return x;
  if (label && *label) x += canvas_text(c, x, y, label, ST_DIM, end - x) + 1;
  x += canvas_text(c, x, y, value, vs, end - x);
  return x + 2;
}

void view_header(Canvas *c, Rect r, const DashSnapshot *s, const DashUi *ui) {
  int end = r.x + r.w - 1, y = r.y, x = r.x + 1;
  char buf[256], num[32];
  /* row 1: flipscope  cema alpha 0.001 gamma 0.1  [bf16]  schedule linear  data glyphs  model ... */
  x = pair(c, x, y, end, NULL, "flipscope", ST_TITLE);
  const OptConfig *opt = ui ? &ui->opt : &s->opt;
  x = pair(c, x, y, end, NULL, dash_opt_name(opt->kind), ST_VALUE) - 1;
  dash_opt_summary(opt, buf, sizeof buf);
  int room = end - x;
  if ((int)strlen(buf) > room) buf[room > 0 ? room : 0] = 0; /* the settings always show */
  x = pair(c, x, y, end, NULL, buf, ui && ui->pending ? ST_WARN : ST_TEXT);
  if (ui && ui->pending) x = pair(c, x - 1, y, end, NULL, "(next step)", ST_WARN);
  if (s->bf16) x = pair(c, x, y, end, NULL, "bf16", ST_TEXT); /* fp32 goes unsaid */
  dash_schedule_name(&s->schedule, buf, sizeof buf);
  x = pair(c, x, y, end, "schedule", buf, ST_TEXT);
  x = pair(c, x, y, end, "data", s->data, ST_TEXT);
  x = pair(c, x, y, end, "model", s->model, ST_TEXT);
  snprintf(buf, sizeof buf, "%zu", s->batch);
  x = pair(c, x, y, end, "batch", buf, ST_TEXT);

  /* row 2: running  step 123/3600  epoch 1/3  5.1k samples/s  loss ...  */
  y = r.y + 1;
  x = r.x + 1;
  if (ui && ui->state_pending)
    snprintf(buf, sizeof buf, " %s ", s->state == RUN_RUNNING ? "pausing" : "resuming");
  else
    snprintf(buf, sizeof buf, " %s ", state_name(s->state));
  x = pair(c, x, y, end, NULL, buf, ui && ui->state_pending ? ST_WARN : state_style(s->state));
  /* a run with no length (total 0) shows its steps and epochs alone */
  int n = snprintf(buf, sizeof buf, "%llu", (unsigned long long)s->step);
  if (s->total_steps) snprintf(buf + n, sizeof buf - (size_t)n, "/%zu", s->total_steps);
  x = pair(c, x, y, end, "step", buf, ST_VALUE);
  n = snprintf(buf, sizeof buf, "%zu", s->epoch + (s->step > 0));
  if (s->epochs) snprintf(buf + n, sizeof buf - (size_t)n, "/%zu", s->epochs);
  x = pair(c, x, y, end, "epoch", buf, ST_TEXT);
  fmt_pace(num, sizeof num, s->pace);
  x = pair(c, x, y, end, "pace", num, s->pace > 0 ? ST_WARN : ST_TEXT);
  /* the measured rate: steps/s at a pace (a few a second), samples/s otherwise */
  fmt_count(num, sizeof num, s->pace > 0 ? s->steps_per_s : s->samples_per_s);
  snprintf(buf, sizeof buf, "%s %s/s", num, s->pace > 0 ? "steps" : "samples");
  x = pair(c, x, y, end, NULL, buf, ST_TEXT);
  fmt_num(num, sizeof num, s->loss);
  x = pair(c, x, y, end, "loss", s->step ? num : "-", ST_LOSS);
  snprintf(num, sizeof num, "%.1f%%", 100 * s->train_acc);
  x = pair(c, x, y, end, "train", s->step ? num : "-", ST_TRAIN);
  snprintf(num, sizeof num, "%.1f%%", 100 * s->test_acc);
  x = pair(c, x, y, end, "test", isnan(s->test_acc) ? "-" : num, ST_TEST);
  fmt_num(num, sizeof num, s->rate);
  x = pair(c, x, y, end, "rate", s->step ? num : "-", ST_DIM);
  (void)x;
}
