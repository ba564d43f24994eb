/* tui_time.c — see tui_time.h. */
#include "app/live/tui_time.h"

#include <math.h>

static const double paces[] = {0, 50, 20, 10, 5, 2, 1, 0.5, 0.25}; /* fastest first */
#define N_PACES (sizeof paces / sizeof *paces)

/* How fast a pace is, comparable: as fast as it goes beats every number. */
static double speed(double pace) { return pace > 0 ? pace : INFINITY; }

double time_pace_step(double pace, int dir) {
  if (dir < 0) {
    for (size_t i = 0; i < N_PACES; i++)
      if (speed(paces[i]) < speed(pace)) return paces[i];
  } else {
    for (size_t i = N_PACES; i-- > 0;)
      if (speed(paces[i]) > speed(pace)) return paces[i];
  }
  return pace;
}

size_t time_length_nudge(size_t length, uint64_t step, size_t steps_per_epoch, int dir) {
  size_t spe = steps_per_epoch ? steps_per_epoch : 1;
  if (length == 0) return dir > 0 ? 0 : (size_t)(step / spe + 1) * spe;
  double scaled = round((double)length * pow(10, dir > 0 ? 0.25 : -0.25));
  if (dir > 0) return scaled > (double)length ? (size_t)scaled : length + 1;
  if (length <= 1) return 1;
  return scaled < (double)length && scaled >= 1 ? (size_t)scaled : length - 1;
}
