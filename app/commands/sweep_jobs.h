/* sweep_jobs.h — running a sweep's unfinished points: here, in up to --jobs
 * processes (fork/exec of this binary, stderr to points/ID.err), or printed
 * as one command line each for GNU parallel or a Slurm job array. */
#ifndef FLIPSCOPE_SWEEP_JOBS_H
#define FLIPSCOPE_SWEEP_JOBS_H

#include "app/commands/sweep_grid.h"

/* Runs (or, with s->emit, prints) every point of s without a result file,
 * with progress on stderr. Returns how many failed to run or exited non-zero,
 * or -1 when memory ran out. */
long sweep_jobs_run(const Sweep *s);

#endif
