"""Layout rewrites of the simplifier (tangents/jit/layout.py): elementwise work on transposed
matrices that only a matrix product reads runs in the operands' own layout, with eager's bits."""
import numpy as np
from harness import rand, tol
from tests.jit.test_simplify_algebra import logistic_nll

import tangents as tg


def program_of(fun, *args):
    """The simplified program of ``jit(fun)``, after checking its result against eager's
    (the rewrite does the same operations on the same numbers; the fused executor may sum a
    small product in another order than BLAS)."""
    jitted = tg.jit(fun)
    want = fun(*args)
    for got in (jitted(*args), jitted(*args)):
        np.testing.assert_allclose(got, want, **tol("roundoff"))
    return jitted.lower(*args).program


def scalings(program):
    """The elementwise equations with a matrix result: (name, result shape, operand shapes)."""
    return [(e.prim.name, e.outs[0].shape, [getattr(a, "shape", ()) for a in e.ins])
            for e in program.eqns if e.prim.name in ("multiply", "add", "subtract")
            and len(e.outs[0].shape) == 2]


def test_a_hessian_scales_the_captured_matrix_in_its_own_layout():
    # the Hessian of f(X @ w) is X.T @ diag(s) @ X: the reverse pass scales the columns of
    # X.T, a transposed view of the captured X; the program scales the rows of X instead
    program = program_of(tg.hessian(logistic_nll(40, 7)), rand((7,), seed=3) / 4)
    ((name, shape, operands),) = scalings(program)
    assert (name, shape, operands) == ("multiply", (40, 7), [(40, 7), (40, 1)])
    (matrix,) = [a for e in program.eqns for a in e.ins
                 if e.prim.name == "multiply" and a in program.consts]
    assert program.consts[matrix].flags.c_contiguous


def test_transposed_arguments_and_broadcast_operands():
    a, c, b = rand((6, 4), seed=1), rand((6, 4), seed=2), rand((6, 3), seed=3)
    row, col = rand((6,), seed=4), rand((4, 1), seed=5)
    cases = [  # (function, the rewritten equation's operand shapes)
        (lambda a, c, b: (a.T * row) @ b, [(6, 4), (6, 1)]),
        (lambda a, c, b: (a.T * row[None, :]) @ b, [(6, 4), (6, 1)]),
        (lambda a, c, b: (col * a.T) @ b, [(1, 4), (6, 4)]),
        (lambda a, c, b: (a.T - c.T) @ b, [(6, 4), (6, 4)]),
        (lambda a, c, b: b[:4].T @ (1.5 + a.T), [(), (6, 4)]),
    ]
    for fun, shapes in cases:
        program = program_of(fun, a, c, b)
        assert shapes in [operands for _, shape, operands in scalings(program)
                          if shape == (6, 4)], shapes


def test_what_is_not_rewritten():
    a, b, c = rand((6, 4), seed=1), rand((6, 3), seed=2), rand((4, 6), seed=3)
    row = rand((6,), seed=4)
    for fun in (lambda a, b, c: np.sin(a.T * row) @ b,  # an elementwise reader
                lambda a, b, c: ((a.T * row) @ b, a.T * row),  # an output
                lambda a, b, c: (a.T * c) @ b):  # an operand in the result's own layout
        jitted = tg.jit(fun)
        program = jitted.lower(a, b, c).program
        assert all(shape == (4, 6) for _, shape, _ in scalings(program))
        want = fun(a, b, c)
        for got, ref in zip(*(((v,) if type(v) is not tuple else v)
                              for v in (jitted(a, b, c), want)), strict=True):
            np.testing.assert_allclose(got, ref, **tol("roundoff"))


def test_the_rewritten_program_keeps_its_derivatives():
    a, b = rand((6, 4), seed=1), rand((6, 3), seed=2)

    def f(a, s):
        return np.sum(np.tanh((a.T * s) @ b))
    jitted = tg.jit(f)
    s = rand((6,), seed=3)
    assert [shape for _, shape, _ in scalings(jitted.lower(a, s).program)] == [(6, 4)]
    tg.check_grads(jitted, (a, s), order=2)
    np.testing.assert_allclose(tg.jit(tg.hessian(f, argnums=1))(a, s),
                               tg.hessian(f, argnums=1)(a, s), **tol("roundoff"))
