/* conv.c — the binary convolution layer: the forward products
 * (XNOR-popcount on bits, a real product of matmul.h on floats) and the
 * backward ones, each split over the thread pool in blocks of output
 * positions, images or output channels.
 */
#include "engine/conv.h"

#include <string.h>

#include "engine/bitpack.h"
#include "engine/conv_im2col.h"
#include "engine/conv_padding.h"
#include "engine/kernels.h"
#include "engine/parallel.h"

/* Rows of im2col per block: BIT_ROWS rows of bits (a multiple of the bgemm
 * tiles, 6 and 3 rows); of floats, as many as fill FLOAT_BLOCK floats (576
 * KB, in L2 with the sgemm operands: 128 rows at K = 1152) and at least
 * FLOAT_ROWS, so that a small K (a first layer's 9 taps) still makes few
 * large products rather than hundreds of tiny ones. Slices of positions
 * start on multiples of ROW_GRAIN, of output channels on multiples of
 * CHANNEL_GRAIN. */
enum { BIT_ROWS = 192, FLOAT_ROWS = 128, FLOAT_BLOCK = 128 * 1152 };
enum { ROW_GRAIN = 12, CHANNEL_GRAIN = 16 };

/* Rows of floats per im2col block of g. */
static size_t float_rows(const ConvGeom *g) {
  size_t rows = FLOAT_BLOCK / g->taps / ROW_GRAIN * ROW_GRAIN;
  return rows > FLOAT_ROWS ? rows : FLOAT_ROWS;
}

/* Below these many multiply-accumulates a call runs on the calling thread
 * alone: waking the pool costs more than it saves (as for bgemm; a float MAC
 * costs about ten binary ones). */
#define MIN_PARALLEL_BINARY_MACS 4194304.0
#define MIN_PARALLEL_FLOAT_MACS 524288.0

static size_t round64(size_t bytes) { return (bytes + 63) / 64 * 64; }

/* Scratch: the padding correction's table (conv_padding.h), then one slot
 * per thread holding a block of bit or float im2col rows, and (for the
 * weight gradient) a block's share of the thread's gradient rows. */
static size_t slot_bytes(const ConvGeom *g) {
  size_t bits = BIT_ROWS * bits_words(g->taps) * sizeof(uint64_t);
  size_t floats = (float_rows(g) + g->out_ch) * g->taps * sizeof(float);
  return round64(bits > floats ? bits : floats);
}

size_t conv_scratch_bytes(const ConvGeom *g, size_t threads) {
  return conv_padfix_bytes(g) + threads * slot_bytes(g);
}

typedef struct {
  const ConvGeom *g;
  const MatmulKernels *mm;
  const uint64_t *xbits, *wbits;
  const float *x, *sign, *dy;
  const MatmulOperand *w; /* the weights of dx */
  float *out; /* y, dx or grad */
  BgemmKernel bgemm;
  const ConvPadFix *fix;   /* NULL when no window is clipped */
  char *slots;
  size_t n, grain;         /* the split: [0, n) in multiples of grain */
  size_t chunk;            /* its chunk length: slot = begin / chunk */
  size_t positions;        /* B Ho Wo, the outputs of the call */
  const DenseUpdate *update;
  size_t flips[PAR_MAX_THREADS];
} ConvJob;

static void *job_slot(const ConvJob *j, size_t begin) {
  return j->slots + begin / j->chunk * slot_bytes(j->g);
}

static ConvJob job_new(const ConvGeom *g, const MatmulKernels *mm, void *scratch, size_t n,
                       size_t grain) {
  return (ConvJob){.g = g, .mm = mm, .slots = (char *)scratch + conv_padfix_bytes(g), .n = n,
                   .grain = grain, .chunk = par_chunk(n, grain)};
}

/* Runs body over [0, j->n): split over the pool, or in one piece (slot 0) when
 * the call's MACs are below min_macs. */
static void job_run(ConvJob *j, par_body body, double min_macs) {
  const ConvGeom *g = j->g;
  double macs = (double)j->positions * (double)g->out_ch * (double)g->taps;
  if (j->n == 0) return;
  if (macs >= min_macs) {
    par_for(j->n, j->grain, body, j);
    return;
  }
  j->chunk = j->n;
  body(j, 0, j->n);
}

