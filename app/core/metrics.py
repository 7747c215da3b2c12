"""Prometheus metrics of this process, read from the services that keep them."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from app.core.cache import get_cache

_CACHE_COUNTERS = {
    "hits": "Lookups answered from the cache",
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


registry = CollectorRegistry()
registry.register(CacheCollector())
