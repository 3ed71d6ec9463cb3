"""Chapter 13's kernel-learning picture: labels read as numbers, never as "-0.0"."""

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
