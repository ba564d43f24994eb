/* dense.c — binary dense layer products: the real ones through matmul.h,
 * split by output slices over the thread pool; bgemm for binary x binary. */
#include "engine/dense.h"

#include "engine/bitpack.h"
#include "engine/parallel.h"

/* Output columns (or gradient rows) per slice are multiples of SLICE_GRAIN,
 * so slices start on cache lines. Gradient rows go to the optimizer in blocks
 * of UPDATE_ROWS (matmul_blocks): 128 rows of 1024 floats (512 KB) still
 * sit in L2 when the optimizer reads them, while OpenBLAS repacks the layer
 * input at each block's call (W1 fp32, best of 3 runs: about 17k samples/s at
 * 128 rows, 15k at 32); the AMX variant packs it once per slice. */
enum { SLICE_GRAIN = 16, UPDATE_ROWS = 128 };

typedef struct {
  const MatmulKernels *mm;
  const float *a;
  const MatmulOperand *b;
  float *c;
  size_t B, K, N;
  const DenseUpdate *update;
  size_t flips[PAR_MAX_THREADS];
  size_t chunk;
} DenseJob;

/* y[:, n0:n1] = x . W[n0:n1]^T */
static void forward_real_slice(void *ctx, size_t n0, size_t n1) {
  const DenseJob *j = ctx;
  matmul_nt(j->mm, j->B, n1 - n0, j->K, j->a, j->K, j->b, n0, j->c + n0, j->N);
}

void dense_forward_real(const MatmulKernels *mm, const float *x, const MatmulOperand *w, size_t B,
                        size_t K, size_t N, float *y) {
  DenseJob job = {.mm = mm, .a = x, .b = w, .c = y, .B = B, .K = K, .N = N};
  par_for(N, SLICE_GRAIN, forward_real_slice, &job);
}

void dense_forward_binary(const uint64_t *xbits, const uint64_t *wbits, size_t B, size_t K,
                          size_t N, float *y) {
  bgemm(xbits, wbits, y, B, N, K);
}

/* The update of one slice's gradient rows, block by block. */
typedef struct {
  const DenseUpdate *update;
  size_t n0, flips;
} SliceUpdate;

static void update_block(void *ctx, size_t r0, size_t r1) {
  SliceUpdate *u = ctx;
  if (u->update) u->flips += u->update->fn(u->update->ctx, u->n0 + r0, u->n0 + r1);
}

/* grad[n0:n1] = dy[:, n0:n1]^T . x, in blocks of UPDATE_ROWS rows, each block
 * handed to the update while it is hot. */
static void backward_weights_slice(void *ctx, size_t n0, size_t n1) {
  DenseJob *j = ctx;
  SliceUpdate u = {.update = j->update, .n0 = n0};
  MatmulBlocks blocks = {.rows = UPDATE_ROWS, .done = update_block, .ctx = &u};
  matmul_blocks(j->mm, 1, n1 - n0, j->K, j->B, j->a + n0, j->N, j->b, j->c + n0 * j->K, j->K,
                &blocks);
  j->flips[n0 / j->chunk] = u.flips;
}

size_t dense_backward_weights(const MatmulKernels *mm, const float *dy, const MatmulOperand *x,
                              size_t B, size_t K, size_t N, float *grad,
                              const DenseUpdate *update) {
  DenseJob job = {.mm = mm, .a = dy, .b = x, .c = grad, .B = B, .K = K, .N = N, .update = update,
                  .chunk = par_chunk(N, SLICE_GRAIN)};
  par_for(N, SLICE_GRAIN, backward_weights_slice, &job);
  size_t flips = 0;
  for (size_t c = 0; c * job.chunk < N; c++) flips += job.flips[c];
  return flips;
}

/* dx[:, k0:k1] = dy . W[:, k0:k1] */
static void backward_input_slice(void *ctx, size_t k0, size_t k1) {
  const DenseJob *j = ctx;
  matmul_nn(j->mm, j->B, k1 - k0, j->N, j->a, j->N, j->b, k0, j->c + k0, j->K);
}

void dense_backward_input(const MatmulKernels *mm, const float *dy, const MatmulOperand *w,
                          size_t B, size_t K, size_t N, float *dx) {
  DenseJob job = {.mm = mm, .a = dy, .b = w, .c = dx, .B = B, .K = K, .N = N};
  par_for(K, SLICE_GRAIN, backward_input_slice, &job);
}
