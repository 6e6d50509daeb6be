"""Order statistics of latency samples."""


def percentile(samples: list[float], q: float) -> float:
    """The sample at quantile `q` (0..1) by the nearest-rank rule; 0 for no samples."""
    if not samples:
        return 0.0
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
