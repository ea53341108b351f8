"""Contraction rewrites of the simplifier (tangents/jit/algebra.py): each shows in the
program's text, gives eager's values, and keeps the derivatives of the program."""
import numpy as np
import pytest
from harness import rand, tol

import tangents as tg
from tangents.jit.algebra import diagonal_matmul_p

N = 5


def lowered(fun, *args, dtype=np.float64):
    """The simplified program of ``jit(fun)`` and its result, after checking the result (the
    compiled program's, and the program's equations evaluated one by one) against eager."""
    jitted = tg.jit(fun)
    want = fun(*args)
    for got in (jitted(*args), jitted(*args)):
        np.testing.assert_allclose(got, want, **tol("roundoff", dtype))
    return jitted.lower(*args).program


def contractions(program):
    """(name, operand shapes) of each matmul-like equation."""
    return [(e.prim.name, [getattr(a, "shape", None) for a in e.ins]) for e in program.eqns
            if e.prim.name in ("matmul", "diagonal_matmul", "einsum")]


def net(dtype=np.float64):
    w1, w2 = (rand((N, N), seed=s).astype(dtype) / 2 for s in (1, 2))
    return w1, w2, lambda x: np.tanh(w2 @ np.tanh(w1 @ x))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_jacobian_runs_one_matrix_product_not_a_product_with_the_basis(dtype):
    w1, w2, f = net(dtype)
    program = lowered(tg.jacrev(f), rand((N,), seed=3).astype(dtype), dtype=dtype)
    products = contractions(program)
    # eager: (eye * d) @ w2, then (...) @ w1; the first is the scaling d[:, None] * w2
    assert [p for p, shapes in products if shapes[:2] == [(N, N), (N, N)]] == ["matmul"]
    assert "diagonal_matmul" in program.as_text()


def test_the_diagonal_product_gives_eager_bits():
    x = rand((N,), seed=3)
    for f in (net()[2], lambda x: np.tanh(x @ net()[0])):  # diagonal on the left, the right
        jac = tg.jacrev(f)
        got = tg.jit(jac)(x)
        np.testing.assert_array_equal(got, jac(x))
        assert "diagonal_matmul" in tg.jit(jac).lower(x).as_text()


def test_a_diagonal_built_by_several_operations_is_followed():
    w = rand((N, N), seed=1)
    hess = tg.hessian(lambda x: np.sum(np.tanh(x) * (w @ np.tanh(x))))
    program = lowered(hess, rand((N,), seed=2))
    assert "diagonal_matmul" in program.as_text()
    # the Jacobian of an elementwise function: a diagonal constant used directly
    program = lowered(tg.jacrev(lambda x: w @ (2.0 * x)), rand((N,), seed=2))
    assert [p for p, _ in contractions(program)] in ([], ["diagonal_matmul"])


def test_values_that_are_not_finite_give_eager_values():
    # the program's (eye * d) @ w is NaN where d or w is infinite (0 * inf); the scaling
    # then computes that product as eager's program does, and jit answers as eager does
    w = rand((N, N), seed=1)
    x = np.linalg.solve(w, np.array([1.0, 800.0, -1.0, 0.5, 2.0]))  # exp overflows
    w_inf = w.copy()
    w_inf[2, 3] = np.inf
    for f, x in ((lambda x: np.exp(w @ x), x),
                 (lambda x: np.tanh(w_inf @ np.tanh(x)), rand((N,), seed=3))):
        jac = tg.jacrev(f)
        with np.errstate(all="ignore"):
            want = jac(x)
            assert not np.isfinite(want).all()
            np.testing.assert_array_equal(tg.jit(jac)(x), want)
            assert "diagonal_matmul" in tg.jit(jac).lower(x).as_text()


