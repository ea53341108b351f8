"""core.masked: derivatives are computed again with masked products (0 * inf = 0) only when
the fast result holds a NaN; both agree elsewhere (docs/conventions.md, the where row)."""
import warnings

import numpy as np
import pytest

import tangents as tg


def counted(fun):
    def wrapper(x):
        wrapper.calls += 1
        return fun(x)
    wrapper.calls = 0
    return wrapper


def log_where(x):
    return np.sum(np.where(x > 0, np.log(np.where(x > 0, x, 1.0)) + np.log(x), 0.0))


TRANSFORMS = {
    "grad": lambda f, x: tg.grad(f)(x),
    "jvp": lambda f, x: tg.jvp(f, (x,), (np.ones_like(x),))[1],
    "vjp": lambda f, x: tg.vjp(f, x)[1](1.0)[0],
    "jacfwd": lambda f, x: tg.jacfwd(f)(x),
    "hvp": lambda f, x: tg.hvp(f, (x,), (np.ones_like(x),)),
    "linearize": lambda f, x: tg.linearize(f, x)[1](np.ones_like(x)),
}


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_no_nan_means_one_pass(name):
    f = counted(lambda x: np.sum(np.sin(x) * x))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        TRANSFORMS[name](f, np.array([0.5, 1.0]))
    assert f.calls == 1


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_untaken_branch_leaves_no_nan(name):
    f = counted(log_where)
    x = np.array([0.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        got = TRANSFORMS[name](f, x)
        want = TRANSFORMS[name](lambda x: np.sum(np.where(x > 0, 2 * np.log(x + (x <= 0)),
                                                          0.0)), x)
    assert not np.isnan(got).any()
    np.testing.assert_array_equal(got, want)
    # reverse mode's fast pass held a NaN (0 * inf): computed again, masked; forward mode's
    # where discards the inf tangent itself; vjp and linearize recompute from their tape
    assert f.calls == (2 if name in ("grad", "hvp") else 1)


def test_a_derivative_that_is_nan_stays_nan():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        g = tg.grad(lambda x: np.sum(np.sqrt(x)))(np.array([-1.0, 4.0]))
    assert np.isnan(g[0]) and g[1] == 0.25


def test_nested_transforms_mask_inside_the_outermost():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        h = tg.hessian(lambda x: np.sum(np.where(x > 0, x * np.log(x), 0.0)))(
            np.array([0.0, 2.0]))
    np.testing.assert_array_equal(h, np.diag([0.0, 0.5]))


def test_nan_screen_reads_every_kind_of_result():
    """The retry's NaN check (a real array's max is NaN exactly when an entry is): NaN
    anywhere, in 0-d and in complex results, is found; inf, empty and clean results are not."""
    from tangents.core import masked
    big = np.ones((300, 40))
    assert not masked._has_nan(big) and not masked._has_nan(np.zeros(0))
    assert not masked._has_nan(np.array([np.inf, -np.inf])) and not masked._has_nan(1.5)
    big[299, 39] = np.nan
    assert masked._has_nan(big) and masked._has_nan((np.ones(2), [big]))
    assert masked._has_nan(np.float32("nan")) and masked._has_nan(float("nan"))
    assert masked._has_nan(np.array([1.0, complex(0.0, np.nan)]))
