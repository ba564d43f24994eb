/* make_dirs.h — creating a directory and its missing parents (mkdir -p), for
 * the --export and sweep output directories. */
#ifndef FLIPSCOPE_MAKE_DIRS_H
#define FLIPSCOPE_MAKE_DIRS_H

/* Creates dir and its missing parents. Returns 0 (also when dir exists), or
 * -1 with errno (ENOTDIR when dir exists and is not a directory). */
int make_dirs(const char *dir);

#endif
