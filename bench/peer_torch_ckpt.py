"""peer_torch_ckpt.py: a flipscope checkpoint's weights into bench/peer_torch_net.py's network.

Reads the sections MODL and REAL of the format engine/checkpoint.h describes
(version 3 or 4, little-endian): the binary layers' signs (1 bit per weight, LSB
first) and the real layers' weights, with every layer's batch-norm scale, shift and
running statistics. flipscope's weight rows are NHWC: a convolution's row is tap
(kh, kw) channel c at (kh k + kw) C + c, a dense layer's input after a convolution
is pixel (h, w) channel c at (h W + w) C + c; both are permuted to PyTorch's NCHW.
"""
import struct

import numpy as np
import torch


class CheckpointError(ValueError):
    """A file that is not a checkpoint of this network."""


def _sections(data):
    if data[:8] != b"FLIPSCKP":
        raise CheckpointError("not a flipscope checkpoint")
    version, header = struct.unpack_from("<II", data, 8)
    if version < 3:
        raise CheckpointError(f"version {version}: the peer reads versions 3 and up")
    at, found = header, {}
    while at + 12 <= len(data) - 4:
        tag, length = data[at:at + 4].decode("latin-1"), struct.unpack_from("<Q", data, at + 4)[0]
        found[tag] = memoryview(data)[at + 12:at + 12 + length]
        at += 12 + length
    if "MODL" not in found or "REAL" not in found:
        raise CheckpointError("no MODL or REAL section")
    return found


class _Reader:
    def __init__(self, buf):
        self.buf, self.at = buf, 0

    def take(self, fmt):
        values = struct.unpack_from("<" + fmt, self.buf, self.at)
        self.at += struct.calcsize("<" + fmt)
        return values

    def floats(self, n):
        out = np.frombuffer(self.buf, "<f4", n, self.at).copy()
        self.at += 4 * n
        return torch.from_numpy(out)

    def signs(self, n):
        bits = np.unpackbits(np.frombuffer(self.buf, np.uint8, (n + 7) // 8, self.at),
                             bitorder="little")[:n]
        self.at += (n + 7) // 8
        return torch.from_numpy(bits.astype(np.float32) * 2 - 1)


def _norm(reader, n):
    return [reader.floats(n) for _ in range(4)]  # scale, shift, running mean, variance


def _modl(buf):
    r = _Reader(buf)
    n_layers, _, _ = r.take("QQQ")
    flags = r.take("I")[0]
    if flags & 4:  # a CNN: the image, then each hidden layer's spec
        _, _, _, n_hidden = r.take("QQQQ")
        for _ in range(n_hidden):
            r.take("Q5I")
    shapes = [r.take("QQ") for _ in range(n_layers)]
    return flags, [(r.signs(k * n), _norm(r, n)) for k, n in shapes]


def _real(buf, count):
    r = _Reader(buf)
    layers = []
    for _ in range(count):
        k, n = r.take("QQ")
        layers.append((r.floats(k * n), _norm(r, n)))
    return layers


def _torch_layout(layer, flat, shape):
    """flipscope's N x K weight rows as the PyTorch weight of `shape`."""
    n = shape[0]
    if layer["kind"] == "conv":
        k, c = layer["kernel"], layer["in"]
        return flat.reshape(n, k, k, c).permute(0, 3, 1, 2).contiguous()
    if layer.get("image"):
        c, h, w = layer["image"]
        return flat.reshape(n, h, w, c).permute(0, 3, 1, 2).reshape(n, -1).contiguous()
    return flat.reshape(shape)


def load_checkpoint(path, model, real_first, real_last):
    """Copies the checkpoint at path into model (a BinaryNet of the same spec and flags)."""
    with open(path, "rb") as f:
        found = _sections(f.read())
    flags, binary = _modl(found["MODL"])
    if (bool(flags & 1), bool(flags & 2)) != (real_first, real_last):
        raise CheckpointError("its real first / last layers differ from the flags given")
    real = _real(found["REAL"], int(real_first) + int(real_last))
    order = (real[:1] if real_first else []) + binary + (real[-1:] if real_last else [])
    if len(order) != len(model.layers):
        raise CheckpointError(f"{len(order)} layers, the network has {len(model.layers)}")
    with torch.no_grad():
        for layer, weight, norm, (flat, stats) in zip(model.layers, model.weights, model.norms,
                                                      order):
            if flat.numel() != weight.numel():
                raise CheckpointError("a layer's weights differ in number from the network's")
            weight.copy_(_torch_layout(layer, flat, weight.shape))
            for dst, src in zip((norm.weight, norm.bias, norm.running_mean, norm.running_var),
                                stats):
                dst.copy_(src)
