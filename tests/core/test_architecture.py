"""docs/architecture.md's example of adding a primitive runs as written, and its derivatives
agree with finite differences, forward and reverse, to second order, and under vmap."""
import pathlib
import re

import numpy as np
from tests.harness import tol

import tangents as tg
from tangents.core import registry

DOC = pathlib.Path(__file__).parents[2] / "docs" / "architecture.md"


def test_the_add_a_primitive_example_runs_and_is_right():
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)
    assert len(blocks) == 1, "docs/architecture.md should hold one Python example"
    env = {}
    try:
        exec(compile(blocks[0], str(DOC), "exec"), env)  # its own check_grads runs here
        check(env["cube"])
    finally:  # the registry (and the coverage table built from it) stays as it was
        registry.pop("example_cube", None)


def check(cube):
    x = np.linspace(-2.0, 2.0, 7)
    np.testing.assert_allclose(tg.vmap(tg.grad(cube))(x), 3 * x ** 2, **tol("roundoff"))
    np.testing.assert_allclose(tg.elementwise_grad(tg.elementwise_grad(cube))(x), 6 * x,
                               **tol("roundoff"))
