/* cifar10.h — the CIFAR-10 binary version: a directory holding
 * data_batch_1.bin .. data_batch_5.bin (the training split, in that order)
 * and test_batch.bin (the test split).
 *
 * Each file is a sequence of 3,073-byte records: one label byte (0..9), then
 * 3,072 pixel bytes of a 32x32 colour image as three planes, 1,024 red, then
 * 1,024 green, then 1,024 blue bytes, each plane row-major. The loader turns
 * each image into NHWC bytes (engine/data.h): feature (y * 32 + x) * 3 + c is
 * plane c's byte y * 32 + x. Every error is one line naming the file (and the
 * record, for a bad label).
 */
#ifndef FLIPSCOPE_CIFAR10_H
#define FLIPSCOPE_CIFAR10_H

#include <stddef.h>

#include "datasets/dataset.h"

#define CIFAR_SIDE 32
#define CIFAR_CHANNELS 3
#define CIFAR_CLASSES 10
#define CIFAR_PIXELS (CIFAR_SIDE * CIFAR_SIDE)           /* per plane: 1,024 */
#define CIFAR_DIM (CIFAR_PIXELS * CIFAR_CHANNELS)       /* pixel bytes: 3,072 */
#define CIFAR_RECORD_BYTES (1 + CIFAR_DIM)              /* 3,073 */
/* Records a split may hold (the real set: 50,000 and 10,000). */
#define CIFAR_MAX_RECORDS ((size_t)1 << 22)
#define CIFAR_TRAIN_FILES 5

/* The name of file i: 0..4 the training batches, 5 the test batch. */
const char *cifar10_file_name(int i);

/* Loads the directory into *out: 10 classes, 32x32x3 byte images whose byte
 * map is x = byte / 255 in every channel (dataset_load then standardises the
 * channels on the training split). Sets everything but out->name. Returns 0,
 * or -1 with err set: a missing or unreadable file, a size that is not a
 * positive multiple of 3,073 bytes, a label above 9, no memory. */
int cifar10_load_dir(const char *dir, Dataset *out, char *err, size_t errlen);

#endif
