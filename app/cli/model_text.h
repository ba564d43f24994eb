/* model_text.h — the --model text (model_spec_format in engine/model.h
 * writes it):
 *
 *   mlp:H1xH2...   dense hidden layers of H1, H2, ... units;
 *   cnn:L1-L2-...  layers of an image model, each one of
 *     cN    a 3x3 binary convolution to N channels, stride 1, 'same' padding,
 *           with options in any order: kK (K x K kernel), sS (stride S),
 *           v ('valid' padding), r (Bi-Real's real shortcut);
 *     p, a  2x2 max / average pooling of the convolution before it;
 *     g     global average pooling of the convolution before it;
 *     fN    a binary dense layer of N units (no convolution after it).
 * Both end with the classifier, a dense layer to the classes. */
#ifndef FLIPSCOPE_MODEL_TEXT_H
#define FLIPSCOPE_MODEL_TEXT_H

#include <stddef.h>

#include "engine/model.h"

/* Parses either (e.g. "mlp:1024x1024"; "mlp:" alone is a linear binary
 * model; "cnn:c32-p-c64-p-f256"): at most MODEL_MAX_LAYERS - 1 hidden layers
 * of 1 to MODEL_MAX_WIDTH units or channels. Returns 0, or -1 with a message
 * naming --model and the element at fault. What depends on the data (the
 * image's size) is checked when the model is built. */
int model_text_parse(const char *text, ModelSpec *out, char *err, size_t errlen);

#endif
