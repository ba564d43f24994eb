/* checkpoint_cmd.c — `flipscope checkpoint FILE`: what a checkpoint holds. */
#include "app/commands/checkpoint_cmd.h"

#include <stdio.h>
#include <string.h>

#include "app/io/checkpoint_file.h"
#include "app/system/machine_facts.h"
#include "app/cli/config.h"
#include "app/run/outputs.h"

/* Prints s[0..n) as the inside of a JSON string. */
static void json_text(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') printf("\\%c", c);
    else if (c == '\n') printf("\\n");
    else if (c < 0x20 || c == 0x7f) printf("\\u%04x", c);
    else putchar(c);
  }
}

int checkpoint_command(int argc, char **argv) {
  if (argc != 1 || strncmp(argv[0], "--", 2) == 0) {
    fprintf(stderr, "flipscope: usage: flipscope checkpoint FILE\n");
    return EXIT_USAGE;
  }
  const char *path = argv[0];
  CkptFile f;
  char err[512], msg[400];
  if (ckpt_file_open(&f, path, err, sizeof err)) {
    fprintf(stderr, "flipscope: %s\n", err);
    return EXIT_RUNTIME;
  }
  CkptInfo in;
  if (checkpoint_inspect(f.data, f.len, &in, msg, sizeof msg)) {
    fprintf(stderr, "flipscope: %s: %s\n", path, msg);
    ckpt_file_close(&f);
    return EXIT_RUNTIME;
  }
  char model[160];
  checkpoint_model_name(&in, model, sizeof model);
  *strchr(model, ' ') = 0; /* the spec alone; inputs and classes get their own keys */
  printf("{\"file\":\"");
  json_text(path, strlen(path));
  printf("\",\"version\":%u,\"bytes\":%llu,\"step\":%llu,\"epoch\":%llu,\"model\":\"%s\","
         "\"inputs\":%zu,\"classes\":%zu,\"opt\":\"%s\",\"opt_steps\":%llu,"
         "\"train_samples\":%llu,\"data_fingerprint\":\"%08x\",\"batch\":%llu,\"seed\":%llu,"
         "\"settings\":\"",
         (unsigned)in.version, (unsigned long long)in.bytes, (unsigned long long)in.step,
         (unsigned long long)(in.steps_per_epoch ? in.step / in.steps_per_epoch : 0), model,
         in.input_dim, in.classes, optim_ops(in.opt.kind)->name, (unsigned long long)in.opt_steps,
         (unsigned long long)in.n_train, (unsigned)in.data_fingerprint, (unsigned long long)in.batch,
         (unsigned long long)in.seed);
  json_text(in.config, in.config_len);
  MachineFacts m = {0};
  machine_facts_decode(in.app, in.app_len, &m);
  printf("\"");
  if (in.real_first) printf(",\"real_first\":true");
  if (in.real_last) printf(",\"real_last\":true");
  if (m.simd[0]) printf(",\"simd\":\"%s\"", m.simd);
  if (m.blas[0]) printf(",\"blas_core\":\"%s\"", m.blas);
  if (m.bf16[0]) printf(",\"bf16_kernel\":\"%s\"", m.bf16);
  printf("}\n");
  ckpt_file_close(&f);
  return outputs_flush_stdout("the description") ? EXIT_RUNTIME : EXIT_OK;
}
