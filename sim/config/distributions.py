"""Probability distributions named in scenario files.

A distribution is written as a TOML table, ``{ dist = "lognormal", mean = "6min", sd = "3min" }``,
or, for a fixed value, as the bare value (``"6min"``). Sampling is by **inverse transform** from
uniforms (:meth:`Dist.ppf`): a case's uniforms are drawn once, when the case is created, and each
design turns them into its own handle times, patience and delays. That is what makes common random
numbers hold across designs whose distributions differ.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special

from .errors import MISSING, UNSHOWN, Problem, ScenarioError
from .units import ALLOWED_DURATION, parse_duration


def _triang():
    """``scipy.stats.triang``, imported on first use: ``scipy.stats`` takes about a second to
    import, paid by every worker process a run starts."""
    from scipy import stats

    return stats.triang


def _triangular_ppf(u: np.ndarray, c: float, loc: float, scale: float) -> np.ndarray:
    """The triangular quantile as ``scipy.stats.triang.ppf`` computes it, to the last bit
    (its ``_ppf`` times ``scale`` plus ``loc``; u = 0 and 1 give the ends either way), without
    importing ``scipy.stats`` (every scenario's default delivery lag is triangular)."""
    q = np.where(u < c, np.sqrt(c * u), 1 - np.sqrt((1 - c) * (1 - u)))
    return q * scale + loc


#: Parameters each kind takes; ``shape`` is always a plain number, the others carry the unit of
#: the quantity (a duration for durations).
KINDS: dict[str, tuple[str, ...]] = {
    "exponential": ("mean",),
    "lognormal": ("mean", "sd"),
    "gamma": ("mean", "sd"),
    "weibull": ("shape", "scale"),
    "triangular": ("min", "mode", "max"),
    "uniform": ("min", "max"),
    "deterministic": ("value",),
    "empirical": ("values",),
}
_UNITLESS = {"shape"}


@dataclass(frozen=True)
class Dist:
    """A distribution of a non-negative quantity.

    Parameters
    ----------
    kind : str
        One of :data:`KINDS`.
    params : tuple of float
        Parameters in the order of ``KINDS[kind]`` (already in clock units for durations);
        for ``empirical`` the sorted sample values.
    """

    kind: str
    params: tuple[float, ...]

    # --- moments -------------------------------------------------------------------------
    @property
    def mean(self) -> float:
        """Expected value."""
        p = self.params
        match self.kind:
            case "exponential" | "lognormal" | "gamma":
                return p[0]
            case "weibull":
                return p[1] * math.gamma(1 + 1 / p[0])
            case "triangular":
                return sum(p) / 3
            case "uniform":
                return (p[0] + p[1]) / 2
            case "deterministic":
                return p[0]
            case _:
                return float(np.mean(p))

    @property
    def variance(self) -> float:
        """Variance."""
        p = self.params
        match self.kind:
            case "exponential":
                return p[0] ** 2
            case "lognormal" | "gamma":
                return p[1] ** 2
            case "weibull":
                k, lam = p
                return lam**2 * (math.gamma(1 + 2 / k) - math.gamma(1 + 1 / k) ** 2)
            case "triangular":
                a, c, b = p
                return (a * a + b * b + c * c - a * b - a * c - b * c) / 18
            case "uniform":
                return (p[1] - p[0]) ** 2 / 12
            case "deterministic":
                return 0.0
            case _:
                return float(np.var(p))

    @property
    def scv(self) -> float:
        """Squared coefficient of variation (0 for a constant)."""
        return self.variance / self.mean**2 if self.mean > 0 else 0.0

    # --- inverse transform ---------------------------------------------------------------
    def ppf(self, u: np.ndarray | float) -> np.ndarray:
        """Quantile function: turn uniforms in [0, 1) into draws of this distribution."""
        u = np.asarray(u, dtype=float)
        p = self.params
        match self.kind:
            case "exponential":
                return -p[0] * np.log1p(-u)
            case "lognormal":
                mu, sigma = _lognormal_mu_sigma(p[0], p[1])
                if sigma == 0:
                    return np.full_like(u, p[0])
                return np.exp(mu + sigma * special.ndtri(np.clip(u, 1e-300, None)))
            case "gamma":
                if p[1] == 0:
                    return np.full_like(u, p[0])
                shape = (p[0] / p[1]) ** 2
                return special.gammaincinv(shape, u) * (p[0] / shape)
            case "weibull":
                return p[1] * (-np.log1p(-u)) ** (1 / p[0])
            case "triangular":
                return _triangular_ppf(u, _tri_c(p), p[0], p[2] - p[0]) \
                    if p[2] > p[0] else np.full_like(u, p[0])
            case "uniform":
                return p[0] + (p[1] - p[0]) * u
            case "deterministic":
                return np.full_like(u, p[0])
            case _:
                values = np.asarray(p)
                return values[np.minimum((u * len(values)).astype(int), len(values) - 1)]

    def cdf(self, x: np.ndarray | float) -> np.ndarray:
        """Cumulative distribution function."""
        x = np.asarray(x, dtype=float)
        p = self.params
        match self.kind:
            case "exponential":
                return -np.expm1(-np.maximum(x, 0) / p[0])
            case "lognormal":
                mu, sigma = _lognormal_mu_sigma(p[0], p[1])
                if sigma == 0:
                    return (x >= p[0]).astype(float)
                with np.errstate(divide="ignore"):
                    return special.ndtr((np.log(np.maximum(x, 0)) - mu) / sigma)
            case "gamma":
                if p[1] == 0:
                    return (x >= p[0]).astype(float)
                shape = (p[0] / p[1]) ** 2
                return special.gammainc(shape, np.maximum(x, 0) / (p[0] / shape))
            case "weibull":
                return -np.expm1(-((np.maximum(x, 0) / p[1]) ** p[0]))
            case "triangular":
                if p[2] == p[0]:
                    return (x >= p[0]).astype(float)
                return _triang().cdf(x, _tri_c(p), loc=p[0], scale=p[2] - p[0])
            case "uniform":
                if p[1] == p[0]:
                    return (x >= p[0]).astype(float)
                return np.clip((x - p[0]) / (p[1] - p[0]), 0, 1)
            case "deterministic":
                return (x >= p[0]).astype(float)
            case _:
                values = np.asarray(p)
                return np.searchsorted(values, x, side="right") / len(values)

    def sample(self, rng: np.random.Generator, size: int | tuple[int, ...]) -> np.ndarray:
        """Draw ``size`` values from ``rng`` (by inverse transform, like every other draw)."""
        return self.ppf(rng.random(size))

    def truncated_ppf(self, u: np.ndarray, upper: float) -> np.ndarray:
        """Quantiles of this distribution conditioned on being at most ``upper``."""
        return self.ppf(np.asarray(u) * float(self.cdf(upper)))


def _lognormal_mu_sigma(mean: float, sd: float) -> tuple[float, float]:
    sigma2 = math.log1p((sd / mean) ** 2)
    return math.log(mean) - sigma2 / 2, math.sqrt(sigma2)


def _tri_c(p: tuple[float, ...]) -> float:
    return (p[1] - p[0]) / (p[2] - p[0])


def constant(value: float) -> Dist:
    """A deterministic distribution."""
    return Dist("deterministic", (float(value),))


def exponential(mean: float) -> Dist:
    """An exponential distribution with the given mean."""
    return Dist("exponential", (float(mean),))


# --- parsing from scenario values ----------------------------------------------------------
def parse_dist(raw: object, key: str, duration: bool) -> Dist:
    """Build a :class:`Dist` from a scenario value, checking every parameter.

    Parameters
    ----------
    raw : str, number or dict
        The value from the TOML file.
    key : str
        Dotted key, for error messages.
    duration : bool
        Whether parameters are durations with units (``"6min"``) or plain numbers.

    Raises
    ------
    ScenarioError
        Naming the dotted key of every bad parameter.
    """
    allowed_kinds = ", ".join(KINDS)
    if not isinstance(raw, dict):
        value = _scalar(raw, key, duration)
        return constant(value)
    problems: list[Problem] = []
    kind = raw.get("dist")
    if not isinstance(kind, str) or kind not in KINDS:
        raise ScenarioError.at(f"{key}.dist", kind, f"one of {allowed_kinds}")
    names = KINDS[kind]
    extra = sorted(set(raw) - set(names) - {"dist"})
    for name in extra:
        problems.append(Problem(f"{key}.{name}", UNSHOWN,
                                f"not a parameter of {kind}; it takes {', '.join(names)}"))
    values: list[float] = []
    for name in names:
        if name not in raw:
            problems.append(Problem(f"{key}.{name}", MISSING,
                                    f"{kind} needs {', '.join(names)}"))
            continue
        if name == "values":
            seq = raw[name]
            if not isinstance(seq, list) or not seq:
                problems.append(Problem(f"{key}.values", seq, "a non-empty list"))
                continue
            try:
                values.extend(sorted(_scalar(v, f"{key}.values", duration) for v in seq))
            except ScenarioError as err:
                problems.extend(err.problems)
            continue
        try:
            values.append(_scalar(raw[name], f"{key}.{name}", duration and name not in _UNITLESS))
        except ScenarioError as err:
            problems.extend(err.problems)
    if problems:
        raise ScenarioError(problems)
    _check_shape(kind, tuple(values), key)
    return Dist(kind, tuple(values))


def _scalar(raw: object, key: str, duration: bool) -> float:
    if duration:
        try:
            return _non_negative(parse_duration(raw), raw, key)
        except ValueError:
            raise ScenarioError.at(key, raw, ALLOWED_DURATION) from None
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise ScenarioError.at(key, raw, "a number")
    return _non_negative(float(raw), raw, key)


def _non_negative(value: float, raw: object, key: str) -> float:
    if not (value >= 0) or math.isinf(value):
        raise ScenarioError.at(key, raw, "a finite value >= 0")
    return value


def _check_shape(kind: str, p: tuple[float, ...], key: str) -> None:
    """Check the relations between parameters that single values cannot show."""
    bad: tuple[str, str] | None = None
    if kind in {"exponential", "lognormal", "gamma"} and p[0] <= 0:
        bad = ("mean", "greater than 0")
    elif kind == "weibull" and (p[0] <= 0 or p[1] <= 0):
        bad = ("shape" if p[0] <= 0 else "scale", "greater than 0")
    elif kind == "triangular" and not p[0] <= p[1] <= p[2]:
        bad = ("mode", "min <= mode <= max")
    elif kind == "uniform" and p[0] > p[1]:
        bad = ("max", "at least min")
    if bad:
        name, allowed = bad
        raise ScenarioError.at(f"{key}.{name}", p[KINDS[kind].index(name)], allowed)
    _check_finite(Dist(kind, p), key)


def _check_finite(d: Dist, key: str) -> None:
    """Refuse parameters whose moments or quantiles overflow (e.g. sd = 1e154 x the mean)."""
    try:
        with np.errstate(all="raise"):
            moments = (d.mean, d.variance)
            quantiles = d.ppf(np.array([0.001, 0.5, 0.999]))
        ok = all(math.isfinite(m) for m in moments) and bool(np.all(np.isfinite(quantiles)))
    except (OverflowError, FloatingPointError, ValueError, ZeroDivisionError):
        ok = False
    if not ok:
        names = KINDS[d.kind]
        raise ScenarioError.at(f"{key}.{names[-1]}", d.params[-1] if d.params else None,
                               f"{d.kind} parameters ({', '.join(names)}) whose mean, variance "
                               "and quantiles are finite numbers (these overflow)")


def describe(dist: Dist, duration: bool = True) -> dict[str, object]:
    """Turn a :class:`Dist` back into its scenario-file form (used for resolved scenarios)."""
    from .units import format_duration

    def show(name: str, value: float) -> object:
        return format_duration(value) if duration and name not in _UNITLESS else value

    if dist.kind == "deterministic":
        return {"dist": "deterministic", "value": show("value", dist.params[0])}
    if dist.kind == "empirical":
        return {"dist": "empirical", "values": [show("values", v) for v in dist.params]}
    names = KINDS[dist.kind]
    return {"dist": dist.kind, **{n: show(n, v) for n, v in zip(names, dist.params, strict=True)}}
