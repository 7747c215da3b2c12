"""Celery tasks (`mesa_partes.*`); the Celery app imports this package when it is finalized."""

from app.tasks import cache

__all__ = ["cache"]
