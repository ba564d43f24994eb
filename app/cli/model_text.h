/* model_text.h — the --model text, "mlp:H1xH2..." (model_spec_format in
 * engine/model.h writes it). */
#ifndef FLIPSCOPE_MODEL_TEXT_H
#define FLIPSCOPE_MODEL_TEXT_H

#include <stddef.h>

#include "engine/model.h"

/* Parses "mlp:H1xH2x..." (e.g. "mlp:1024x1024"; "mlp:" alone is a linear
 * binary model): at most MODEL_MAX_LAYERS - 1 hidden layers of 1 to
 * MODEL_MAX_WIDTH units. Returns 0, or -1 with a message naming --model. */
int model_text_parse(const char *text, ModelSpec *out, char *err, size_t errlen);

#endif
