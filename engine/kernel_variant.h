/* kernel_variant.h — instantiates every element-wise loop for one instruction
 * set and defines that variant's KernelTable (kernels.h).
 *
 * Included once each by kernels_scalar.c, kernels_avx2.c and kernels_avx512.c,
 * which the Makefile compiles for baseline x86-64, AVX2 and AVX-512 (by file
 * name); the includer defines KERNEL_TABLE (the table's name) and
 * KERNEL_BGEMM (its binary GEMM kernel). The loops themselves are written once,
 * in layer_loops.h and optim_steps.h.
 */
#if !defined(KERNEL_TABLE) || !defined(KERNEL_BGEMM)
#error "define KERNEL_TABLE and KERNEL_BGEMM before including kernel_variant.h"
#endif

#include "engine/kernels.h"
#include "engine/layer_loops.h"
#include "engine/optim_steps.h"

const KernelTable KERNEL_TABLE = {
    .bgemm = KERNEL_BGEMM,
    .pack_rows = pack_rows,
    .sign_floats = sign_floats,
    .ste_backward = ste_backward_loop,
    .add_into = add_into,
    .bn_sums = bn_sums_loop,
    .bn_squares = bn_squares_loop,
    .bn_normalize = bn_normalize_loop,
    .bn_forward_eval = bn_forward_eval_loop,
    .bn_grad_sums = bn_grad_sums_loop,
    .bn_input_grad = bn_input_grad_loop,
    .max_window = max_window_loop,
    .max_window_backward = max_window_backward_loop,
    .opt_step = {[OPT_CEMA] = cema_step,
                 [OPT_ADAM] = adam_step,
                 [OPT_ADAMW] = adamw_step,
                 [OPT_SGD] = sgd_step,
                 [OPT_BOP] = bop_step,
                 [OPT_BOP2] = bop2_any_step,
                 [OPT_IIR] = iir_step},
};
