/* presets.c — the guided experiments (data, model, optimizer, text). Each runs
 * on the built-in glyphs so it needs no download and trains at hundreds of
 * steps a second, for minutes (the decay preset spreads its decay over about
 * a minute on two cores); the numbers are docs/science.md's. */
#include "app/cli/presets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SMALL "--data glyphs --model mlp:256x256 --batch 100 "

static const Preset presets[] = {
    {"wd-filter", "weight decay is a filter: SGD + wd beside its equivalent CEMA",
     SMALL "--opt sgd --lr 0.1 --wd 0.01 --init-scale 0.001 --schedule const --epochs 1000",
     "Latent-weight SGD with weight decay is exactly an exponential moving average of the "
     "gradient: w <- w - lr (g + wd w) is the EMA m <- (1 - alpha) m + alpha g with "
     "alpha = lr x wd = 0.001 and m = -wd w. The filter pane says so: '= cema alpha 0.001 "
     "gamma 1'. The latent weight's size means nothing of its own; only the product lr x wd "
     "decides the flips. Press p to pin this run, then o and choose cema: the switch is "
     "exact, the binary weights carry on flipping exactly as before and the curves go on "
     "without a kink. Then press + on alpha: a higher cut-off, more flips, a noisier run."},
    {"lr-decay", "learning-rate decay freezes flips",
     SMALL "--opt cema --alpha 0.01 --gamma 0.1 --schedule linear --schedule-unit step "
           "--epochs 500",
     "CEMA's alpha (the learning rate in filter form) decays linearly to zero over this run. "
     "Watch the filter pane: the cut-off slides to lower frequencies and the predicted "
     "white-noise flip rate falls like sqrt(alpha gamma); the flips pane falls with it "
     "until the weights freeze. A binary weight has no step size, so a learning-rate decay "
     "cannot make its steps smaller: it lengthens the filter's memory, and a longer memory "
     "flips less. Press + on alpha late in the run to thaw the weights, - to freeze them early."},
    {"bop-threshold", "Bop's threshold: a dead band in amplitude",
     SMALL "--opt bop --gamma 0.001 --tau 1e-6 --schedule const --epochs 1000",
     "Bop keeps an EMA m of the gradient and flips a weight when m pushes against its sign "
     "by more than tau. tau is a dead band in amplitude: raise it with + and flips stop once "
     "tau passes the typical |m| (the inertia pane shows |m|'s distribution on a log scale); "
     "lower it and the noise flips come back. With tau = 0 Bop is exactly CEMA with "
     "alpha = 1: set tau to 0 (Enter, 0), press o and choose cema, and the switch says "
     "exact. CEMA gets the same calm from inertia in time (a low alpha) instead of a "
     "threshold."},
    {"momentum-pole", "momentum as a second pole",
     SMALL "--opt sgd --lr 0.1 --wd 5e-4 --momentum 0.9 --schedule const --epochs 1000",
     "PyTorch-style SGD with momentum 0.9 and weight decay 5e-4 is a second-order filter "
     "with two poles, 1 - alpha and 1 - gamma, where alpha x gamma = lr x wd and "
     "(1 - alpha)(1 - gamma) = momentum: here alpha = 5.02e-4 and gamma = 0.0995, not the "
     "naive lr x wd and 1 - momentum. Above the cut-off its response falls at -40 dB per "
     "decade. Select wd and press + a few times: once lr x wd passes (1 - sqrt 0.9)^2 = "
     "0.0026 the poles turn complex, the filter rings, and no pair of EMAs represents it. "
     "Lower momentum to move the second pole."},
};

#define N_PRESETS (sizeof presets / sizeof *presets)

size_t preset_count(void) { return N_PRESETS; }
const Preset *preset_at(size_t i) { return i < N_PRESETS ? &presets[i] : NULL; }

const Preset *preset_find(const char *name) {
  for (size_t i = 0; i < N_PRESETS; i++)
    if (!strcmp(presets[i].name, name)) return &presets[i];
  return NULL;
}

void preset_names(char *buf, size_t len) {
  size_t used = 0;
  buf[0] = 0;
  for (size_t i = 0; i < N_PRESETS && used < len; i++)
    used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "", presets[i].name);
}

int preset_config(const Preset *p, int argc, char **argv, Config *cfg, char *err, size_t errlen) {
  char *text = strdup(p->args);
  char **args = calloc((size_t)argc + 64, sizeof *args);
  int rc = -1;
  if (!text || !args) {
    snprintf(err, errlen, "out of memory");
    goto done;
  }
  int n = 0;
  for (char *tok = strtok(text, " "); tok && n < 64; tok = strtok(NULL, " ")) args[n++] = tok;
  for (int i = 0; i < argc; i++) args[n++] = argv[i];
  rc = config_parse(n, args, cfg, err, errlen);
  if (rc == 0) snprintf(cfg->preset, sizeof cfg->preset, "%s", p->name);
done:
  free(text);
  free(args);
  return rc;
}
