"""tg.check_grads on complex arguments: real and imaginary directions are both checked, under
the convention of docs/conventions.md (the cotangent of z = a + ib is dL/da - i dL/db)."""
import numpy as np
import pytest

import tangents as tg

Z = np.array([1.0 + 2.0j, 0.5 - 1.0j, -0.3 + 0.2j])

CORRECT = [
    ("|z|^2", lambda z: np.sum(np.abs(z) ** 2)),
    ("z conj(z) + sin z", lambda z: z * np.conj(z) + np.sin(z)),
    ("Re z^3", lambda z: np.real(z ** 3)),
    ("exp(z) * imag(z)", lambda z: np.exp(z) * np.imag(z)),
]


@pytest.mark.parametrize("name, fun", CORRECT, ids=[c[0] for c in CORRECT])
def test_correct_complex_functions_pass(name, fun):
    tg.check_grads(fun, (Z,), order=2)


def _square_with(bwd):
    @tg.custom_vjp
    def square(z):
        return z ** 2
    square.defvjp(lambda z: (z ** 2, z), bwd)
    return square


@pytest.mark.parametrize("name, bwd", [
    ("conjugated cotangent", lambda z, g: (np.conj(2 * z * g),)),
    ("imaginary part dropped", lambda z, g: (np.real(2 * z * g) + 0j,)),
])
def test_wrong_complex_rule_is_caught_in_the_imaginary_direction(name, bwd):
    with pytest.raises(AssertionError, match="imaginary part"):
        tg.check_grads(_square_with(bwd), (Z,), modes=("rev",))


def test_wrong_complex_jvp_is_caught():
    @tg.custom_jvp
    def square(z):
        return z ** 2
    square.defjvp(lambda primals, tangents: (primals[0] ** 2,
                                             2 * np.conj(primals[0]) * tangents[0]))
    with pytest.raises(AssertionError, match="forward-mode"):
        tg.check_grads(square, (Z,), modes=("fwd",))
