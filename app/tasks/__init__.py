"""Celery tasks (`mesa_partes.*`); the Celery app imports this package when it is finalized."""

from app.tasks import cache, documentos, integraciones, notificaciones, reportes

__all__ = ["cache", "documentos", "integraciones", "notificaciones", "reportes"]
