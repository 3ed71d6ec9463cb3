"""convlib.nn.layer_cost and chain_cost: hand counts, a layer run on ones, errors."""

import numpy as np
import pytest

from convlib import nn

HW = (56, 56)


def test_hand_counts_of_a_resnet_layer():
    # 64 -> 64 channels, 3x3, 'same', 56x56, batch 1, float32, by hand:
    # weights 64*64*9 = 36864 + 64 biases; MACs = 64*56*56 outputs * 64*9 products;
    # input = output = 64*56*56*4 bytes = 802816
    c = nn.layer_cost(64, 64, 3, HW, padding="same")
    assert c["params"] == 36864 + 64 == 36928
    assert c["macs"] == 64 * 3136 * 576 == 115_605_504 and c["flops"] == 2 * c["macs"]
    assert c["input_bytes"] == c["output_bytes"] == 802_816
    assert c["weight_bytes"] == 147_712 and c["bytes"] == 2 * 802_816 + 147_712
    assert c["intensity"] == 231_211_008 / 1_753_344 and c["out"] == HW


def test_hand_counts_of_the_variants():
    dw = nn.layer_cost(64, 64, 3, HW, groups=64, padding="same")
    assert (dw["params"], dw["macs"]) == (64 * 9 + 64, 64 * 3136 * 9)
    assert dw["bytes"] == 2 * 802_816 + 640 * 4
    pw = nn.layer_cost(64, 64, 1, HW)
    assert (pw["params"], pw["macs"]) == (64 * 64 + 64, 64 * 3136 * 64)
    g8 = nn.layer_cost(64, 64, 3, HW, groups=8, padding=1)
    assert g8["macs"] == 115_605_504 // 8 and g8["params"] == 36864 // 8 + 64
    pair = nn.chain_cost([dw, pw])
    assert pair["macs"] == dw["macs"] + pw["macs"] == 14_651_392
    # the 56x56x64 intermediate is written by one layer and read by the next
    assert pair["bytes"] == dw["bytes"] + pw["bytes"] == 4 * 802_816 + (640 + 4160) * 4
    assert pair["intensity"] == pair["flops"] / pair["bytes"]
    # depthwise has the lowest intensity of all: ~2 FLOP per byte
    assert dw["intensity"] < 2.5 < pair["intensity"] < pw["intensity"]


def test_options_change_what_they_should():
    base = nn.layer_cost(16, 32, (3, 5), (20, 30), padding=0)
    assert base["out"] == (18, 26)
    strided = nn.layer_cost(16, 32, (3, 5), (20, 30), stride=2)
    assert strided["out"] == (9, 13) and strided["params"] == base["params"]
    dilated = nn.layer_cost(16, 32, (3, 5), (20, 30), dilation=2)
    assert dilated["out"] == (16, 22)
    batch = nn.layer_cost(16, 32, (3, 5), (20, 30), batch=4)
    assert batch["macs"] == 4 * base["macs"] and batch["weight_bytes"] == base["weight_bytes"]
    half = nn.layer_cost(16, 32, (3, 5), (20, 30), itemsize=2, bias=False)
    assert half["params"] == 32 * 16 * 15 and half["bytes"] * 2 == (
        base["bytes"] - 32 * 4)
    assert nn.layer_cost(4, 8, 3, 50)["out"] == (48,)                    # 1-D
    assert nn.layer_cost(4, 8, 3, (6, 7, 8))["out"] == (4, 5, 6)         # 3-D


@pytest.mark.parametrize("c_in, c_out, k, groups, size, stride, padding", [
    (6, 4, 3, 2, (9, 8), 1, 1), (3, 6, (2, 3), 3, (7, 7), 2, 0), (4, 4, 1, 4, (5, 6), 1, 0),
    (2, 3, 3, 1, (6, 5), (2, 1), ((1, 0), (2, 1))),
])
def test_macs_equal_a_layer_run_on_ones(c_in, c_out, k, groups, size, stride, padding):
    # independent count: with all-ones weights and a (padded) all-ones input, each
    # output equals the number of products it sums
    c = nn.layer_cost(c_in, c_out, k, size, groups=groups, stride=stride,
                      padding=padding)
    kk = (k, k) if isinstance(k, int) else k
    pads = padding if isinstance(padding, tuple) else ((padding,) * 2,) * 2
    ones = np.pad(np.ones((1, c_in) + size), ((0, 0), (0, 0)) + pads, constant_values=1)
    y = nn.conv2d(ones, np.ones((c_out, c_in // groups) + kk), stride=stride,
                  groups=groups)
    assert c["macs"] == int(y.sum()) and c["out"] == y.shape[2:]
    assert c["output_bytes"] == y.size * 4


@pytest.mark.parametrize("args, kwargs, exc, match", [
    ((8, 6, 3, (5, 5)), dict(groups=4), ValueError,
     "layer_cost: groups must divide in_channels and out_channels; got groups=4, "
     "in_channels=8, out_channels=6"),
    ((0, 6, 3, (5, 5)), {}, ValueError, "layer_cost: in_channels must be >= 1; got 0"),
    ((4, 6, 3, (5, 5)), dict(itemsize=0), ValueError, "itemsize must be >= 1"),
    ((4, 6, 3.0, (5, 5)), {}, TypeError, "layer_cost: kernel_size"),
    ((4, 6, 7, (5, 5)), {}, ValueError, "layer_cost: the padded input"),
    ((4, 6, 3, (5, 5)), dict(stride=2, padding="same"), ValueError,
     "layer_cost: padding='same' requires stride 1"),
    ((4, 6, 3, (5, 5)), dict(bias=1), TypeError,
     "layer_cost: bias must be True or False; got 1"),
])
def test_errors(args, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        nn.layer_cost(*args, **kwargs)


def test_chain_of_nothing_is_refused():
    with pytest.raises(ValueError, match="chain_cost: costs must hold at least one"):
        nn.chain_cost([])
