"""GET /metrics: the service's instruments (`app.core.instruments`) and the cache's counters.

One process (no `PROMETHEUS_MULTIPROC_DIR`): a registry of this process's metrics, as before.
Multiprocess: `MultiProcessCollector` reads every process's files in that directory (the uvicorn
workers, the Celery pool children), so any API process answers for all of them. The cache counters
stay per process (`CacheCollector` reads the cache service of the process that answers the scrape).
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from app.core import instruments
from app.core.cache import get_cache
from app.core.database import refresh_pool_gauges

_CACHE_COUNTERS = {
    "hits": "Lookups answered from the cache",
    "near_hits": "Hits answered from this process's near copy, without a Redis round trip (part of hits)",
    "misses": "Lookups with no usable value (computed, or waited for another caller's computation)",
    "stale_served": "Lookups answered with the previous value while another caller recomputed",
    "coalesced": "Misses that waited for another caller's computation instead of computing",
    "computations": "Values computed and stored",
    "errors": "Redis calls that failed (timeouts, refused connections)",
    "fallbacks": "Operations served by the in-process LRU because Redis was unreachable",
    "invalidations": "Namespace invalidations (writes that made cached values stale)",
}


class CacheCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        cache = get_cache()
        for name, documentation in _CACHE_COUNTERS.items():
            family = CounterMetricFamily(f"mesa_partes_cache_{name}", documentation, labels=["namespace"])
            for namespace, stats in sorted(cache.stats.items()):
                family.add_metric([namespace], getattr(stats, name))
            yield family
        yield GaugeMetricFamily(
            "mesa_partes_cache_degraded",
            "1 while Redis is unreachable and the LRU serves",
            value=cache.degraded,
        )
        yield GaugeMetricFamily(
            "mesa_partes_cache_local_entries", "Entries in the in-process LRU", value=len(cache.local.entries)
        )
        yield GaugeMetricFamily(
            "mesa_partes_cache_near_entries",
            "Near copies this process serves without asking Redis",
            value=len(cache.near.entries),
        )


def build_registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    directory = instruments.multiprocess_dir()
    if directory is not None:
        MultiProcessCollector(registry, path=str(directory))  # type: ignore[no-untyped-call]
    else:
        for metric in instruments.ALL:
            registry.register(metric)
    registry.register(CacheCollector())
    return registry


registry = build_registry()


def exposition() -> bytes:
    """The Prometheus text of every metric (of every process, in multiprocess mode)."""
    refresh_pool_gauges()  # this process's pools as they are now, not as of their last checkout
    return generate_latest(registry)
