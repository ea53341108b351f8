"""Kernels of the fused executor on disk: each kernel's numba source is written to a file
named by its hash under `cache_dir`, where numba keeps the compiled code for the next process."""
from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import sys
import tempfile
import threading

import numpy as np

__all__ = ["bind", "cache_dir", "load_kernel", "load_source", "on_disk"]

_F64 = np.dtype(np.float64)
# the first line names the code generation: change it when _compiler() changes what numba
# makes of the same source, or when jit/vecmath.py changes (numba's cache of a kernel does not
# see its callees), so that no process loads machine code compiled the old way
_HEADER = ("# tangents kernel, codegen 4: noalias, SLP, vecmath 3, fpstatus 1\n"
           "import numpy as np\nimport numba\n"
           "from tangents.jit.fpstatus import status as _fp_status\n"
           "from tangents.jit.vecmath import exp as _exp, tanh as _tanh\n\n\n")
_kernels = {}  # source hash -> dispatcher
_lock = threading.Lock()  # numba compiles one at a time anyway (its own global lock)
_COMPILER = []  # the pipeline class, made on first use (numba is imported only then)


def cache_dir():
    """Where kernel sources and numba's compiled code are kept: ``TANGENTS_JIT_CACHE_DIR``,
    else ``$XDG_CACHE_HOME/tangents/jit``, else ``~/.cache/tangents/jit``.

    >>> import os
    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {"TANGENTS_JIT_CACHE_DIR": "/data/tg-jit"}):
    ...     print(cache_dir())
    /data/tg-jit
    """
    path = os.environ.get("TANGENTS_JIT_CACHE_DIR")
    if not path:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        path = os.path.join(base, "tangents", "jit")
    return path


def _compiler():
    """numba's pipeline with the two things that let LLVM vectorise a kernel: array arguments
    are ``noalias`` (sound: every array a kernel writes is a fresh allocation, made by the
    caller or, for scratch rows, by the kernel's wrapper, so none shares memory with another
    argument), and LLVM's SLP vectoriser runs, which packs the fully unrolled short inner
    loops (the trailing 8 of W2's (256, 1000, 8)) into SIMD operations.
    numba turns SLP off by default (numba#8852, miscompilations with LLVM 11); it is switched
    on for the kernels' own compilation only, under numba's compiler lock."""
    if _COMPILER:
        return _COMPILER[0]
    from numba.core import config
    from numba.core.compiler import Compiler
    from numba.core.compiler_lock import global_compiler_lock

    class KernelCompiler(Compiler):
        def _compile_core(self):
            self.state.flags.noalias = True
            with global_compiler_lock:
                slp, config.SLP_VECTORIZE = config.SLP_VECTORIZE, 1
                try:
                    return super()._compile_core()
                finally:
                    config.SLP_VECTORIZE = slp
    _COMPILER.append(KernelCompiler)
    return KernelCompiler


def bind(ns, name, make, meanwhile, later=None, quick=False):
    """The name that a program's generated code calls: ``name``, with ``ns[name]`` the
    function ``make()`` gives (one computing with a kernel that it compiles) made now, or,
    when ``later`` is a list (the program is compiled on the background thread,
    jit/background.py) and ``make()`` is not ``quick`` (its kernel `on_disk`), ``meanwhile``
    (a NumPy function with the same results) until the step that this appends to ``later``
    has run.  ``meanwhile``'s own name when ``make()`` made now gives it (no kernel fits)."""
    if later is None or quick:
        ns[name] = made = make()
        return f"np.{made.__name__}" if made is meanwhile else name
    ns[name] = meanwhile
    later.append(functools.partial(_bind_now, ns, name, make))
    return name


def _bind_now(ns, name, make):
    ns[name] = make()  # one store: a call running meanwhile reads one function or the other


