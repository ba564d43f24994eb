#!/usr/bin/python3
"""peer_torch.py: flipscope's training step in PyTorch, the peer of its throughput benchmarks.

The same network and optimizers as `flipscope --headless --data fashion --batch 100
--model TEXT [--real-first] [--real-last] --opt cema|adam` (bench/peer_torch_net.py
builds the network from the same --model text). The binary weights are stepped by
CEMA (m <- (1-gamma) m + gamma g, i <- (1-alpha) i + alpha m, flip where i b > 0;
alpha 1e-3, gamma 0.1, m and i starting at 0) or by latent Adam (lr 1e-3, betas 0.9,
0.999, eps 1e-8; latent w with |w| ~ U(0, 0.03) and b's sign, b flips where w b < 0),
the gradient dL/db being the straight-through one; batch-norm parameters and the real
layers' weights by Adam at --real-lr (1e-3). flipscope's default schedules are
constant within the first epoch, which is all a benchmark run trains. Fashion-MNIST
from Debian's dataset-fashion-mnist, scaled to [-1, 1]; batches in a random order.

    /usr/bin/python3 bench/peer_torch.py [--model TEXT] [--real-first] [--real-last]
        [--opt cema|adam] [--steps N] [--warmup W] [--threads T] [--test]
    /usr/bin/python3 bench/peer_torch.py --model TEXT [--real-first] [--real-last]
        --eval-checkpoint FILE

Prints one JSON line: samples per second over N training steps (default 300) after W
warm-up steps (default 20), the thread set-up (--threads calls torch.set_num_threads;
OPENBLAS_NUM_THREADS is read from the environment, as PyTorch's BLAS reads it), the
loss of the first and the last step, the binary layers' (inputs, outputs) and the
parameter counts, with --test the accuracy on the test split (batch-norm running
statistics, after the timed steps), and the process's peak resident memory. With
--eval-checkpoint it trains nothing and prints the test accuracy of the weights and
batch-norm statistics of a flipscope checkpoint of the same model (peer_torch_ckpt.py),
which flipscope's own test accuracy of that run must equal: the same forward pass.
"""
import argparse
import gzip
import json
import os
import resource
import sys
import time

import numpy as np
import torch

from peer_torch_ckpt import CheckpointError, load_checkpoint
from peer_torch_net import BinaryNet, SpecError

DATA = "/usr/share/datasets/fashion-mnist"
BATCH, CLASSES = 100, 10  # the test split is classified in batches of 100 too
ALPHA, GAMMA, LR, INIT_SCALE = 1e-3, 0.1, 1e-3, 0.03


def idx(name, offset):
    with gzip.open(os.path.join(DATA, name)) as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


def split(prefix, image):
    """Images as bytes (n x C x H x W for a CNN, n x features otherwise), and labels."""
    pixels = torch.from_numpy(idx(f"{prefix}-images-idx3-ubyte.gz", 16).copy())
    labels = torch.from_numpy(idx(f"{prefix}-labels-idx1-ubyte.gz", 8).astype(np.int64))
    return pixels.reshape(len(labels), *(image or (-1,))), labels


def scaled(pixels):
    """A batch of bytes 0..255 as floats in [-1, 1] (kept as bytes until then, as a
    DataLoader keeps its data set)."""
    return pixels.float() * (2.0 / 255.0) - 1.0


class Cema:
    """CEMA on the binary weights: the +-1 tensors themselves are the state."""

    def __init__(self, weights):
        self.state = [(w, torch.zeros_like(w), torch.zeros_like(w)) for w in weights]

    def step(self):
        with torch.no_grad():
            for w, m, i in self.state:
                m.mul_(1 - GAMMA).add_(w.grad, alpha=GAMMA)
                i.mul_(1 - ALPHA).add_(m, alpha=ALPHA)
                w.mul_(torch.where(i * w > 0, -1.0, 1.0))


class LatentAdam:
    """Adam on latent weights whose signs are the binary weights."""

    def __init__(self, weights):
        self.pairs = [(w, (torch.rand_like(w) * INIT_SCALE * w.detach()).requires_grad_())
                      for w in weights]
        self.adam = torch.optim.Adam([latent for _, latent in self.pairs], lr=LR)

    def step(self):
        for w, latent in self.pairs:
            latent.grad = w.grad
        self.adam.step()
        with torch.no_grad():
            for w, latent in self.pairs:
                w.mul_(torch.where(latent * w < 0, -1.0, 1.0))


