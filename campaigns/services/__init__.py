"""The rollout engine's services. Views, API views, admin actions and Celery tasks call these, never the models.

- ``events``: the audit trail.
- ``progress``: maintained counters and the progress read model.
- ``plan``: the preview and the preflight rules.
- ``lifecycle``: start, pause, resume, cancel, retry failed, approve next wave.
- ``push``: claiming queued assignments and pushing them to the vendors, crash-safe.
- ``ingest``: writing vendor statuses back in bulk.
- ``gates``: waves, thresholds, timeouts, completion.
"""

from campaigns.services.errors import CampaignRuleViolation, CampaignTransitionError

__all__ = ["CampaignRuleViolation", "CampaignTransitionError"]
