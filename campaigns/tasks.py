"""Celery tasks of the rollout engine: thin callers that take ids and call one service each.

Vendor writes (push, withdraw, sweep) and vendor reads (poll, inventory) run on separate queues so a slow poll never
starves pushes.
"""

from __future__ import annotations

from celery import shared_task

from campaigns.services import poll, push


@shared_task(name="campaigns.push_campaign", queue="vendor_writes", ignore_result=True)
def push_campaign(campaign_id: int) -> int:
    try:
        handled = push.campaign_push(campaign_id=campaign_id)
    finally:
        poll.task_release(f"push:{campaign_id}")
    if handled:
        # More may be queued (the task pushes a bounded number of batches so one campaign cannot hog a worker).
        push_campaign.apply_async((campaign_id,), countdown=0.5)
    return handled


@shared_task(name="campaigns.withdraw_campaign", queue="vendor_writes", ignore_result=True)
def withdraw_campaign(campaign_id: int) -> dict:
    return poll.campaign_withdraw(campaign_id=campaign_id)


@shared_task(name="campaigns.sweep_pushes", queue="vendor_writes", ignore_result=True)
def sweep_pushes() -> int:
    try:
        return push.pushes_reconcile()
    finally:
        poll.task_release("sweep")


@shared_task(name="campaigns.poll_account", queue="vendor_reads", ignore_result=True)
def poll_account(account_id: int) -> int:
    try:
        return poll.account_poll(account_id=account_id)
    finally:
        poll.task_release(f"poll:{account_id}")


@shared_task(name="campaigns.tick", ignore_result=True)
def tick() -> dict:
    return poll.engine_tick()
