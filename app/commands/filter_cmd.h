/* filter_cmd.h — the `flipscope filter` subcommand. */
#ifndef FLIPSCOPE_FILTER_CMD_H
#define FLIPSCOPE_FILTER_CMD_H

/* `flipscope filter [optimizer flags] [--response N]`: prints the filter
 * equivalent to an optimizer setting as one JSON object on stdout (argv holds
 * the arguments after "filter"). Returns the exit code: 0, or 2 after one
 * line on stderr for a usage error. */
int filter_command(int argc, char **argv);

#endif
