/* conv.c — the binary convolution layer: the forward products
 * (XNOR-popcount on bits, a real product of matmul.h on floats) and the
 * backward ones, each split over the thread pool in blocks of output
 * positions, images, or (the weight gradient) chunks of positions and then
 * output channels.
 */
#include "engine/conv.h"

#include <string.h>

#include "engine/bitpack.h"
#include "engine/conv_amx.h"
#include "engine/conv_narrow_amx.h"
#include "engine/conv_im2col.h"
#include "engine/conv_padding.h"
#include "engine/kernels.h"
#include "engine/parallel.h"
#include "engine/pool.h"

/* Rows of im2col per block: BIT_ROWS rows of bits (a multiple of the bgemm
 * tiles, 6 and 3 rows); of floats, as many as fill FLOAT_BLOCK floats (576
 * KB, in L2 with the sgemm operands: 128 rows at K = 1152) and at least
 * FLOAT_ROWS, so that a small K (a first layer's 9 taps) still makes few
 * large products rather than hundreds of tiny ones. Slices of positions
 * start on multiples of ROW_GRAIN, of output channels on multiples of
 * CHANNEL_GRAIN. */
enum { BIT_ROWS = 192, FLOAT_ROWS = 128, FLOAT_BLOCK = 128 * 1152 };
enum { ROW_GRAIN = 12, CHANNEL_GRAIN = 16 };

/* The weight gradient's sum over positions runs in WEIGHT_CHUNKS chunks of
 * blocks, whatever the thread count (backward_weights_chunks): up to 8
 * threads share the work, each chunk's sum is one N x K gradient of scratch
 * (147 KB at 64 x 576), and each block's im2col is gathered and packed once
 * for all N channels. Splitting the channels instead made every thread
 * gather every block for its 16 channels: 28 x 28 x 32 -> 32 at batch 100
 * on AMX took 12.0 ms against 6.7 ms now (best of 15, 2 threads). */
enum { WEIGHT_CHUNKS = 8 };

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

/* Bytes of one N x K gradient. */
static size_t gradient_bytes(const ConvGeom *g) {
  return round64(g->out_ch * g->taps * sizeof(float));
}

/* Bytes of one pair of output rows' products (2 x Wo x N floats):
 * conv_forward_binary_maxpool's block before pooling. */
static size_t pooled_rows_bytes(const ConvGeom *g) {
  return round64(2 * g->out_width * g->out_ch * sizeof(float));
}

/* Scratch: the padding correction's table (conv_padding.h), the weight
 * gradient's chunk sums (WEIGHT_CHUNKS gradients), then one slot per thread
 * holding a block of bit or float im2col rows, and (for the weight
 * gradient) that block's product. */
static size_t slot_bytes(const ConvGeom *g) {
  size_t bits = BIT_ROWS * bits_words(g->taps) * sizeof(uint64_t) + pooled_rows_bytes(g);
  size_t floats = float_rows(g) * g->taps * sizeof(float) + gradient_bytes(g);
  size_t amx = conv_amx_input_fit(g) ? conv_amx_scratch(g).bytes : 0;
  size_t narrow = conv_narrow_fit(g) ? conv_narrow_scratch_bytes(g) : 0;
  size_t most = bits > floats ? bits : floats, products = amx > narrow ? amx : narrow;
  return round64(most > products ? most : products);
}

static size_t shared_bytes(const ConvGeom *g) {
  return conv_padfix_bytes(g) + WEIGHT_CHUNKS * gradient_bytes(g);
}

size_t conv_scratch_bytes(const ConvGeom *g, size_t threads) {
  return shared_bytes(g) + threads * slot_bytes(g);
}

typedef struct {
  const ConvGeom *g;
  const MatmulKernels *mm;
  /* xbits: the bits of x, the forward's input or the weight gradient's (or NULL) */
  const uint64_t *xbits, *wbits;
  const float *x, *sign, *dy;
  const MatmulOperand *w; /* the weights of dx */
  float *out; /* y, dx or grad (the weight gradient's sums: dx computed with them, or NULL) */
  float *chunk_sums; /* the weight gradient's WEIGHT_CHUNKS partial sums */
  BgemmKernel bgemm;
  const ConvPadFix *fix;   /* NULL when no window is clipped */
  char *slots;
  size_t n, grain;         /* the split: [0, n) in multiples of grain */
  size_t chunk;            /* its chunk length: slot = begin / chunk */
  size_t positions;        /* B Ho Wo, the outputs of the call */
  const DenseUpdate *update;
  uint8_t *arg;            /* max pooling's winners (conv_forward_binary_maxpool) */
  const uint8_t *dy_arg;   /* the winners of the pooling whose gradient dy is (or NULL) */
  size_t flips[PAR_MAX_THREADS];
} ConvJob;