/* Binary forward of positions [p0, p1), a block of BIT_ROWS at a time.
 *
 * Shapes: xbits B*H rows of W*C bits; wbits N rows of K = k*k*C bits; y rows
 * of N floats, one per position p = (b Ho + oh) Wo + ow.
 * Math: the im2col row A_p holds, at bit (kh k + kw) C + c, the sign bit of
 * x[b][ih][iw][c] (1 for +1) when (ih, iw) is inside the image and 0 when the
 * tap is padding. bgemm gives, over all K bit positions,
 *   raw = K - 2 popcount(A_p XOR W_n) = sum_bits a' w,  a' = +1 for bit 1, -1 for bit 0,
 * which counts every padded input as -1: raw = y - sum_{padded taps t} T[t][n],
 * T[t][n] = sum_c w[n][t][c]. So conv_padfix_apply adds it back,
 *   y[p][n] = raw + sum over the padded taps t of position p of T[t][n],
 * the same as K_valid - 2 popcount over the valid bits only. Only the border
 * positions of 'same' padding have padded taps; their sums come from a table
 * made once per call (conv_padding.h). Every term is an integer of magnitude
 * <= K < 2^24: the floats are exact, whatever the order. */
static void forward_binary_rows(void *ctx, size_t p0, size_t p1) {
  const ConvJob *j = ctx;
  const ConvGeom *g = j->g;
  uint64_t *rows = job_slot(j, p0);
  for (size_t r0 = p0; r0 < p1; r0 += BIT_ROWS) {
    size_t r1 = r0 + BIT_ROWS < p1 ? r0 + BIT_ROWS : p1;
    float *y = j->out + r0 * g->out_ch;
    conv_im2col_bits(g, j->xbits, r0, r1, rows);
    BgemmProblem problem = {rows, j->wbits, y, r1 - r0, g->out_ch, g->taps};
    j->bgemm(&problem, 0, r1 - r0, 0, g->out_ch);
    if (j->fix) conv_padfix_apply(g, j->fix, r0, r1, y);
  }
}

void conv_forward_binary_variant(SimdLevel level, const ConvGeom *g, const uint64_t *xbits,
                                 const uint64_t *wbits, size_t B, float *y, void *scratch) {
  size_t positions = B * g->out_height * g->out_width;
  ConvJob job = job_new(g, NULL, scratch, positions, ROW_GRAIN);
  job.xbits = xbits;
  job.wbits = wbits;
  job.out = y;
  job.bgemm = kernels_for(level)->bgemm;
  ConvPadFix fix;
  if (conv_padfix_bytes(g)) {
    fix = conv_padfix_prepare(g, wbits, scratch);
    job.fix = &fix;
  }
  job.positions = positions;
  job_run(&job, forward_binary_rows, MIN_PARALLEL_BINARY_MACS);
}

void conv_forward_binary(const ConvGeom *g, const uint64_t *xbits, const uint64_t *wbits,
                         size_t B, float *y, void *scratch) {
  conv_forward_binary_variant(simd_active(), g, xbits, wbits, B, y, scratch);
}

/* y rows [p0, p1) = im2col(x) . sign^T, float_rows at a time. */
static void forward_real_rows(void *ctx, size_t p0, size_t p1) {
  const ConvJob *j = ctx;
  const ConvGeom *g = j->g;
  float *cols = job_slot(j, p0);
  size_t K = g->taps, N = g->out_ch;
  size_t block = float_rows(g);
  for (size_t r0 = p0; r0 < p1; r0 += block) {
    size_t r1 = r0 + block < p1 ? r0 + block : p1;
    conv_im2col_floats(g, j->x, r0, r1, cols);
    j->mm->nt(r1 - r0, N, K, cols, K, j->sign, K, j->out + r0 * N, N);
  }
}

void conv_forward_real(const MatmulKernels *mm, const ConvGeom *g, const float *x,
                       const float *sign, size_t B, float *y, void *scratch) {
  size_t positions = B * g->out_height * g->out_width;
  ConvJob job = job_new(g, mm, scratch, positions, ROW_GRAIN);
  job.x = x;
  job.sign = sign;
  job.out = y;
  job.positions = positions;
  job_run(&job, forward_real_rows, MIN_PARALLEL_FLOAT_MACS);
}

