/* fuzz_config.c — libFuzzer target for the command line and --config parser.
 *
 * Input: the --config file's text up to the first NUL byte, then up to 32
 * NUL-separated command-line arguments. A parse that succeeds must survive a
 * round trip through the settings a checkpoint saves: formatting them,
 * parsing them back as a --config file and formatting again gives the same
 * text. Every error is one line. */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "app/cli/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ARGS 32

/* A file holding len bytes, as a /proc/self/fd path in path; returns its fd. */
static int memfile(const void *bytes, size_t len, char *path, size_t path_len) {
  int fd = memfd_create("fuzz.cfg", 0);
  assert(fd >= 0);
  assert(write(fd, bytes, len) == (ssize_t)len);
  snprintf(path, path_len, "/proc/self/fd/%d", fd);
  return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const uint8_t *nul = memchr(data, 0, size);
  size_t text_len = nul ? (size_t)(nul - data) : size;
  char path[64];
  int fd = memfile(data, text_len, path, sizeof path);

  char *copy = malloc(size + 1); /* the arguments, NUL-terminated */
  memcpy(copy, data, size);
  copy[size] = 0;
  char *argv[2 + MAX_ARGS];
  int argc = 0;
  argv[argc++] = "--config";
  argv[argc++] = path;
  for (char *p = nul ? copy + text_len + 1 : NULL; p && p < copy + size && argc < 2 + MAX_ARGS;
       p += strlen(p) + 1)
    argv[argc++] = p;

  static Config cfg, again;
  char err[512] = "";
  int rc = config_parse(argc, argv, &cfg, err, sizeof err);
  assert(rc == 0 || rc == -1 || rc == -2);
  if (rc) {
    assert(err[0] && !strchr(err, '\n'));
  } else {
    size_t need = config_format_saved(&cfg, NULL, NULL, 0);
    char *saved = malloc(need + 1);
    config_format_saved(&cfg, NULL, saved, need + 1);
    char path2[64];
    int fd2 = memfile(saved, need, path2, sizeof path2);
    char *argv2[] = {"--config", path2};
    rc = config_parse(2, argv2, &again, err, sizeof err);
    if (rc) {
      fprintf(stderr, "saved settings do not parse back: %s\n---\n%s---\n", err, saved);
      abort();
    }
    char *saved2 = malloc(need + 1);
    size_t need2 = config_format_saved(&again, NULL, saved2, need + 1);
    if (need2 != need || memcmp(saved, saved2, need) != 0) {
      fprintf(stderr, "round trip changed the settings:\n%s---\n%.*s---\n", saved, (int)need, saved2);
      abort();
    }
    free(saved2);
    free(saved);
    close(fd2);
  }
  free(copy);
  close(fd);
  return 0;
}
