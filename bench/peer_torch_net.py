"""peer_torch_net.py: flipscope's binary networks in PyTorch, for bench/peer_torch.py.

Reads the same --model text as flipscope (app/cli/model_text.h): "mlp:H1xH2..." or
"cnn:L1-L2-..." with cN[kK][sS][v][r] (a K x K binary convolution to N channels,
stride S, 'same' padding unless v, r: Bi-Real's real shortcut), p / a / g (2x2 max /
average or global average pooling of the convolution before it) and fN (a binary
dense layer), then the classifier, a dense layer to the classes.

Each layer computes what engine/model_pass.c does: the product with its +-1 weights
(the first layer reads the data, the others the signs of the layer below; a real
first / last layer has real weights), for a convolution its pooling of that product,
batch norm (BatchNorm2d / BatchNorm1d: eps 1e-5, momentum 0.1), the real shortcut
z += z of the layer below, and for a hidden layer sign(z) (sign(0) = +1) with the
hard-tanh straight-through gradient. Activations are NCHW here, NHWC in flipscope:
a dense layer after a convolution flattens the channels in another order, which only
permutes its weights. 'same' padding is TensorFlow's (engine/conv_geom.h): P =
max((Ho - 1) s + k - H, 0) zeros per axis, P // 2 before the image, the rest after.
"""
import math
import re

import torch
import torch.nn.functional as F

MAX_LAYERS = 15  # MODEL_MAX_LAYERS - 1 hidden layers
MAX_WIDTH = 65536


class SpecError(ValueError):
    """A --model text or flag that flipscope would refuse."""


def _conv(text):
    m = re.fullmatch(r"c(\d+)((?:k\d+|s\d+|v|r)*)", text)
    if not m:
        raise SpecError(f"bad convolution '{text}' (cN with options kK, sS, v, r)")
    opts = re.findall(r"([ks])(\d+)|([vr])", m.group(2))
    names = [o[0] or o[2] for o in opts]
    if len(set(names)) != len(names):
        raise SpecError(f"'{text}': each option at most once")
    layer = {"kind": "conv", "units": int(m.group(1)), "kernel": 3, "stride": 1,
             "valid": False, "shortcut": False, "pool": None}
    for key, value, flag in opts:
        if key:
            if not 1 <= int(value) <= 63:
                raise SpecError(f"'{text}': kernel and stride are 1..63")
            layer["kernel" if key == "k" else "stride"] = int(value)
        else:
            layer["valid" if flag == "v" else "shortcut"] = True
    return layer


def _cnn_layers(body):
    layers = []
    for element in body.split("-"):
        if element in ("p", "a", "g"):
            below = layers[-1] if layers else None
            if not below or below["kind"] != "conv" or below["pool"] or below["shortcut"]:
                raise SpecError(f"pooling '{element}' must follow a convolution with none "
                                "and no shortcut")
            below["pool"] = {"p": "max", "a": "avg", "g": "global"}[element]
        elif element.startswith("c"):
            layers.append(_conv(element))
        elif re.fullmatch(r"f\d+", element):
            layers.append({"kind": "dense", "units": int(element[1:])})
        else:
            raise SpecError(f"element '{element}': each layer is cN, fN, p, a or g")
    return layers


def parse_model(text):
    """The hidden layers of a --model text, as dicts; raises SpecError."""
    if text.startswith("mlp:"):
        body = text[4:]
        if body and not re.fullmatch(r"\d+(x\d+)*", body):
            raise SpecError(f"--model '{text}': widths separated by 'x'")
        layers = [{"kind": "dense", "units": int(w)} for w in body.split("x")] if body else []
    elif text.startswith("cnn:"):
        layers = _cnn_layers(text[4:])
    else:
        raise SpecError(f"--model '{text}' is neither mlp:... nor cnn:...")
    if len(layers) > MAX_LAYERS or any(not 1 <= l["units"] <= MAX_WIDTH for l in layers):
        raise SpecError(f"--model '{text}': at most {MAX_LAYERS} layers of 1..{MAX_WIDTH} units")
    return layers


def _axis(size, k, s, valid):
    """Output length and zeros before / after along one axis (engine/conv_geom.c)."""
    if valid:
        if k > size:
            raise SpecError(f"a {k}x{k} valid convolution needs an input of at least {k}")
        return (size - k) // s + 1, 0, 0
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return out, total // 2, total - total // 2


class SignSTE(torch.autograd.Function):
    """sign(z) as +-1 (sign(0) = +1); backward: the gradient where |z| <= 1."""

    @staticmethod
    def forward(ctx, z):
        ctx.save_for_backward(z)
        return torch.where(z >= 0, 1.0, -1.0)

    @staticmethod
    def backward(ctx, grad):
        (z,) = ctx.saved_tensors
        return grad * (z.abs() <= 1)


