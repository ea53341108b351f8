"""numpy/_rearranging.py through the shared harness: roll, flips, rot90, tile, repeat,
resize, insert/delete and trim_zeros; NumPy's functions dispatching here; NumPy's errors."""
import functools

import numpy as np
import pytest
from harness import Case, both, case_id, check_case, rand

import tangents as tg
import tangents.numpy as tnp

P = functools.partial

CASES = [
    both("roll", lambda m, x: m.roll(x, 4), rand((2, 3))),
    both("roll-axes", lambda m, x: m.roll(x, (1, -4, 1), axis=(0, -1, 0)), rand((3, 4))),
    both("roll-empty", lambda m, x: m.roll(x, 1, axis=0), rand((0, 3))),
    both("flip", lambda m, x: m.flip(x), rand((2, 3))),
    both("flip-axis", lambda m, x: m.flip(x, (0, -1)), rand((2, 1, 3))),
    both("flip-0d", lambda m, x: m.flip(x), rand(())),
    both("fliplr", lambda m, x: m.fliplr(x), rand((2, 3))),
    both("flipud", lambda m, x: m.flipud(x), rand((2, 3))),
]
CASES += [both(f"rot90-k{k}", lambda m, x, k=k: m.rot90(x, k, axes=(2, -3)), rand((2, 3, 4)))
          for k in (-1, 0, 1, 2, 3)]
CASES += [
    both("tile", lambda m, x: m.tile(x, (2, 1, 3)), rand((2, 3))),
    both("tile-int", lambda m, x: m.tile(x, 2), rand((3,))),
    both("tile-0d", lambda m, x: m.tile(x, (2, 2)), rand(())),
    both("repeat", lambda m, x: m.repeat(x, 2, axis=-1), rand((2, 3))),
    both("repeat-array", lambda m, x: m.repeat(x, [1, 0, 3], axis=1), rand((2, 3))),
    both("repeat-none", lambda m, x: m.repeat(x, 2), rand((2, 2))),
    both("repeat-0d", lambda m, x: m.repeat(x, 3), rand(())),
    Case("resize", P(tnp.resize, new_shape=(4, 2)), (rand((3,)),),
         np_fun=P(np.resize, new_shape=(4, 2))),
    Case("resize-empty", P(tnp.resize, new_shape=3), (rand((0,)),),
         np_fun=P(np.resize, new_shape=3), float32=False),
    both("insert", lambda m, x, v: m.insert(x, 1, v, axis=1), rand((2, 3)), rand((2, 1), seed=1)),
    both("insert-seq", lambda m, x, v: m.insert(x, [0, 2, 2], v, axis=0), rand((3, 2)),
         rand((), seed=1)),
    both("insert-flat", lambda m, x, v: m.insert(x, 3, v), rand((2, 2)), rand((2,), seed=1)),
    both("delete", lambda m, x: m.delete(x, [0, 2], axis=-1), rand((2, 3))),
    both("delete-flat", lambda m, x: m.delete(x, slice(1, None, 2)), rand((2, 3))),
    Case("trim_zeros", lambda x: tnp.trim_zeros(x * np.array([0.0, 1, 0, 1, 0])),
         (rand((5,)),), np_fun=lambda x: np.trim_zeros(x * np.array([0.0, 1, 0, 1, 0])),
         vmap=False),
]

try:  # trim_zeros takes axis= from NumPy 2.2 on
    np.trim_zeros(np.ones((1, 1)), "f", 0)
    CASES.append(Case(
        "trim_zeros-f-axis", lambda x: tnp.trim_zeros(x * np.array([[0.0], [1.0]]), "f", 0),
        (rand((2, 3)),), np_fun=lambda x: np.trim_zeros(x * np.array([[0.0], [1.0]]), "f", 0),
        vmap=False))
except TypeError:
    pass


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_rearranging_rule(case):
    check_case(case)


def test_trim_zeros_is_ragged_under_vmap():
    with pytest.raises(ValueError, match="ragged"):
        tg.vmap(lambda x: tnp.trim_zeros(x))(rand((2, 3)))


def test_numpy_functions_dispatch():
    x = rand((3, 3))
    g_np = tg.grad(lambda x: np.sum(np.pad(np.roll(np.tril(x), 1, 0), 1, mode="edge")
                                    * np.diff(np.tile(x, 2), axis=1, prepend=0.0)[:, :3].sum()))(x)
    g_tnp = tg.grad(lambda x: tnp.sum(tnp.pad(tnp.roll(tnp.tril(x), 1, 0), 1, mode="edge")
                                      * tnp.sum(tnp.diff(tnp.tile(x, 2), axis=1,
                                                         prepend=0.0)[:, :3])))(x)
    np.testing.assert_allclose(g_np, g_tnp)


def test_errors_match_numpy():
    with pytest.raises(ValueError, match="Axes must be different"):
        tnp.rot90(np.ones((2, 2)), axes=(0, 0))
