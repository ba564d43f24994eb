/* summary_cmd.h — `flipscope --model SPEC --summary`: each layer of the model
 * cfg describes, built on the --data set's samples, with its input and
 * output shapes, its 1-bit and 32-bit parameters, its memory and its
 * multiply-accumulates per sample (1-bit where input and weights are both
 * binary), then the totals and the model's size against float32, as
 * larq.models.summary prints them. Nothing is trained or written. */
#ifndef FLIPSCOPE_SUMMARY_CMD_H
#define FLIPSCOPE_SUMMARY_CMD_H

#include "app/cli/config.h"

/* Prints the table on stdout; returns the exit status (one line on stderr
 * for a data set that does not load or a model that does not fit it). */
int summary_command(const Config *cfg);

#endif