static void *job_slot(const ConvJob *j, size_t begin) {
  return j->slots + begin / j->chunk * slot_bytes(j->g);
}

static ConvJob job_new(const ConvGeom *g, const MatmulKernels *mm, void *scratch, size_t n,
                       size_t grain) {
  return (ConvJob){.g = g, .mm = mm, .slots = (char *)scratch + shared_bytes(g), .n = n,
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

/* Binary forward of positions [p0, p1) into y (position p0's row first), a
 * block of BIT_ROWS at a time, its im2col in rows.
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
static void binary_positions(const ConvJob *j, size_t p0, size_t p1, uint64_t *rows, float *y) {
  const ConvGeom *g = j->g;
  for (size_t r0 = p0; r0 < p1; r0 += BIT_ROWS) {
    size_t r1 = r0 + BIT_ROWS < p1 ? r0 + BIT_ROWS : p1;
    float *out = y + (r0 - p0) * g->out_ch;
    conv_im2col_bits(g, j->xbits, r0, r1, rows);
    BgemmProblem problem = {rows, j->wbits, out, r1 - r0, g->out_ch, g->taps};
    j->bgemm(&problem, 0, r1 - r0, 0, g->out_ch);
    if (j->fix) conv_padfix_apply(g, j->fix, r0, r1, out);
  }
}

static void forward_binary_rows(void *ctx, size_t p0, size_t p1) {
  const ConvJob *j = ctx;
  binary_positions(j, p0, p1, job_slot(j, p0), j->out + p0 * j->g->out_ch);
}

/* The binary forward's job over n items of grain (positions, or row pairs)
 * into y, its padding correction prepared into fix where the layer pads. */
static ConvJob binary_job(SimdLevel level, const ConvGeom *g, const uint64_t *xbits,
                          const uint64_t *wbits, size_t B, float *y, void *scratch, size_t n,
                          size_t grain, ConvPadFix *fix) {
  ConvJob job = job_new(g, NULL, scratch, n, grain);
  job.xbits = xbits;
  job.wbits = wbits;
  job.out = y;
  job.bgemm = kernels_for(level)->bgemm;
  if (conv_padfix_bytes(g)) {
    *fix = conv_padfix_prepare(g, wbits, scratch);
    job.fix = fix;
  }
  job.positions = B * g->out_height * g->out_width;
  return job;
}

void conv_forward_binary_variant(SimdLevel level, const ConvGeom *g, const uint64_t *xbits,
                                 const uint64_t *wbits, size_t B, float *y, void *scratch) {
  ConvPadFix fix;
  ConvJob job = binary_job(level, g, xbits, wbits, B, y, scratch,
                           B * g->out_height * g->out_width, ROW_GRAIN, &fix);
  job_run(&job, forward_binary_rows, MIN_PARALLEL_BINARY_MACS);
}

/* Row pairs [u0, u1) (u = b Ho / 2 + i: output rows 2 i, 2 i + 1 of image
 * b): their products into the slot, then pooled into y and arg. */
static void forward_pooled_pairs(void *ctx, size_t u0, size_t u1) {
  const ConvJob *j = ctx;
  const ConvGeom *g = j->g;
  const size_t Wo = g->out_width, N = g->out_ch, pairs = g->out_height / 2;
  uint64_t *rows = job_slot(j, u0);
  float *products = (float *)((char *)rows + BIT_ROWS * bits_words(g->taps) * sizeof(uint64_t));
  for (size_t u = u0; u < u1; u++) {
    size_t b = u / pairs, p0 = (b * g->out_height + 2 * (u % pairs)) * Wo;
    binary_positions(j, p0, p0 + 2 * Wo, rows, products);
    maxpool2_row(products, Wo, N, j->out + u * (Wo / 2) * N, j->arg + u * (Wo / 2) * N);
  }
}

void conv_forward_binary_maxpool(const ConvGeom *g, const uint64_t *xbits,
                                 const uint64_t *wbits, size_t B, float *y, uint8_t *arg,
                                 void *scratch) {
  ConvPadFix fix;
  ConvJob job = binary_job(simd_active(), g, xbits, wbits, B, y, scratch,
                           B * (g->out_height / 2), 1, &fix);
  job.arg = arg;
  job_run(&job, forward_pooled_pairs, MIN_PARALLEL_BINARY_MACS);
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
 * gradient dy . W (rows x K), added back into the image by col2im; on AMX
 * with stride 1, conv_amx.h's implicit product instead. One thread owns
 * each image, so the sums run in one order. W is the same for every block
 * (matmul_blocks: the AMX variant packs it once). */
static void backward_input_images(void *ctx, size_t b0, size_t b1) {
  const ConvJob *j = ctx;
  const ConvGeom *g = j->g;
  float *cols = job_slot(j, b0);
  if (j->mm->amx_convolution && conv_amx_input_fit(g)) {
    conv_amx_backward(g, &(ConvAmxBackward){j->dy, NULL, j->w->values, j->out, NULL, NULL}, b0,
                      b1, NULL, cols);
    return;
  }
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

/* Where chunk c's sum is (scratch after the padding table). */
static float *chunk_sum(const ConvJob *j, size_t c) {
  return j->chunk_sums + c * gradient_bytes(j->g) / sizeof(float);
}

/* Rows of a block's im2col as a gathered operand (conv_im2col_runs): row k
 * is position first + k, q the position of the row asked for next (rows
 * come in order: no division per row). */
typedef struct {
  const ConvGeom *g;
  const float *x;
  ConvPosition q;
} Im2colRows;

static void im2col_row_runs(void *ctx, size_t k, const float **runs) {
  Im2colRows *r = ctx;
  (void)k;
  conv_im2col_runs(r->g, r->x, r->q, runs);
  conv_next_position(r->g, &r->q);
}

/* Whether the weight gradient reads its im2col rows gathered from x rather
 * than from a block written by conv_im2col_floats: where the variant gathers
 * (AMX packs its tiles straight from x) and the channels make whole runs. On
 * AMX at batch 100, 2 threads, best of 6: 28x28x32 -> 32 7.12 -> 5.43 ms,
 * 14x14x64 -> 64 3.95 -> 2.65 ms. The same floats make the same tiles, so
 * the same bits. */
static int gathers_rows(const ConvJob *j) {
  return j->mm->tn_gathered && j->g->in_ch % MATMUL_RUN == 0 &&
         j->g->taps / MATMUL_RUN <= MATMUL_MAX_RUNS;
}

int conv_weights_implicit(const MatmulKernels *mm, const ConvGeom *g) {
  return mm->amx_convolution && conv_amx_weights_fit(g);
}

/* Whether the weight gradient runs image by image on AMX: conv_amx.h's
 * implicit product, or for a few input channels conv_narrow_amx.h's. */
static int weights_by_image(const ConvJob *j) {
  return conv_weights_implicit(j->mm, j->g) || (j->mm->amx_convolution && conv_narrow_fit(j->g));
}

/* Chunk c's sum over images [c B / WEIGHT_CHUNKS, (c + 1) B /
 * WEIGHT_CHUNKS) by weights_by_image's product (a chunk without images sums
 * to 0), and those images' dx with it where j->out is not NULL (conv_amx.h
 * then rounds each image's dy once for both). */
static void image_weights_chunks(const ConvJob *j, size_t c0, size_t c1, void *slot) {
  const ConvGeom *g = j->g;
  size_t B = j->positions / (g->out_height * g->out_width);
  ConvAmxBackward amx = {j->dy, j->dy_arg, j->out ? j->w->values : NULL, j->out, j->x, j->xbits};
  for (size_t c = c0; c < c1; c++) {
    size_t b0 = c * B / WEIGHT_CHUNKS, b1 = (c + 1) * B / WEIGHT_CHUNKS;
    float *sum = chunk_sum(j, c);
    if (b0 == b1) memset(sum, 0, g->out_ch * g->taps * sizeof(float));
    else if (conv_amx_weights_fit(g)) conv_amx_backward(g, &amx, b0, b1, sum, slot);
    else conv_narrow_backward_weights(g, j->dy, j->x, b0, b1, sum, slot);
  }
}

/* Chunk c's sum of dy^T im2col(x) (N x K) over its blocks of positions,
 * chunk c holding blocks [c nb / WEIGHT_CHUNKS, (c + 1) nb / WEIGHT_CHUNKS) of
 * the nb blocks of float_rows positions. Each block's im2col is gathered
 * once (into the slot, or by the variant straight from x: gathers_rows) and
 * multiplied for all N channels, so a variant that packs it (AMX) uses each
 * packed tile for every 16 channels. The first block's product is
 * the sum; the others add to it in order (a chunk without blocks sums to 0). */
static void backward_weights_chunks(void *ctx, size_t c0, size_t c1) {
  ConvJob *j = ctx;
  const ConvGeom *g = j->g;
  size_t block = float_rows(g), K = g->taps, N = g->out_ch, count = N * K;
  size_t blocks = (j->positions + block - 1) / block;
  float *cols = job_slot(j, c0), *part = cols + block * K;
  if (weights_by_image(j)) {
    image_weights_chunks(j, c0, c1, cols);
    return;
  }
  for (size_t c = c0; c < c1; c++) {
    float *sum = chunk_sum(j, c);
    size_t first = c * blocks / WEIGHT_CHUNKS, end = (c + 1) * blocks / WEIGHT_CHUNKS;
    if (first == end) memset(sum, 0, count * sizeof(float));
    for (size_t b = first; b < end; b++) {
      size_t r0 = b * block, r1 = r0 + block < j->positions ? r0 + block : j->positions;
      float *out = b == first ? sum : part;
      if (gathers_rows(j)) {
        Im2colRows rows = {g, j->x, conv_position(g, r0)};
        MatmulGathered gathered = {im2col_row_runs, &rows};
        j->mm->tn_gathered(N, K, r1 - r0, j->dy + r0 * N, N, &gathered, out, K);
      } else {
        conv_im2col_floats(g, j->x, r0, r1, cols);
        j->mm->tn(N, K, r1 - r0, j->dy + r0 * N, N, cols, K, out, K);
      }
      if (b > first) kernels()->add_into(sum, part, count);
    }
  }
}

/* grad rows [n0, n1) = the chunk sums added in chunk order, then the update
 * on them. */
static void backward_weights_channels(void *ctx, size_t n0, size_t n1) {
  ConvJob *j = ctx;
  const ConvGeom *g = j->g;
  size_t K = g->taps, rows = (n1 - n0) * K;
  float *grad = j->out + n0 * K;
  memset(grad, 0, rows * sizeof(float));
  for (size_t c = 0; c < WEIGHT_CHUNKS; c++)
    kernels()->add_into(grad, chunk_sum(j, c) + n0 * K, rows);
  j->flips[n0 / j->chunk] = j->update ? j->update->fn(j->update->ctx, n0, n1) : 0;
}

/* The chunks of positions split over the threads (each thread one slot),
 * then the gradient rows: every gradient element sums the same terms in the
 * same order whatever the thread count. Where the weight gradient is
 * conv_amx.h's implicit product, dx comes from the same job, image by image,
 * and a pooled gradient is unpooled there; else the gradient is unpooled
 * first and dx (when asked for) comes from conv_backward_input before it. */
size_t conv_backward(const MatmulKernels *mm, const ConvGeom *g, const ConvGradient *dy,
                     const MatmulOperand *w, const MatmulOperand *x, size_t B, float *dx,
                     float *grad, const DenseUpdate *update, void *scratch) {
  int implicit = conv_weights_implicit(mm, g), together = dx && implicit;
  ConvGradient d = *dy;
  if (d.max_arg && !implicit) {
    maxpool2_backward(d.values, d.max_arg, B, g->out_height, g->out_width, g->out_ch,
                      d.unpooled);
    d = (ConvGradient){d.unpooled, NULL, NULL};
  }
  if (dx && !together) conv_backward_input(mm, g, d.values, w, B, dx, scratch);
  ConvJob sums = job_new(g, mm, scratch, WEIGHT_CHUNKS, 1);
  sums.dy = d.values;
  sums.dy_arg = d.max_arg;
  sums.x = x->values;
  sums.xbits = x->signs;
  sums.w = w;
  sums.out = together ? dx : NULL;
  sums.chunk_sums = (float *)((char *)scratch + conv_padfix_bytes(g));
  sums.positions = B * g->out_height * g->out_width;
  job_run(&sums, backward_weights_chunks, MIN_PARALLEL_FLOAT_MACS);
  ConvJob job = job_new(g, mm, scratch, g->out_ch, CHANNEL_GRAIN);
  job.out = grad;
  job.update = update;
  job.chunk_sums = sums.chunk_sums;
  job.positions = sums.positions;
  job_run(&job, backward_weights_channels, MIN_PARALLEL_FLOAT_MACS);
  size_t flips = 0;
  for (size_t c = 0; c * job.chunk < g->out_ch; c++) flips += job.flips[c];
  return flips;
}

size_t conv_backward_weights(const MatmulKernels *mm, const ConvGeom *g, const float *dy,
                             const MatmulOperand *x, size_t B, float *grad,
                             const DenseUpdate *update, void *scratch) {
  return conv_backward(mm, g, &(ConvGradient){dy, NULL, NULL}, NULL, x, B, NULL, grad, update,
                       scratch);
}
