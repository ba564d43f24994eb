/* input_file.h — opening and reading the files a user names as input (data
 * sets, config files, checkpoints, logs).
 *
 * Only regular files are read, and that is checked before anything can block:
 * a FIFO, a device, a socket or a directory is refused at once with one line
 * naming the file and what it is. Whole-file reads are bounded, whatever the
 * file does while it is read (grow, shrink, never end).
 */
#ifndef FLIPSCOPE_INPUT_FILE_H
#define FLIPSCOPE_INPUT_FILE_H

#include <stddef.h>
#include <sys/stat.h>

/* Opens path for reading if it is a regular file (without blocking on a FIFO
 * or a device), and fills *st. Returns a blocking close-on-exec descriptor, or
 * -1 with "PATH: reason" in err. */
int input_open(const char *path, struct stat *st, char *err, size_t errlen);

/* Reads the whole regular file path into *text (malloc'd, NUL-terminated,
 * *len bytes before the NUL). A file of more than max bytes, at the start or
 * at any moment of the read, is refused with "PATH: larger than N". Returns 0,
 * or -1 with "PATH: reason" in err and *text NULL. */
int input_read(const char *path, size_t max, char **text, size_t *len, char *err, size_t errlen);

#endif
