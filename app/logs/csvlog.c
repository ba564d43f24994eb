/* csvlog.c — writing the per-step CSV log. */
#include "app/logs/csvlog.h"

#include <errno.h>
#include <math.h>
#include <string.h>

void csvlog_init(CsvLog *log, FILE *f, const Model *m, int telemetry) {
  log->f = f;
  log->layers = m->n_layers;
  for (size_t l = 0; l < m->n_layers; l++) log->layer_weights[l] = m->layer[l].in * m->layer[l].out;
  log->telemetry = telemetry;
}

void csvlog_header(const CsvLog *log, FILE *out) {
  fputs("step,epoch,rate,loss,train_acc,test_acc,flips,flip_ratio", out);
  for (size_t l = 0; l < log->layers; l++) fprintf(out, ",flips_l%zu,flip_ratio_l%zu", l, l);
  for (size_t l = 0; log->telemetry && l < log->layers; l++)
    fprintf(out, ",reversals_l%zu,never_flipped_l%zu,near_zero_l%zu,inertia_abs_median_l%zu", l,
            l, l, l);
}

void csvlog_row(CsvLog *log, const StepReport *r, const TelemetrySnapshot *tel) {
  fprintf(log->f, "%llu,%zu,%.6g,%.6f,%.4f,", (unsigned long long)r->step, r->epoch, r->rate,
          r->loss, r->train_acc);
  if (!isnan(r->test_acc)) fprintf(log->f, "%.4f", r->test_acc);
  fprintf(log->f, ",%zu,%.6g", r->flips, r->flip_ratio);
  for (size_t l = 0; l < log->layers; l++)
    fprintf(log->f, ",%zu,%.6g", r->layer_flips[l],
            (double)r->layer_flips[l] / (double)log->layer_weights[l]);
  for (size_t l = 0; log->telemetry && l < log->layers; l++) {
    if (!tel || tel->step != r->step || l >= tel->layers) {
      fputs(",,,,", log->f);
      continue;
    }
    const TelemetryLayer *L = &tel->layer[l];
    fprintf(log->f, ",%zu,%.6g,", L->reversals, L->never_flipped);
    if (tel->stats_fresh && L->stats_count)
      fprintf(log->f, "%.6g,%.6g", L->near_zero, (double)L->abs_median);
    else
      fputc(',', log->f);
  }
  fputc('\n', log->f);
}

int csvlog_close(CsvLog *log, const char *path, char *err, size_t errlen) {
  if (!log->f) return 0;
  int bad = ferror(log->f);
  bad |= fclose(log->f) != 0;
  log->f = NULL;
  if (bad) {
    snprintf(err, errlen, "--log: writing %s failed: %s", path, strerror(errno));
    return -1;
  }
  return 0;
}