def test_a_finite_constant_operand_leaves_only_the_diagonal_to_check():
    # with the other operand a constant of finite values, the scaling equals the matmul
    # whenever the diagonal's n values are finite, so no sum over the n * n result is needed
    w1, w2, f = net()
    program = tg.jit(tg.jacrev(f)).lower(rand((N,), seed=3)).program
    (e,) = [e for e in program.eqns if e.prim is diagonal_matmul_p]
    form, b = e.params["form"], program.consts[e.ins[-1]]
    assert form.finite is b and np.array_equal(b, w2) and not np.shares_memory(b, w2)
    eye = program.consts[e.ins[0]]
    for bad in (np.inf, -np.inf, np.nan):
        for d in (rand((N,), seed=4), np.where(np.arange(N) == 2, bad, 1.0)):
            with np.errstate(all="ignore"):
                want = _replaced(form, [eye, d, b])
                np.testing.assert_array_equal(diagonal_matmul_p.impl(eye, d, b, form=form), want)
    w_inf = w2.copy()
    w_inf[1, 1] = np.inf
    with np.errstate(all="ignore"):  # eager's 0 * inf in the basis product
        program = tg.jit(tg.jacrev(lambda x: np.tanh(w_inf @ np.tanh(w1 @ x)))).lower(
            rand((N,), seed=3)).program
    assert all(e.params["form"].finite is None for e in program.eqns
               if e.prim is diagonal_matmul_p)


def test_the_diagonal_product_keeps_its_derivatives():
    w1, w2, f = net()
    jac = tg.jit(tg.jacrev(f))
    x = rand((N,), seed=3)
    assert "diagonal_matmul" in jac.lower(x).as_text()
    tg.check_grads(jac, (x,), order=2)  # fd and forward/reverse, through jit_call's rules
    outer = tg.jit(tg.jacrev(jac))  # the rules staged into another program
    np.testing.assert_allclose(outer(x), tg.jacrev(tg.jacrev(f))(x), **tol("roundoff"))
    xs = rand((3, N), seed=4)
    np.testing.assert_allclose(tg.vmap(jac)(xs), np.stack([jac(r) for r in xs]),
                               **tol("roundoff"))


def test_the_primitive_rules_are_those_of_the_replaced_equations():
    w1, _, f = net()
    program = tg.jit(tg.jacrev(f)).lower(rand((N,), seed=3)).program
    (e,) = [e for e in program.eqns if e.prim is diagonal_matmul_p]
    args = [program.consts.get(a) if a in program.consts else rand(a.shape, seed=i)
            for i, a in enumerate(e.ins)]
    form = e.params["form"]
    np.testing.assert_array_equal(diagonal_matmul_p.impl(*args, form=form),
                                  _replaced(form, args))
    eye = args[0]  # the basis: a constant of the program, never differentiated

    def prim(d, b):
        return diagonal_matmul_p(eye, d, b, form=form)
    tg.check_grads(prim, args[1:], order=2)
    batched = [np.stack([a, 2 * a]) for a in args[1:]]
    np.testing.assert_allclose(
        tg.vmap(prim)(*batched),
        np.stack([_replaced(form, [eye, d, b]) for d, b in zip(*batched)]),
        **tol("roundoff"))


def _replaced(form, args):
    from tangents.jit.call import eval_program
    return eval_program(form.defn, *args)[0]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_product_over_a_length_one_axis_is_a_multiply(dtype):
    x, w = rand((6, 1), seed=1).astype(dtype), rand((1, 4), seed=2).astype(dtype)
    program = lowered(lambda x, w: np.tanh(x @ w), x, w, dtype=dtype)
    assert contractions(program) == []
    np.testing.assert_array_equal(tg.jit(lambda x, w: x @ w)(x, w), x @ w)
    program = lowered(lambda x, w: x @ w, rand((3, 6, 1)), rand((3, 1, 4)))
    assert contractions(program) == []


def logistic_nll(rows, cols):
    """The logistic NLL of w with a captured (rows, cols) design matrix: W4 in small."""
    xs, y = rand((rows, cols), seed=1), (rand((rows,), seed=2) > 0).astype(float)

    def nll(w):
        z = xs @ w
        return np.sum(np.logaddexp(0.0, z) - y * z)
    return nll


def test_a_stack_of_vector_products_is_one_matrix_product():
    # hessian = jacfwd(jacrev): the basis batch turns x.T @ (s * x) into a stack of
    # (1, k) @ (k, n) products, one BLAS call per row
    program = lowered(tg.hessian(logistic_nll(40, 6)), rand((6,), seed=3) / 4)
    assert all(len(shapes[0]) <= 2 for _, shapes in contractions(program))
    w = rand((6, 3), seed=4)
    program = lowered(tg.vmap(lambda v: v @ w), rand((7, 6), seed=5))
    assert all(len(shapes[0]) <= 2 for _, shapes in contractions(program))
