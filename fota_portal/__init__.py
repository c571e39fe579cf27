"""FOTA Portal: one dashboard for firmware rollouts across vendor clouds."""

from .celery import app as celery_app

__all__ = ("celery_app",)