def load_kernel(src, consts):
    deco = ("@numba.njit(cache=True, error_model='numpy', fastmath=False, nogil=True, "
            "pipeline_class=_Compiler)")
    args = ", ".join(["lo, hi"] + [f"a{v.id}" for v in src.args] + [k for _, k in src.outs])
    text = _HEADER + f"{deco}\ndef kernel({args}):\n" + "\n".join(src.lines) + "\n"
    if src.scratch:  # made here, then passed on, so that they too are noalias arguments
        names = ", ".join(name for name, _, _ in src.scratch)
        make = [f"    {name} = np.empty({shape!r}, np.{dt})" for name, shape, dt in src.scratch]
        text = (text.replace("def kernel(", "def body(", 1) + f"\n\n{deco}\ndef kernel({args}):\n"
                + "\n".join(make) + f"\n    body({args}, {names})\n")
        text = text.replace(f"def body({args}):", f"def body({args}, {names}):", 1)
    return load_source(text, lambda disp: _compile_now(disp, src, consts), header=False)


def on_disk(text, header=True):
    """Whether `load_source` of ``text`` is quick: its kernel is loaded in this process, or
    its source is in `cache_dir`, where numba keeps the code compiled from it."""
    digest = _digest(_HEADER + text if header else text)
    return digest in _kernels or os.path.exists(os.path.join(cache_dir(), f"k_{digest}.py"))


def _digest(text):
    return hashlib.sha1(text.encode()).hexdigest()[:24]  # noqa: S324 - a file name


def load_source(text, compile_now=None, header=True):
    """The numba dispatcher ``kernel`` of module source ``text`` (after `_HEADER` unless
    ``header`` is False), written to `cache_dir` and imported once per process, even when two
    threads load it; ``compile_now(disp)`` runs on the first load (eager compiles)."""
    text = _HEADER + text if header else text
    digest = _digest(text)
    with _lock:
        disp = _kernels.get(digest)
        if disp is None:
            disp = _import(digest, text)
            if compile_now is not None:
                compile_now(disp)
            _kernels[digest] = disp
    return disp


def _import(digest, text):
    folder = cache_dir()
    try:
        os.makedirs(folder, exist_ok=True)
        path = _write(folder, digest, text)
    except OSError:  # not writable: this process's kernels only
        folder = os.path.join(tempfile.gettempdir(), f"tangents-jit-{os.getuid()}")
        os.makedirs(folder, exist_ok=True)
        path = _write(folder, digest, text)
    name = f"tangents_jit_kernel_{digest}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    module._Compiler = _compiler()
    sys.modules[name] = module
    spec.loader.exec_module(module)
    disp = module.kernel
    disp.py_source = text
    return disp


def _write(folder, digest, text):
    path = os.path.join(folder, f"k_{digest}.py")
    # never rewrite a kernel: numba's cache is keyed on the file's time stamp
    if not os.path.exists(path):
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    return path


def _compile_now(disp, src, consts):
    """Compile now (from numba's cache when it has them) for C-contiguous arguments and the
    constants as they are, so the first call does not pay for it; other layouts compile on
    the call that needs them."""
    from numba import from_dtype, typeof, types
    sig = [types.intp, types.intp] + [
        typeof(consts[v] if v.shape else consts[v][()]) if v in consts else
        types.Array(from_dtype(v.dtype), len(v.shape), "C") if v.shape
        else from_dtype(v.dtype) for v in src.args]
    for py, _ in src.outs:
        if py.startswith("_nf"):  # the NaN flag (KernelSource._flag_nan)
            sig.append(types.Array(types.boolean, 1, "C"))
            continue
        if py.startswith("_ff"):  # the floating-point flags (KernelSource._flag_fp)
            sig.append(types.Array(types.uint32, 1, "C"))
            continue
        v = int(py.lstrip("_sv"))
        var = next(x for x in src.made if x.id == v)
        dt = _F64 if py.startswith("_s") else var.dtype
        sig.append(types.Array(from_dtype(dt), len(var.shape), "C"))
    disp.compile(tuple(sig))
