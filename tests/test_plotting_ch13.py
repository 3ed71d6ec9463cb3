"""Chapter 13's figures: the kernel-learning picture (labels read as numbers, never as
"-0.0"), the annotated grids, the gradient-check scatter and the learning curve."""

import matplotlib.pyplot as plt
import numpy as np

import convlib as cl


def test_draw_kernel_learning_labels():
    fig = plt.figure()
    target = np.array([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    kernels = np.stack([np.zeros((3, 3)), target * 0.5 - 0.003])
    cl.plotting.draw_kernel_learning(fig, kernels, np.array([1.0, 0.25]), 1, target)
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert labels == ["-0.5", "0.0", "0.5", "-1.0", "0.0", "1.0", "-0.5", "0.0", "0.5"]
    colours = [t.get_color() for t in fig.axes[1].texts]   # white on the darkest cells
    assert colours.count("white") == 2 and colours[3] == colours[5] == "white"
    plt.close(fig)


def test_draw_annotated_grids_writes_every_value():
    fig = plt.figure()
    g_dil = np.array([[1.0, 0, 2], [0, 0, 0], [0, 0, -1]])
    axes = cl.plotting.draw_annotated_grids(fig, [np.arange(4.0).reshape(2, 2), g_dil],
                                            ["x", "dilated"])
    assert len(axes) == 2 and [ax.get_title() for ax in axes] == ["x", "dilated"]
    assert [t.get_text() for t in axes[1].texts] == [
        "1", "0", "2", "0", "0", "0", "0", "0", "-1"]
    assert axes[1].images[0].get_clim() == (-2, 2)          # symmetric about zero
    plt.close(fig)


def test_draw_gradient_check_leaves_out_zeros_and_draws_thresholds():
    fig, ax = plt.subplots()
    grads = {"x": np.array([1e-3, 1.0, 0.0]), "w": np.array([0.5, 2.0])}
    errors = {"x": np.array([1e-4, 1e-7, 0.0]), "w": np.array([0.0, 1e-8])}
    cl.plotting.draw_gradient_check(ax, grads, errors, rounding=1e-7)
    points = [line.get_xydata() for line in ax.lines[:2]]
    assert points[0].tolist() == [[1e-3, 1e-4], [1.0, 1e-7]]    # the zero left out
    assert points[1].tolist() == [[2.0, 1e-8]]
    assert [t.get_text() for t in ax.texts] == ["1e-07", "1e-04", "1e-02"]
    assert ax.get_xscale() == ax.get_yscale() == "log"
    plt.close(fig)


def test_draw_learning_curve():
    fig = plt.figure()
    cl.plotting.draw_learning_curve(fig, [2.0, 1.0, 0.5],
                                    {"train": [0.5, 0.8, 0.9], "test": [0.4, 0.7, 0.85]},
                                    chance=0.1)
    loss_ax, acc_ax = fig.axes
    assert loss_ax.lines[0].get_ydata().tolist() == [2.0, 1.0, 0.5]
    assert [line.get_label() for line in acc_ax.lines] == ["train", "test", "chance"]
    markers = {line.get_marker() for line in acc_ax.lines[:2]}
    assert len(markers) == 2                                 # not colour alone
    assert list(acc_ax.lines[2].get_ydata()) == [0.1, 0.1]
    plt.close(fig)
