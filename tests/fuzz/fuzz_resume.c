/* fuzz_resume.c — libFuzzer target for what a resume reads back: the
 * checkpoint's running figures (run_figures_decode) and the continuation of
 * a log (log_continue) at a mark the input chooses. The first byte picks the
 * format and the checkpoint's step, the next two the mark's length, the rest
 * is the log on disk (and also the figures' text). A refusal must be one line
 * naming the flag and leave the file as it was; a continued log must hold this
 * run's header and then the old records up to the mark, unchanged. */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/logs/resume.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *read_whole(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  assert(f);
  char *buf = NULL;
  size_t cap = 0;
  FILE *ms = open_memstream(&buf, &cap);
  int c;
  while ((c = fgetc(f)) != EOF) fputc(c, ms);
  fclose(f);
  fclose(ms);
  *len = cap;
  return buf;
}

static void check_figures(const uint8_t *data, size_t size) {
  RunFigures a = {0};
  if (run_figures_decode(data, size, &a)) return;
  char buf[20000];
  size_t n = run_figures_encode(&a, buf, sizeof buf);
  assert(n < sizeof buf);
  RunFigures b = {0};
  assert(run_figures_decode(buf, n, &b) == 0);
  assert(a.flips_total == b.flips_total && a.csv.bytes == b.csv.bytes &&
         !strcmp(a.csv.path, b.csv.path) && !strcmp(a.jsonl.path, b.jsonl.path));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  check_figures(data, size);
  if (size < 3) return 0;
  static char path[64];
  if (!path[0]) snprintf(path, sizeof path, "/tmp/fuzz-resume-%d.log", (int)getpid());
  const LogFormat format = data[0] & 1 ? LOG_JSONL : LOG_CSV;
  const uint64_t step = data[0] >> 1;
  const char *header = format == LOG_CSV ? "step,loss" : "{\"type\":\"header\",\"layers\":[]}";
  const uint8_t *log = data + 3;
  const size_t log_len = size - 3;
  FILE *f = fopen(path, "wb");
  assert(f && fwrite(log, 1, log_len, f) == log_len);
  fclose(f);
  LogMark m = {.bytes = (unsigned long long)(data[1] | data[2] << 8)};
  assert(realpath(path, m.path));
  if (m.bytes > log_len + 8) m.bytes = log_len + 8; /* sometimes longer than the file */
  char err[2048] = "";
  FILE *out = NULL;
  if (log_continue(path, format, "--log", &m, step, header, &out, err, sizeof err)) {
    assert(!out && !strncmp(err, "--log ", 6) && !strchr(err, '\n'));
    size_t now_len;
    char *now = read_whole(path, &now_len);
    assert(now_len == log_len && !memcmp(now, log, log_len)); /* untouched */
    free(now);
  } else {
    assert(out);
    fclose(out);
    size_t now_len;
    char *now = read_whole(path, &now_len);
    const uint8_t *nl = memchr(log, '\n', log_len);
    size_t old_header = nl ? (size_t)(nl - log) + 1 : 0, hl = strlen(header);
    assert(nl && m.bytes <= log_len && now_len == hl + 1 + (m.bytes - old_header));
    assert(!memcmp(now, header, hl) && now[hl] == '\n');
    assert(!memcmp(now + hl + 1, log + old_header, m.bytes - old_header));
    free(now);
  }
  unlink(path);
  return 0;
}
