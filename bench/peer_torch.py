#!/usr/bin/python3
"""peer_torch.py: W1 in PyTorch, the peer of flipscope's W1 throughput benchmark.

The same network and optimizer as `flipscope --data fashion --model mlp:1024x1024
--batch 100 --opt cema`: binary dense layers (+-1 weights) each followed by batch norm,
sign activations with the straight-through (hard-tanh) gradient, softmax cross-entropy;
the binary weights stepped by CEMA (m <- (1-gamma) m + gamma g, i <- (1-alpha) i +
alpha m, flip where i b > 0; alpha 1e-3, gamma 0.1), the batch-norm parameters by Adam
(lr 1e-3). Fashion-MNIST from Debian's dataset-fashion-mnist, scaled to [-1, 1].

    /usr/bin/python3 bench/peer_torch.py [STEPS] [TORCH_THREADS]

Prints one JSON line: samples per second over STEPS training steps (default 300) after
20 warm-up steps, with the thread set-up it ran under. OPENBLAS_NUM_THREADS is read
from the environment, as PyTorch's BLAS reads it.
"""
import gzip
import json
import os
import sys
import time

import numpy as np
import torch

DATA = "/usr/share/datasets/fashion-mnist"
BATCH, HIDDEN, WARMUP = 100, 1024, 20
ALPHA, GAMMA, REAL_LR = 1e-3, 0.1, 1e-3


def idx(name, offset):
    with gzip.open(os.path.join(DATA, name)) as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


class SignSTE(torch.autograd.Function):
    @staticmethod
    def forward(ctx, z):
        ctx.save_for_backward(z)
        return torch.where(z >= 0, 1.0, -1.0)

    @staticmethod
    def backward(ctx, grad):
        (z,) = ctx.saved_tensors
        return grad * (z.abs() <= 1)


class BinaryMLP(torch.nn.Module):
    def __init__(self, sizes):
        super().__init__()
        # The +-1 weights are the trained state itself (no latent weights).
        self.weights = torch.nn.ParameterList(
            torch.nn.Parameter(torch.randint(0, 2, (n, k)).float() * 2 - 1)
            for k, n in zip(sizes, sizes[1:]))
        self.norms = torch.nn.ModuleList(torch.nn.BatchNorm1d(n) for n in sizes[1:])

    def forward(self, x):
        for layer, (w, bn) in enumerate(zip(self.weights, self.norms)):
            x = bn(x @ w.t())
            if layer + 1 < len(self.weights):
                x = SignSTE.apply(x)
        return x


def main():
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    if len(sys.argv) > 2:
        torch.set_num_threads(int(sys.argv[2]))
    torch.manual_seed(1)
    images = torch.from_numpy(idx("train-images-idx3-ubyte.gz", 16).reshape(-1, 784).copy())
    labels = torch.from_numpy(idx("train-labels-idx1-ubyte.gz", 8).astype(np.int64))
    x_all = images.float() * (2.0 / 255.0) - 1.0
    model = BinaryMLP([784, HIDDEN, HIDDEN, 10])
    real_opt = torch.optim.Adam(model.norms.parameters(), lr=REAL_LR)
    m = [torch.zeros_like(w) for w in model.weights]
    i = [torch.zeros_like(w) for w in model.weights]
    order = torch.randperm(len(labels))
    start = 0.0
    for step in range(WARMUP + steps):
        if step == WARMUP:
            start = time.perf_counter()
        at = (step * BATCH) % len(labels)
        batch = order[at:at + BATCH]
        loss = torch.nn.functional.cross_entropy(model(x_all[batch]), labels[batch])
        real_opt.zero_grad(set_to_none=True)
        for w in model.weights:
            w.grad = None
        loss.backward()
        real_opt.step()
        with torch.no_grad():
            for w, mw, iw in zip(model.weights, m, i):
                mw.mul_(1 - GAMMA).add_(w.grad, alpha=GAMMA)
                iw.mul_(1 - ALPHA).add_(mw, alpha=ALPHA)
                w.mul_(torch.where(iw * w > 0, -1.0, 1.0))
    seconds = time.perf_counter() - start
    print(json.dumps({
        "samples_per_s": round(steps * BATCH / seconds, 1), "steps": steps,
        "torch": torch.__version__, "torch_threads": torch.get_num_threads(),
        "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "default"),
        "loss": round(loss.item(), 4)}))


if __name__ == "__main__":
    main()
