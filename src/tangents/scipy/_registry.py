"""Where SciPy converts its inputs to NumPy (so a traced value would fail), the SciPy function
is replaced by a route: a wrapper that calls tangents' version when an argument is traced
and SciPy's own function otherwise.  ``ROUTES`` maps SciPy's names to tangents' (imported on
the first traced call); routes are installed when SciPy's module is imported (or at once if
it already was), so no import of tangents.scipy is needed.  Functions that SciPy computes
as ufuncs are not routed: they reach tangents.scipy.special on their own; those it computes
through the Array API namespace when SCIPY_ARRAY_API=1 (``ARRAY_API_NATIVE``) are routed only
when that mode is off.
"""
from __future__ import annotations

import functools
import importlib
import importlib.abc
import importlib.util
import sys

__all__ = ["ROUTES", "ARRAY_API_NATIVE", "install", "watch"]

_SIGNAL = ("convolve", "correlate", "fftconvolve", "oaconvolve", "lfilter", "sosfilt", "detrend",
           "savgol_filter", "filtfilt", "sosfiltfilt", "welch", "periodogram", "convolve2d",
           "correlate2d", "upfirdn", "resample_poly", "decimate", "csd", "coherence",
           "spectrogram", "stft", "medfilt", "medfilt2d", "lfiltic", "deconvolve", "lfilter_zi",
           "sosfilt_zi", "wiener", "order_filter", "hilbert")
_NDIMAGE = ("correlate1d", "convolve1d", "correlate", "convolve", "gaussian_filter1d",
            "gaussian_filter", "uniform_filter1d", "uniform_filter", "median_filter",
            "minimum_filter", "maximum_filter", "rank_filter", "percentile_filter",
            "map_coordinates", "shift", "zoom")
_CONTINUOUS = ("norm", "t", "cauchy", "laplace", "logistic", "gamma", "chi2", "beta", "expon")
_CONT_METHODS = ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf", "entropy")
_DISCRETE_METHODS = ("logpmf", "pmf", "cdf", "logcdf", "sf", "logsf")
_MULTIVARIATE = {"dirichlet": ("logpdf", "pdf", "entropy"),
                 "multivariate_normal": ("logpdf", "pdf", "entropy")}
_SPECIAL = ("spherical_jn", "spherical_yn", "polygamma", "multigammaln", "logsumexp",
            "softmax", "log_softmax")
_LINALG = ("solve_triangular", "cho_factor", "cho_solve", "cholesky", "lu_factor", "lu_solve",
           "expm", "expm_frechet", "sqrtm", "solve_sylvester", "block_diag", "solve_banded",
           "solveh_banded", "solve_circulant", "solve_toeplitz", "logm", "polar")
_INTEGRATE = ("odeint", "solve_ivp", "quad", "quad_vec")
_FOURIER = ("fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fft2", "ifft2", "rfft2", "irfft2",
            "fftn", "ifftn", "rfftn", "irfftn")
_FFT = ("dct", "idct", "dst", "idst", "dctn", "idctn", "dstn", "idstn") + _FOURIER

# SciPy module -> {name ('dist.method' for a distribution's method): 'module:attribute'}
ROUTES = {
    "scipy.signal": {n: f"tangents.scipy.signal:{n}" for n in _SIGNAL},
    "scipy.special": {n: f"tangents.scipy.special:{n}" for n in _SPECIAL},
    "scipy.stats": {
        "variation": "tangents.scipy._stats_more:variation",
        **{f"{d}.{m}": f"tangents.scipy.stats:{d}.{m}"
           for d in _CONTINUOUS for m in _CONT_METHODS},
        **{f"{d}.{m}": f"tangents.scipy.stats:{d}.{m}"
           for d in ("poisson", "binom") for m in _DISCRETE_METHODS},
        **{f"{d}.{m}": f"tangents.scipy.stats:{d}.{m}"
           for d, methods in _MULTIVARIATE.items() for m in methods},
    },
    "scipy.linalg": {n: f"tangents.scipy.linalg:{n}" for n in _LINALG},
    "scipy.integrate": {n: f"tangents.scipy.integrate:{n}" for n in _INTEGRATE},
    "scipy.fft": {n: f"tangents.scipy.fft:{n}" for n in _FFT},
    "scipy.ndimage": {n: f"tangents.scipy.ndimage:{n}" for n in _NDIMAGE},
}
# names SciPy computes with the arrays' own namespace (tangents.numpy) when SCIPY_ARRAY_API=1,
# giving tangents' derivatives of its own code: routed only when that mode is off
ARRAY_API_NATIVE = {"scipy.special": {"logsumexp", "softmax", "log_softmax"},
                    "scipy.fft": set(_FOURIER), "scipy.signal": {"hilbert"}}


def _array_api_on():
    conf = sys.modules.get("scipy._lib._array_api")  # SciPy reads the variable on import
    return bool(getattr(conf, "SCIPY_ARRAY_API", False))


def _resolve(target):
    module, path = target.split(":")
    obj = importlib.import_module(module)
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def _route(owner, name, target, method):
    """Replace ``owner.name`` by a wrapper that calls ``target`` on traced arguments (a
    method's ``self``, SciPy's distribution object, is dropped)."""
    original = getattr(owner, name, None)
    if original is None or getattr(original, "_tangents_original", None) is not None:
        return
    from ..numpy._dispatch import is_traced

    @functools.wraps(original)
    def route(*args, **kwargs):
        if is_traced(*args, *kwargs.values()):
            return _resolve(target)(*args[method:], **kwargs)
        return original(*args, **kwargs)

    route._tangents_original = original
    setattr(owner, name, route)


def install(module_name):
    """Install the routes of an imported SciPy module (idempotent)."""
    module = sys.modules[module_name]
    native = ARRAY_API_NATIVE.get(module_name, set()) if _array_api_on() else set()
    for key, target in ROUTES[module_name].items():
        if key in native:
            continue
        if "." in key:  # a distribution's method: on its class, so frozen ones route too
            dist, meth = key.split(".")
            if hasattr(module, dist):
                _route(type(getattr(module, dist)), meth, target, 1)
        else:
            _route(module, key, target, 0)


class _Loader(importlib.abc.Loader):
    def __init__(self, loader, name):
        self.loader, self.name = loader, name

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        self.loader.exec_module(module)
        install(self.name)


class _Finder(importlib.abc.MetaPathFinder):
    """Finds nothing itself: wraps the loader of a routed SciPy module to install after."""
    _busy = set()

    def find_spec(self, name, path, target=None):
        if name not in ROUTES or name in self._busy:
            return None
        self._busy.add(name)
        try:
            spec = importlib.util.find_spec(name)
        finally:
            self._busy.discard(name)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return None
        spec.loader = _Loader(spec.loader, name)
        return spec


def watch():
    """Install the routes now for SciPy modules already imported, and on import for the rest."""
    for name in ROUTES:
        if name in sys.modules:
            install(name)
    if not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())