def test_accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        right = sum((model(scaled(x[i:i + BATCH])).argmax(1) == y[i:i + BATCH]).sum().item()
                    for i in range(0, len(y), BATCH))
    model.train()
    return right / len(y)


def train(model, binary_opt, real_opt, x_all, labels, steps, warmup):
    """Runs warmup + steps training steps; returns (seconds of the last steps, first and
    last loss)."""
    order = torch.randperm(len(labels))
    start, first = 0.0, None
    for step in range(warmup + steps):
        if step == warmup:
            start = time.perf_counter()
        at = (step * BATCH) % len(labels)
        batch = order[at:at + BATCH]
        loss = torch.nn.functional.cross_entropy(model(scaled(x_all[batch])), labels[batch])
        real_opt.zero_grad(set_to_none=True)
        for w in model.binary_weights:
            w.grad = None
        loss.backward()
        real_opt.step()
        binary_opt.step()
        first = loss.item() if first is None else first
    return time.perf_counter() - start, first, loss.item()


def evaluate_checkpoint(a, model, image):
    """Prints the test accuracy of the network with a checkpoint's weights."""
    try:
        load_checkpoint(a.eval_checkpoint, model, a.real_first, a.real_last)
    except (OSError, CheckpointError) as e:
        print(f"peer_torch.py: --eval-checkpoint {a.eval_checkpoint}: {e}", file=sys.stderr)
        sys.exit(1)
    acc = test_accuracy(model, *split("t10k", image))
    print(json.dumps({"model": a.model, "checkpoint": a.eval_checkpoint,
                      "test_acc": round(acc, 4)}, separators=(",", ":")))


def arguments():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", default="mlp:1024x1024")
    p.add_argument("--real-first", action="store_true")
    p.add_argument("--real-last", action="store_true")
    p.add_argument("--opt", choices=("cema", "adam"), default="cema")
    p.add_argument("--real-lr", type=float, default=1e-3)
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--threads", type=int, help="torch.set_num_threads (default: PyTorch's own)")
    p.add_argument("--test", action="store_true", help="also report the test accuracy")
    p.add_argument("--eval-checkpoint", metavar="FILE",
                   help="no training: the test accuracy of a flipscope checkpoint's weights")
    a = p.parse_args()
    if a.steps < 1 or a.warmup < 0 or (a.threads is not None and a.threads < 1):
        p.error("--steps and --threads must be at least 1, --warmup at least 0")
    return a


def main():
    a = arguments()
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    image = (1, 28, 28) if a.model.startswith("cnn:") else None
    try:
        model = BinaryNet(a.model, image or (1, 28, 28), CLASSES, a.real_first, a.real_last)
    except SpecError as e:
        print(f"peer_torch.py: --model {a.model}: {e}", file=sys.stderr)
        sys.exit(2)
    if a.eval_checkpoint:
        evaluate_checkpoint(a, model, image)
        return
    x_all, labels = split("train", image)
    real = list(model.norms.parameters()) + model.real_weights
    real_opt = torch.optim.Adam(real, lr=a.real_lr)
    binary_opt = (Cema if a.opt == "cema" else LatentAdam)(model.binary_weights)
    seconds, first, last = train(model, binary_opt, real_opt, x_all, labels, a.steps, a.warmup)
    out = {"samples_per_s": round(a.steps * BATCH / seconds, 1), "steps": a.steps,
           "warmup": a.warmup, "model": a.model, "real_first": a.real_first,
           "real_last": a.real_last, "opt": a.opt, "torch": torch.__version__,
           "torch_threads": torch.get_num_threads(),
           "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "default"),
           "loss_first": round(first, 4), "loss": round(last, 4),
           "binary_layers": model.binary_shapes,
           "binary_weights": sum(w.numel() for w in model.binary_weights),
           "real_params": sum(p.numel() for p in real)}
    if a.test:
        out["test_acc"] = round(test_accuracy(model, *split("t10k", image)), 4)
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(out, separators=(",", ":")))


if __name__ == "__main__":
    main()
