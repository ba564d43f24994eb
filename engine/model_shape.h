/* model_shape.h — from a ModelSpec and an input to each layer's shape (inside
 * the engine: model.c builds on it, checkpoint.c checks files with it).
 *
 * Dense layer d maps the features of the layer below (the input's, an image
 * flattened) to hidden[d] units; a convolution maps an H x W x C image to
 * Ho x Wo x N (conv_geom.h), then pools it: 2x2 max or average halve Ho and Wo
 * (rounded down), global average makes them 1 x 1. The classifier, a dense
 * layer to the classes, comes last. The real first / last layers are taken
 * off the ends of layer[].
 */
#ifndef FLIPSCOPE_MODEL_SHAPE_H
#define FLIPSCOPE_MODEL_SHAPE_H

#include "engine/model.h"

/* Clears m and sets its shape (every Layer field but the buffers) and
 * n_real. Returns 0, or ERR_USAGE with one line naming the model setting
 * and the layer when the spec does not fit the input. */
int model_shape(Model *m, const ModelSpec *spec, const ModelInput *in, size_t classes,
                size_t batch_cap, char *err, size_t errlen);

/* The layers of m in the order data flows: the real first layer, layer[],
 * the real last layer; returns how many (at most MODEL_MAX_LAYERS + 2). */
size_t model_sequence(Model *m, Layer **seq);

#endif
