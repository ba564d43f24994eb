/* loss.c — numerically stable softmax cross-entropy (max subtracted first). */
#include "engine/loss.h"

#include <math.h>

double softmax_xent(const float *logits, const uint8_t *labels, size_t B, size_t C,
                    float *dlogits, size_t *correct) {
  double total = 0.0;
  size_t right = 0;
  for (size_t b = 0; b < B; b++) {
    const float *z = logits + b * C;
    size_t argmax = 0;
    for (size_t c = 1; c < C; c++)
      if (z[c] > z[argmax]) argmax = c;
    right += argmax == labels[b];
    double sum = 0.0;
    for (size_t c = 0; c < C; c++) sum += exp((double)z[c] - z[argmax]);
    double log_sum = log(sum) + z[argmax];
    total += log_sum - z[labels[b]];
    if (dlogits)
      for (size_t c = 0; c < C; c++) {
        double p = exp((double)z[c] - log_sum);
        dlogits[b * C + c] = (float)((p - (c == labels[b])) / (double)B);
      }
  }
  if (correct) *correct = right;
  return total / (double)B;
}
