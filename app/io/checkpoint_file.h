/* checkpoint_file.h — checkpoints on disk (the format is engine/checkpoint.h).
 *
 * Saving is atomic (app/io/atomic_file.h): a crash or kill at any moment leaves
 * either the old checkpoint or the new one, never a mixture, and a device
 * such as /dev/null is written to, never replaced. Messages start with the
 * file name.
 */
#ifndef FLIPSCOPE_CHECKPOINT_FILE_H
#define FLIPSCOPE_CHECKPOINT_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/checkpoint.h"

/* Writes t's checkpoint to path atomically. Returns 0, or -1 with a message. */
int ckpt_file_save(Trainer *t, const char *path, const CkptExtra *extra, char *err, size_t errlen);

/* A checkpoint file read into memory (not mapped: a file that shrinks while
 * it is read is then a truncated checkpoint, not a SIGBUS). */
typedef struct {
  const uint8_t *data;
  size_t len;
} CkptFile;

/* Reads path whole; refuses what is not a non-empty regular file. */
int ckpt_file_open(CkptFile *f, const char *path, char *err, size_t errlen);
void ckpt_file_close(CkptFile *f);

/* Checks the checkpoint at path (checkpoint_inspect) and returns a malloc'd,
 * NUL-terminated copy of its saved settings in *text. 0, or -1 with a message. */
int ckpt_file_settings(const char *path, char **text, char *err, size_t errlen);

#endif
