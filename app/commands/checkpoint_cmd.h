/* checkpoint_cmd.h — the `flipscope checkpoint FILE` subcommand. */
#ifndef FLIPSCOPE_CHECKPOINT_CMD_H
#define FLIPSCOPE_CHECKPOINT_CMD_H

/* `flipscope checkpoint FILE`: checks the checkpoint (magic, version, CRC,
 * every section) and prints what it holds as one JSON object on stdout:
 * {"file":..., "version":1, "bytes":..., "step":..., "epoch":..., "model":"mlp:...",
 *  "inputs":..., "classes":..., "opt":"cema", "opt_steps":..., "train_samples":...,
 *  "batch":..., "seed":..., "settings":"key = value\n..."}.
 * Returns 0; 1 after one line on stderr when the file is missing or broken;
 * 2 for a usage error. */
int checkpoint_command(int argc, char **argv);

#endif
