/* outputs.h — the files a run reads and writes, checked before anything is
 * written: each output (--log, --log-jsonl, --save, --result, --screen and
 * the files --export DIR writes) can be written, and none is the same file as
 * an input (--data csv:FILE, the files of --data idx:DIR or cifar10:DIR,
 * --config, --load) or as another output. Also the end of a command's output on stdout. */
#ifndef FLIPSCOPE_OUTPUTS_H
#define FLIPSCOPE_OUTPUTS_H

#include <stddef.h>

#include "app/cli/config.h"

/* Refuses an output that is a directory or a socket, a --save or --result
 * file whose directory cannot be written, and two flags that name one file:
 * the same device and inode when it exists (hard and symbolic links count),
 * the same normalised path when it does not. --save may name the --load file
 * (a resume in place: the save is atomic). Returns EXIT_OK, or EXIT_USAGE
 * (one file, two flags) or EXIT_RUNTIME with one line in err. */
int outputs_check(const Config *cfg, char *err, size_t errlen);

/* Flushes stdout. When writing to it failed (a full disk), says so on stderr
 * naming `what` ("the summary") and returns -1; else 0. */
int outputs_flush_stdout(const char *what);

#endif