def _real_init(shape, fan_in):
    """Uniform with unit output variance for unit-variance inputs (engine/model.c)."""
    bound = math.sqrt(3.0 / fan_in)
    return (torch.rand(shape) * 2 - 1) * bound


def _binary_init(shape):
    return torch.randint(0, 2, shape).float() * 2 - 1


class BinaryNet(torch.nn.Module):
    """The network of a --model text on images of `image` = (C, H, W) (flattened for
    an mlp:), with `classes` outputs. binary_weights / real_weights list the weight
    tensors by optimizer; binary_shapes the (K, N) of each binary layer, as flipscope's
    telemetry header lists them."""

    def __init__(self, text, image, classes, real_first=False, real_last=False):
        super().__init__()
        hidden = parse_model(text)
        self.cnn = text.startswith("cnn:")
        layers = hidden + [{"kind": "dense", "units": classes}]
        if len(layers) <= int(real_first) + int(real_last):
            raise SpecError("--real-first / --real-last leave no binary layer")
        self.layers = layers
        self.weights = torch.nn.ParameterList()
        self.norms = torch.nn.ModuleList()
        self.binary_shapes, real = [], []
        c, h, w = image
        flat = c * h * w
        for d, layer in enumerate(layers):
            is_real = (d == 0 and real_first) or (d == len(layers) - 1 and real_last)
            if layer["kind"] == "conv":
                if h == 0:
                    raise SpecError(f"layer {d + 1}: a convolution cannot follow a dense layer")
                c, h, w = self._shape_conv(layer, d, (c, h, w))
                flat = c * h * w
                taps, norm = layer["kernel"] ** 2 * layer["in"], torch.nn.BatchNorm2d(c)
                shape = (c, layer["in"], layer["kernel"], layer["kernel"])
            else:
                layer["image"] = (c, h, w) if h else None  # what it flattens, if an image
                taps, c, h, w = flat, layer["units"], 0, 0
                flat, norm, shape = c, torch.nn.BatchNorm1d(c), (c, taps)
            weight = torch.nn.Parameter(_real_init(shape, taps) if is_real else _binary_init(shape))
            if is_real:
                real.append(weight)
            else:
                self.binary_shapes.append((taps, c))
            self.weights.append(weight)
            self.norms.append(norm)
        self.real_weights = real
        self.binary_weights = [p for p in self.weights if all(p is not r for r in real)]

    @staticmethod
    def _shape_conv(layer, d, chw):
        """Fills the convolution's padding and input channels; returns its output (C, H, W)."""
        c, h, w = chw
        k, s = layer["kernel"], layer["stride"]
        ho, top, bottom = _axis(h, k, s, layer["valid"])
        wo, left, right = _axis(w, k, s, layer["valid"])
        layer["in"], layer["pad"] = c, (left, right, top, bottom)
        if layer["shortcut"] and (d == 0 or (layer["units"], ho, wo) != chw):
            raise SpecError(f"layer {d + 1}: a real shortcut needs a layer below of its shape")
        if layer["pool"] in ("max", "avg"):
            if ho < 2 or wo < 2:
                raise SpecError(f"layer {d + 1}: 2x2 pooling needs at least 2x2")
            ho, wo = ho // 2, wo // 2
        elif layer["pool"] == "global":
            ho = wo = 1
        return layer["units"], ho, wo

    @staticmethod
    def _product(layer, x, weight):
        """The layer's product (pooled for a convolution)."""
        if layer["kind"] == "dense":
            return x.flatten(1) @ weight.t()
        left, right, top, bottom = layer["pad"]
        if left == right and top == bottom:
            y = F.conv2d(x, weight, stride=layer["stride"], padding=(top, left))
        else:
            y = F.conv2d(F.pad(x, layer["pad"]), weight, stride=layer["stride"])
        if layer["pool"] == "max":
            return F.max_pool2d(y, 2)
        if layer["pool"] == "avg":
            return F.avg_pool2d(y, 2)
        if layer["pool"] == "global":
            return y.mean((2, 3), keepdim=True)
        return y

    def forward(self, x):
        """Logits of a batch x: N x C x H x W images (cnn:) or N x features (mlp:)."""
        z_below = None
        for d, (layer, weight, norm) in enumerate(zip(self.layers, self.weights, self.norms)):
            z = norm(self._product(layer, x, weight))
            if layer.get("shortcut"):
                z = z + z_below
            if d + 1 < len(self.layers):
                x, z_below = SignSTE.apply(z), z
        return z
