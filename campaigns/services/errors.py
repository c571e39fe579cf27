"""Errors the engine's services raise for people: what was refused and why."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One preflight problem: the rule it breaks, the field it is about, and a message for people."""

    rule: str
    message: str
    field: str = ""
    vendor_kind: str = ""

    def as_dict(self) -> dict:
        return {"rule": self.rule, "field": self.field, "vendor": self.vendor_kind, "message": self.message}


class CampaignTransitionError(Exception):
    """The campaign cannot make this transition in its current state (HTTP 409 in the API)."""


class CampaignRuleViolation(Exception):
    """Preflight found problems; nothing was sent to any vendor."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(p.message for p in problems))
