"""Every Knox E-FOTA path the connector calls and the simulator serves, relative to the account's base URL.

[V] is confirmed in Knox's documentation or the seed documents; [U] is assumed, because Knox's API reference is
rendered client-side and no OpenAPI file for E-FOTA is public. A deployment that finds a path different corrects it
here (the simulator follows), or for one account without a code change:
``VendorAccount.settings["endpoints"] = {"campaign_assign": "/ke/v1/campaigns/{campaign_id}/devices/assign"}``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:
    from vendors.models import VendorAccount


@dataclass(frozen=True)
class KnoxEndpoints:
    """The endpoint table; ``{campaign_id}`` is filled in per call."""

    # [V] OAuth 2.0 client credentials, form-encoded; answers {access_token, scope, expires_in, token_type}.
    token: str = "/ams/v1/oauth2/token"
    # [V] POST creates a campaign (answers {"campaignId"} [U]); GET lists them — the path is [V], the paging and
    # search parameters (pageNum, pageSize, search, sortBy, sortOrder, status, modifiedTimeFrom) are [U].
    campaigns: str = "/ke/v1/campaigns"
    # [V] GET one campaign.
    campaign: str = "/ke/v1/campaigns/{campaign_id}"
    # [U] POST {"deviceIds": [...]}, at most 1,000 ids a call (the limit is [V]).
    campaign_assign: str = "/ke/v1/campaigns/{campaign_id}/assign"
    # [U] POST {"deviceIds": [...]}, at most 1,000 ids a call.
    campaign_unassign: str = "/ke/v1/campaigns/{campaign_id}/unassign"
    # [U] POST, no body.
    campaign_cancel: str = "/ke/v1/campaigns/{campaign_id}/cancel"
    # [U] PUT {"firmwares": [{model, salesCode, csc?, firmwareVersion?}]}; GET reads it back.
    campaign_firmware_policy: str = "/ke/v1/campaigns/{campaign_id}/firmwarePolicy"
    # [V] POST {pageNum, pageSize, campaignId?, agentErrorCodes?}; the response's field names are [U].
    devices_search: str = "/ke/v1/devices/getDevices"
    # [U] GET ?modelName&carrierCode&csc&status (the parameter names are [V], from the error table).
    firmwares: str = "/ke/v1/firmwares"

    @classmethod
    def for_account(cls, account: VendorAccount) -> KnoxEndpoints:
        """The table with the account's corrections applied; an unknown name is refused, not ignored."""
        overrides = (account.settings or {}).get("endpoints") or {}
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(overrides) - names)
        if unknown:
            raise ValueError(
                f"Unknown Knox endpoint name(s) in the account settings: {', '.join(unknown)}. "
                f"Known names: {', '.join(sorted(names))}."
            )
        return replace(cls(), **overrides)

    def of(self, name: str, campaign_id: str = "") -> str:
        """The path ``name`` with the campaign id filled in."""
        return getattr(self, name).replace("{campaign_id}", quote(campaign_id, safe=""))


ENDPOINTS = KnoxEndpoints()


def route(path: str) -> str:
    """A table path as a Django URL pattern (for the simulator)."""
    return path.lstrip("/").replace("{campaign_id}", "<str:campaign_id>")
