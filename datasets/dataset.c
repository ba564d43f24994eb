/* dataset.c — see dataset.h. */
#include "datasets/dataset.h"

#include <stdlib.h>
#include <string.h>

void dataset_free(Dataset *d) {
  free(d->storage);
  memset(d, 0, sizeof *d);
}
