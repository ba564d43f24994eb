/* tui_screen.c — see tui_screen.h. */
#include "app/live/screen_text.h"

#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/live/dash_feed.h"
#include "app/live/tui_filter.h"
#include "views/views.h"

void dash_default_ui(DashUi *ui, const DashSnapshot *s) {
  memset(ui, 0, sizeof *ui);
  ui->focus = PANE_COUNT; /* none */
  ui->opt = s->opt;
  dash_filter_compute(&s->opt, s->factor > 0 ? s->factor : 1, &ui->filter);
  ui->layer = s->n_layers > 1 ? 1 : 0;
}

int dash_write_screen(const char *path, const DashSnapshot *s, const DashUi *ui, int w, int h,
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

void dash_screen_format(int *w, int *h, int *utf8) {
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
  int own_telemetry;  /* 1: enabled here, so statistics are ours to request */
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
  if (!trainer_telemetry(s->trainer)) {
    TelemetryConfig tc;
    dash_telemetry_config(cfg, &tc);
    if (trainer_enable_telemetry(s->trainer, &tc, err, errlen)) {
      free(r);
      return NULL;
    }
    r->own_telemetry = 1;
    telemetry_request_stats(trainer_telemetry(s->trainer));
  }
  dashfeed_reset(&r->feed, trainer_model(s->trainer));
  return r;
}

void screen_step(ScreenRec *r, const StepReport *rep) {
  Telemetry *tel = trainer_telemetry(r->s->trainer);
  dashfeed_step(&r->feed, rep, tel ? telemetry_last(tel) : NULL);
  /* statistics for the next step, if the telemetry is ours (else the logs' cadence) */
  if (tel && r->own_telemetry && (rep->step + 1) % r->stats_every == 0) telemetry_request_stats(tel);
}

int screen_close(ScreenRec *r, char *err, size_t errlen) {
  DashSnapshot *d = &r->snap;
  dash_fill_run(d, r->s);
  dashfeed_fill(&r->feed, d);
  const PhaseTimes *pt = trainer_times(r->s->trainer);
  double busy = pt->data + pt->forward + pt->backward + pt->optimizer;
  d->samples_per_s = busy > 0 ? (double)d->step * (double)d->batch / busy : 0;
  d->state = d->step >= d->total_steps ? RUN_DONE : RUN_PAUSED;
  int w, h, utf8;
  dash_screen_format(&w, &h, &utf8);
  DashUi ui;
  dash_default_ui(&ui, d);
  int rc = dash_write_screen(r->path, d, &ui, w, h, utf8, err, errlen);
  free(r);
  return rc;
}