/* Adds block [r0, r1) of the im2col gradient (in the slot) into dx. */
typedef struct {
  const ConvJob *j;
  const float *cols;
  size_t first; /* the position of the product's row 0 */
} Col2im;

static void col2im_block(void *ctx, size_t r0, size_t r1) {
  const Col2im *c = ctx;
  conv_col2im_add(c->j->g, c->cols, c->first + r0, c->first + r1, c->j->out);
}

/* dx of images [b0, b1): per block of an image's positions, the im2col
 * gradient dy . W (rows x K), added back into the image by col2im. One
 * thread owns each image, so the sums run in one order. W is the same for
 * every block (matmul_blocks: the AMX variant packs it once). */
static void backward_input_images(void *ctx, size_t b0, size_t b1) {
  const ConvJob *j = ctx;
  const ConvGeom *g = j->g;
  float *cols = job_slot(j, b0);
  size_t per_image = g->out_height * g->out_width, image = g->height * g->width * g->in_ch;
  size_t K = g->taps, N = g->out_ch, first = b0 * per_image;
  memset(j->out + b0 * image, 0, (b1 - b0) * image * sizeof(float));
  Col2im add = {j, cols, first};
  MatmulBlocks blocks = {.rows = float_rows(g), .at_c = 1, .done = col2im_block, .ctx = &add};
  matmul_blocks(j->mm, 0, (b1 - b0) * per_image, K, N, j->dy + first * N, N, j->w, cols, K,
                &blocks);
}

void conv_backward_input(const MatmulKernels *mm, const ConvGeom *g, const float *dy,
                         const MatmulOperand *w, size_t B, float *dx, void *scratch) {
  ConvJob job = job_new(g, mm, scratch, B, 1);
  job.dy = dy;
  job.w = w;
  job.out = dx;
  job.positions = B * g->out_height * g->out_width;
  job_run(&job, backward_input_images, MIN_PARALLEL_FLOAT_MACS);
}

/* grad rows [n0, n1) = sum over blocks of positions of dy[:, n0:n1]^T im2col(x):
 * each block's product lands in the slot's partial rows and is added to the
 * gradient in block order. Each thread gathers the blocks itself, so a
 * gradient row sums its blocks in one order whatever the thread count. */
static void backward_weights_channels(void *ctx, size_t n0, size_t n1) {
  ConvJob *j = ctx;
  const ConvGeom *g = j->g;
  size_t block = float_rows(g);
  float *cols = job_slot(j, n0), *part = cols + block * g->taps;
  size_t positions = j->positions, K = g->taps, N = g->out_ch, rows = (n1 - n0) * K;
  float *grad = j->out + n0 * K;
  memset(grad, 0, rows * sizeof(float));
  for (size_t r0 = 0; r0 < positions; r0 += block) {
    size_t r1 = r0 + block < positions ? r0 + block : positions;
    conv_im2col_floats(g, j->x, r0, r1, cols);
    j->mm->tn(n1 - n0, K, r1 - r0, j->dy + r0 * N + n0, N, cols, K, part, K);
    for (size_t i = 0; i < rows; i++) grad[i] += part[i];
  }
  j->flips[n0 / j->chunk] = j->update ? j->update->fn(j->update->ctx, n0, n1) : 0;
}

size_t conv_backward_weights(const MatmulKernels *mm, const ConvGeom *g, const float *dy,
                             const float *x, size_t B, float *grad, const DenseUpdate *update,
                             void *scratch) {
  ConvJob job = job_new(g, mm, scratch, g->out_ch, CHANNEL_GRAIN);
  job.dy = dy;
  job.x = x;
  job.out = grad;
  job.update = update;
  job.positions = B * g->out_height * g->out_width;
  job_run(&job, backward_weights_channels, MIN_PARALLEL_FLOAT_MACS);
  size_t flips = 0;
  for (size_t c = 0; c * job.chunk < g->out_ch; c++) flips += job.flips[c];
  return flips;
}
