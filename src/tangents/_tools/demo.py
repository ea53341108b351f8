"""``python -m tangents demo``: train a small convolutional network on scikit-learn's digits.

The model, its loss and its training loop are plain NumPy-style code differentiated by
tangents; the training step's gradient is compiled with `tangents.jit`; the optimizer is
`tangents.optim.adam`.  Before training, the model's gradient is
checked against finite differences with `tangents.check_grads`.  Needs the ``demo`` extras
(scikit-learn, matplotlib, tqdm): ``pip install tangents[demo]``.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

__all__ = ["main", "build_model", "load_data"]


def _require():
    missing = []
    for name in ("sklearn", "matplotlib", "tqdm"):
        try:
            __import__(name)
        except ImportError:
            missing.append(name)
    if missing:
        raise SystemExit(f"the demo needs {', '.join(missing)}: pip install tangents[demo]")


def build_model():
    from .. import nn
    return nn.Sequential(
        nn.Conv2D(16, 3, padding="SAME"), nn.ReLU(),
        nn.Conv2D(32, 3, padding="SAME"), nn.ReLU(), nn.MaxPool2D(2),
        nn.Flatten(), nn.Dense(64), nn.ReLU(), nn.Dense(10))


def load_data(seed=0, test_fraction=0.2, subset=None):
    """The 8x8 digits as NHWC float32 in [0, 1], split into train and test sets."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)[..., None]
    y = digits.target.astype(np.int64)
    perm = np.random.default_rng(seed).permutation(len(y))
    n_test = int(round(test_fraction * len(y)))
    test, train = perm[:n_test], perm[n_test:]
    if subset is not None:
        train = train[:subset]
    return x[train], y[train], x[test], y[test]


def _parser():
    p = argparse.ArgumentParser(
        prog="python -m tangents demo",
        description="Train a small CNN on scikit-learn's 8x8 digits with tangents and "
                    "tangents.optim.adam; write a PNG of the training curves and predictions.")
    p.add_argument("--epochs", type=int, default=8, help="training epochs (default 8)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--output", default="tangents_demo.png",
                   help="where to write the PNG (default tangents_demo.png)")
    p.add_argument("--batch-size", type=int, default=32, help="minibatch size (default 32)")
    p.add_argument("--lr", type=float, default=3e-3, help="Adam learning rate (default 3e-3)")
    p.add_argument("--subset", type=int, default=None,
                   help="train on only this many examples (for a quick run)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    return p


def _plot(path, history, x_test, y_test, pred):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(11, 4.5))
    grid = fig.add_gridspec(4, 10)
    ax = fig.add_subplot(grid[:, :3])
    epochs = np.arange(1, len(history["loss"]) + 1)
    ax.plot(epochs, history["loss"], "o-", label="train loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross-entropy")
    ax.set_title("training loss")
    ax2 = fig.add_subplot(grid[:, 3:6])
    ax2.plot(epochs, 100 * np.asarray(history["acc"]), "o-", color="tab:green")
    ax2.set_xlabel("epoch")
    ax2.set_ylabel("test accuracy (%)")
    ax2.set_title("test accuracy")
    for k in range(16):
        a = fig.add_subplot(grid[k // 4, 6 + k % 4])
        a.imshow(x_test[k, :, :, 0], cmap="gray_r")
        ok = pred[k] == y_test[k]
        a.set_title(f"{pred[k]}" if ok else f"{pred[k]} ({y_test[k]})", fontsize=9,
                    color="black" if ok else "red")
        a.axis("off")
    fig.suptitle("tangents demo: CNN on 8x8 digits")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None):
    args = _parser().parse_args(argv)
    _require()
    from tqdm import tqdm

    import tangents as tg
    from tangents import nn, optim

    start = time.perf_counter()
    x_train, y_train, x_test, y_test = load_data(args.seed, subset=args.subset)
    print(f"digits: {len(y_train)} training and {len(y_test)} test images of 8x8 pixels")
    model = build_model()
    rng = np.random.default_rng(args.seed)
    params = model.init(rng, (None, 8, 8, 1))

    def loss_fn(params, x, y):
        return nn.cross_entropy(model.apply(params, x), y)

    # gradient check on a small batch, in float64 so finite differences are accurate; the
    # blank background makes zero-initialised biases sit exactly on relu's kink, where finite
    # differences and derivatives legitimately differ, so the check uses small random biases
    check_rng = np.random.default_rng(args.seed + 1)
    params64 = [{k: (v if k != "b" else 0.1 * check_rng.standard_normal(v.shape)
                     ).astype(np.float64) for k, v in p.items()} for p in params]
    tg.check_grads(lambda p: loss_fn(p, x_train[:4].astype(np.float64), y_train[:4]),
                   (params64,), order=1, max_entries=60)
    print("gradient check: reverse and forward mode agree with finite differences")

    opt = optim.adam(args.lr)
    state = opt.init(params)
    # the training step's loss and gradient, traced once per batch shape and then replayed
    grad_fn = tg.jit(tg.value_and_grad(loss_fn))
    history = {"loss": [], "acc": []}
    n = len(y_train)
    for epoch in range(1, args.epochs + 1):
        perm = rng.permutation(n)
        batches = range(0, n, args.batch_size)
        bar = tqdm(batches, desc=f"epoch {epoch}/{args.epochs}", leave=False,
                   disable=args.no_progress, file=sys.stderr)
        total = 0.0
        for i in bar:
            idx = perm[i:i + args.batch_size]
            loss, grads = grad_fn(params, x_train[idx], y_train[idx])
            updates, state = opt.update(grads, state, params)
            params = optim.apply_updates(params, updates)
            total += float(loss) * len(idx)
            bar.set_postfix(loss=f"{float(loss):.3f}")
        bar.close()
        pred = np.argmax(model.apply(params, x_test), axis=-1)
        acc = float(np.mean(pred == y_test))
        history["loss"].append(total / n)
        history["acc"].append(acc)
        print(f"epoch {epoch:2d}: train loss {total / n:.4f}, test accuracy {100 * acc:.1f}%")
    pred = np.argmax(model.apply(params, x_test), axis=-1)
    acc = float(np.mean(pred == y_test))
    path = os.path.abspath(args.output)
    _plot(path, history, x_test, y_test, pred)
    print(f"wrote {path}")
    print(f"trained in {time.perf_counter() - start:.1f} s")
    print(f"test accuracy: {100 * acc:.1f}%")
    return acc


if __name__ == "__main__":  # pragma: no cover
    main()
