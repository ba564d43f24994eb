/* amx_tiles.h — what the AMX kernels share (included only by *_amx.c files,
 * which are compiled for AMX-BF16 and AVX-512 BF16): bf16_tiles.h's shapes
 * and rounding, and the tile configuration.
 */
#ifndef FLIPSCOPE_AMX_TILES_H
#define FLIPSCOPE_AMX_TILES_H
#include "engine/bf16_tiles.h"

/* The tile configuration: palette 1, all eight tiles 16 rows of 64 bytes. */
typedef struct {
  uint8_t palette, start_row, reserved[14];
  uint16_t colsb[16];
  uint8_t rows[16];
} TileConfig;

static inline void tiles_configure(void) {
  TileConfig cfg = {.palette = 1};
  for (int t = 0; t < 8; t++) {
    cfg.rows[t] = TILE_M;
    cfg.colsb[t] = TILE_STRIDE;
  }
  _tile_loadconfig(&cfg);
}

#endif
