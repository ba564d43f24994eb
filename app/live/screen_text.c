/* screen_text.c — see screen_text.h. */
#include "app/live/screen_text.h"

#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/live/boundary.h"
#include "app/live/dash_feed.h"
#include "app/live/tui_filter.h"
#include "views/views.h"

void screen_default_ui(DashUi *ui, const DashSnapshot *s) {
  memset(ui, 0, sizeof *ui);
  ui->focus = PANE_COUNT; /* none */
  ui->opt = s->opt;
  dash_filter_compute(&s->opt, s->factor > 0 ? s->factor : 1, &ui->filter);
  ui->layer = s->n_layers > 1 ? 1 : 0;
}

int screen_write(const char *path, const DashSnapshot *s, const DashUi *ui, int w, int h,
                 int utf8, char *err, size_t errlen) {
  Canvas c;
  if (canvas_init(&c, w, h)) {
    snprintf(err, errlen, "--screen: out of memory");
    return -1;
  }
  dash_render(&c, s, ui);
  char *text = canvas_to_text(&c, utf8);
  canvas_free(&c);
  FILE *f = text ? fopen(path, "w") : NULL;
  int rc = 0;
  if (!f || fputs(text, f) == EOF || fclose(f) != 0) {
    snprintf(err, errlen, "--screen: cannot write %s: %s", path, text ? strerror(errno) : "out of memory");
    rc = -1;
  }
  free(text);
  return rc;
}

void screen_format(int *w, int *h, int *utf8) {
  *w = 100, *h = 30;
  const char *size = getenv("FLIPSCOPE_SCREEN_SIZE");
  int sw, sh;
  if (size && sscanf(size, "%dx%d", &sw, &sh) == 2 && sw > 0 && sh > 0 && sw <= 1000 && sh <= 1000)
    *w = sw, *h = sh;
  setlocale(LC_CTYPE, "");
  const char *cs = nl_langinfo(CODESET);
  *utf8 = cs && !strcmp(cs, "UTF-8");
}

struct ScreenRec {
  Session *s;
  char path[CONFIG_PATH_MAX];
  size_t stats_every;
  DashFeed feed;
  DashSnapshot snap;
};

ScreenRec *screen_open(Session *s, const Config *cfg, char *err, size_t errlen) {
  ScreenRec *r = calloc(1, sizeof *r);
  if (!r) {
    snprintf(err, errlen, "--screen: out of memory");
    return NULL;
  }
  r->s = s;
  snprintf(r->path, sizeof r->path, "%s", cfg->screen_path);
  FILE *probe = fopen(r->path, "w"); /* refuse an unwritable path before training */
  if (!probe) {
    snprintf(err, errlen, "--screen: cannot write %s: %s", r->path, strerror(errno));
    free(r);
    return NULL;
  }
  fclose(probe);
  size_t total = trainer_total_steps(s->trainer);
  r->stats_every = total > 500 ? total / 500 : 1;
  if (s->stats_on_request) telemetry_request_stats(trainer_telemetry(s->trainer));
  feed_reset(&r->feed, trainer_model(s->trainer));
  return r;
}

/* Sink.step: the feed takes the step; statistics for the next one when they
 * come on request (else at the logs' cadence). */
static int sink_step(void *self, const StepReport *rep, const TelemetrySnapshot *t, char *err,
                     size_t errlen) {
  ScreenRec *r = self;
  (void)err, (void)errlen;
  feed_step(&r->feed, rep, t);
  const TraceSnapshot *traced = trainer_trace(r->s->trainer); /* --trace-weights: the scope */
  if (traced && traced->step == rep->step) feed_scope_step(&r->feed, traced);
  if (r->s->stats_on_request && (rep->step + 1) % r->stats_every == 0)
    telemetry_request_stats(trainer_telemetry(r->s->trainer));
  return 0;
}

/* Sink.close: the final dashboard into the --screen file. */
static int sink_close(void *self, char *err, size_t errlen) {
  ScreenRec *r = self;
  DashSnapshot *d = &r->snap;
  feed_fill_run(d, r->s);
  feed_fill(&r->feed, d);
  boundary_compute(r->s->trainer, &r->s->data.train, &d->boundary);
  const PhaseTimes *pt = trainer_times(r->s->trainer);
  double busy = pt->data + pt->forward + pt->backward + pt->optimizer;
  d->samples_per_s = busy > 0 ? (double)d->step * (double)d->batch / busy : 0;
  d->state = d->step >= d->total_steps ? RUN_DONE : RUN_PAUSED;
  int w, h, utf8;
  screen_format(&w, &h, &utf8);
  DashUi ui;
  screen_default_ui(&ui, d);
  /* the traced weights' scope; else for 2-feature data the decision over the plane */
  ui.left = d->scope.n_pins ? LEFT_SCOPE : d->boundary.valid ? LEFT_BOUNDARY : LEFT_PANES;
  int rc = screen_write(r->path, d, &ui, w, h, utf8, err, errlen);
  free(r);
  return rc;
}

Sink screen_sink(ScreenRec *r) { return (Sink){.step = sink_step, .close = sink_close, .self = r}; }
