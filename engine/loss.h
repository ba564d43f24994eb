/* loss.h — softmax cross-entropy over logits and accuracy. */
#ifndef FLIPSCOPE_LOSS_H
#define FLIPSCOPE_LOSS_H

#include <stddef.h>
#include <stdint.h>

/* logits: B x C, labels: B. Returns the mean loss -1/B sum_b log softmax(z_b)[y_b];
 * when dlogits is not NULL writes dL/dz = (softmax(z) - onehot(y)) / B (B x C).
 * *correct (if not NULL) = how many rows have argmax == label (first max wins). */
double softmax_xent(const float *logits, const uint8_t *labels, size_t B, size_t C,
                    float *dlogits, size_t *correct);

#endif
