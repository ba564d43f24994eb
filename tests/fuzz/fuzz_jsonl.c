/* fuzz_jsonl.c — libFuzzer target for the JSONL log reader
 * (log_read_jsonl_text): the input is the log. A refusal must be one line
 * naming the log; a log read must give counts within the reader's bounds. */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "app/logs/log_read.h"
#include "engine/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  LogRun got;
  char err[1024] = "";
  if (log_read_jsonl_text((const char *)data, size, "fuzz.jsonl", &got, err, sizeof err)) {
    assert(err[0] && !strchr(err, '\n'));
    assert(!strncmp(err, "fuzz.jsonl", 10) || strstr(err, "out of memory"));
  } else {
    assert(got.layers <= MODEL_MAX_LAYERS && got.nrec <= LOG_READ_MAX_RECORDS + 2 &&
           got.n <= size);
  }
  log_run_free(&got);
  return 0;
}
