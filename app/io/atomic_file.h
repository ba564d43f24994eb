/* atomic_file.h — writing an output file without destroying anything.
 *
 * A regular file, or a name that does not exist yet, is written atomically:
 * the bytes go to a new temporary file beside it, NAME.tmp-XXXXXX (unique to
 * this write, so concurrent writers never share one), which is flushed,
 * fsync'd and renamed over NAME, and then the directory is fsync'd; a crash
 * or kill at any moment leaves the old file or the new one, never a mixture,
 * and a failed write leaves no temporary file behind. The old file's
 * permissions are kept; a new one gets 0644. Through a symbolic link the file
 * it names is replaced and the link stays. Anything else that opens for
 * writing (a character device such as /dev/null, a FIFO) is written to
 * directly and never replaced. Every write holds a lock on its temporary
 * file, and removes the unlocked ones of NAME (left by writers killed in the
 * middle). Messages start with the file name.
 */
#ifndef FLIPSCOPE_ATOMIC_FILE_H
#define FLIPSCOPE_ATOMIC_FILE_H

#include <stddef.h>
#include <stdio.h>

/* Writes the file's bytes to f. Returns 0, or -1 with a message in msg (or
 * msg left empty when a write to f failed: errno says why). */
typedef int (*AtomicFill)(FILE *f, void *ctx, char *msg, size_t msglen);

/* Writes path from fill as above; `what` names the contents in messages
 * ("the checkpoint"). Returns 0, or -1 with "PATH: writing WHAT failed: WHY". */
int atomic_file_write(const char *path, const char *what, AtomicFill fill, void *ctx, char *err,
                      size_t errlen);

#endif
