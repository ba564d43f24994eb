/* sweep.h — `flipscope sweep`: a grid or list of headless runs (docs/sweeps.md). */
#ifndef FLIPSCOPE_SWEEP_H
#define FLIPSCOPE_SWEEP_H

/* `flipscope sweep [--out DIR] [--jobs N] [--emit-jobs] [--collect DIR]
 * [--AXIS lo:hi:log|lin:n | --AXIS v1,v2,...]... [fixed flipscope options]`.
 * argv holds the arguments after "sweep". Returns the exit code. */
int sweep_command(int argc, char **argv);

#endif
