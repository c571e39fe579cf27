"""Knox E-FOTA device status words and the common device state each one maps to.

Knox reports two status dimensions per device: the operation status (server side: licence and campaign sync) and
the client status (the E-FOTA agent on the device). The word reported is the client status when the device has one,
else the operation status; the raw word is always kept beside the common state.
"""

from __future__ import annotations

from campaigns.choices import DeviceState
from vendors.connector import StatusMap

OPERATION_STATUSES: dict[str, DeviceState] = {
    # Assigned at Knox and waiting: for the campaign to reach the device, or for a licence. NoLicenseAssigned and
    # CampaignSyncExpected are Knox's "needs attention" states, but they can still move on, so the portal's device
    # timeout, not this mapping, decides when waiting has lasted too long.
    "Pending": DeviceState.ASSIGNED,
    "NoLicenseAssigned": DeviceState.ASSIGNED,
    "LicenseAssigned": DeviceState.ASSIGNED,
    "CampaignSyncExpected": DeviceState.ASSIGNED,
    "CampaignSynced": DeviceState.ASSIGNED,
    # An unusable licence does not heal by waiting: the device needs a new licence, then a new push.
    "InvalidLicense": DeviceState.FAILED,
}

CLIENT_STATUSES: dict[str, DeviceState] = {
    "AwaitingForDownload": DeviceState.ASSIGNED,
    "InprogressDownloading": DeviceState.DOWNLOADING,
    # Downloaded and waiting for the install window counts as installing: the download is done.
    "AwaitingForInstall": DeviceState.INSTALLING,
    "InprogressInstalling": DeviceState.INSTALLING,
    # Rolling back a failed install is still in flight; it ends in a failure word.
    "Reverting": DeviceState.INSTALLING,
    "Updated": DeviceState.SUCCEEDED,
    # Already compliant: above the target, or held at its current firmware by policy. Nothing more will happen, so
    # it is a success; the raw word tells the two apart from a real update.
    "HigherFirmware": DeviceState.SUCCEEDED,
    "LockedFirmware": DeviceState.SUCCEEDED,
    "FailedToDownload": DeviceState.FAILED,
    "FailedToInstall": DeviceState.FAILED,
    "FailedToEnroll": DeviceState.FAILED,
    "CampaignError": DeviceState.FAILED,
    "InvalidFirmware": DeviceState.FAILED,
}

# Knox's words are CamelCase; matching ignores case so a change of casing is not mistaken for a new word.
KNOX_STATUS_MAP = StatusMap({**OPERATION_STATUSES, **CLIENT_STATUSES}, case_sensitive=False)

ALREADY_COMPLIANT = frozenset({"HigherFirmware", "LockedFirmware"})
NEEDS_ATTENTION = frozenset({"NoLicenseAssigned", "CampaignSyncExpected", "InvalidLicense"})


def status_word(operation_status: str | None, client_status: str | None) -> str:
    """The word to report for a device: its client status when it has one, else its operation status."""
    return client_status or operation_status or ""
