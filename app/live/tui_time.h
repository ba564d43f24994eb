/* tui_time.h — the live run's time as the keys change it: its pace (< and
 * >) and its length (a row of the filter pane, +/- and Enter). */
#ifndef FLIPSCOPE_TUI_TIME_H
#define FLIPSCOPE_TUI_TIME_H

#include <stddef.h>
#include <stdint.h>

/* The pace one notch slower (dir < 0) or faster (dir > 0) on the ladder
 * "as fast as it goes" (0), 50, 20, 10, 5, 2, 1, 0.5, 0.25 steps/s; a pace
 * between notches (--pace) goes to the next one that way. At either end
 * the pace is returned unchanged. */
double time_pace_step(double pace, int dir);
/* The length after '+' (dir > 0) or '-': times or over 10^(1/4) in whole
 * steps, at least one step longer or shorter and never below 1. A run
 * with no length (0) gets one on '-', the end of the epoch it is in
 * (step steps done of steps_per_epoch each); '+' leaves it without. */
size_t time_length_nudge(size_t length, uint64_t step, size_t steps_per_epoch, int dir);

#endif
