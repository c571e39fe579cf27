"""The connector contract every vendor implements, the data it exchanges, and the registry by vendor kind.

A connector is built for one ``VendorAccount`` and talks to that account's cloud through ``vendors.http.VendorHTTP``
(one HTTP seam: timeouts, request ids, the shared rate limiter, retries for transient errors only, token refresh).
Every method raises ``vendors.errors.VendorError`` (``transient`` or permanent, decoded through the error catalog)
on a vendor failure and ``vendors.errors.NotSupported`` where the vendor has no such operation.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from campaigns.choices import DeviceState
from vendors.errors import VendorError

if TYPE_CHECKING:
    import httpx

    from vendors.http import VendorHTTP
    from vendors.models import VendorAccount


@dataclass(frozen=True)
class DeviceInfo:
    """A device as the vendor's inventory lists it."""

    external_id: str
    model: str
    firmware_version: str = ""
    name: str = ""
    attributes: dict = field(default_factory=dict)


@dataclass(frozen=True)
class FirmwareInfo:
    """A firmware the vendor can install: ``vendor_ref`` is what a push names (fileId, manifest id, ...)."""

    vendor_ref: str
    version: str
    models: tuple[str, ...] = ()
    name: str = ""


@dataclass
class PushResult:
    """One vendor-side rollout object created by ``push`` (a push may create several, split at the batch limit).

    ``device_ids`` were accepted into it; ``rejected`` maps device ids the vendor refused to the decoded error.
    ``started`` is true when the vendor needs no separate ``start`` call.
    """

    vendor_ref: str
    device_ids: list[str]
    rejected: dict[str, VendorError] = field(default_factory=dict)
    started: bool = True
    sub_refs: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DeviceStatus:
    """A device's status in a rollout: the vendor's own word, the common state it maps to, and any error.

    ``state`` is ``None`` when the vendor word is not in the connector's mapping: the word is kept raw and
    reported, never guessed.
    """

    external_id: str
    vendor_status: str
    state: DeviceState | None
    error: VendorError | None = None
    sub_ref: str = ""
    detail: str = ""


@dataclass
class CancelResult:
    """What a cancel withdrew at the vendor and what it could not (with the vendor's reason)."""

    withdrawn: list[str] = field(default_factory=list)
    not_withdrawn: dict[str, str] = field(default_factory=dict)


class StatusMap:
    """A vendor's status words mapped to common device states; unknown words stay unmapped (``None``)."""

    def __init__(self, mapping: dict[str, DeviceState], *, case_sensitive: bool = True):
        self.case_sensitive = case_sensitive
        self._mapping = {self._key(word): state for word, state in mapping.items()}
        self.words = tuple(mapping)

    def _key(self, word: str) -> str:
        return word if self.case_sensitive else word.lower()

    def __call__(self, word: str) -> DeviceState | None:
        return self._mapping.get(self._key(word or ""))


class Connector(ABC):
    """The contract of a vendor connector. Subclasses live in ``vendors/<kind>/connector.py``."""

    kind: ClassVar[str]
    #: Largest number of devices one vendor rollout object (or one assign call) may carry; ``None`` = no limit.
    batch_limit: ClassVar[int | None] = None
    #: Whether ``cancel`` can withdraw anything at this vendor.
    supports_cancel: ClassVar[bool] = True
    #: The vendor's status words and the common state each maps to.
    status_map: ClassVar[StatusMap]

    def __init__(self, account: VendorAccount, *, http: VendorHTTP | None = None):
        from vendors.http import VendorHTTP

        self.account = account
        self.http = http or VendorHTTP(account=account, connector=self)

    # --- hooks the HTTP layer calls -----------------------------------------------------------------------------

    @abstractmethod
    def authenticate(self, *, force: bool = False) -> dict[str, str]:
        """Return the headers that authenticate a call, from the shared token cache or a new login.

        ``force`` discards a cached token (after the vendor said it expired). Raises ``VendorError`` when the
        credentials are refused.
        """

    @abstractmethod
    def error_from_response(self, response: httpx.Response) -> VendorError | None:
        """Return the decoded ``VendorError`` a response carries, or ``None`` when it is a success.

        Each vendor signals errors its own way (Knox 400 + code, Huawei 403 + error_code, Izuma ErrorResponse,
        EnOS an envelope code with HTTP 200), so the connector reads them.
        """

    # --- operations ---------------------------------------------------------------------------------------------

    @abstractmethod
    def test_connection(self) -> None:
        """Authenticate and make one cheap read. Returns nothing; raises ``VendorError`` on any failure."""

    @abstractmethod
    def list_devices(self) -> Iterator[DeviceInfo]:
        """Yield every device in the account's inventory, reading every page to the end."""

    @abstractmethod
    def list_firmware(self) -> list[FirmwareInfo]:
        """Return every firmware the account can install."""

    @abstractmethod
    def push(self, *, name: str, firmware: FirmwareInfo, device_ids: list[str], options: dict) -> list[PushResult]:
        """Create the vendor's rollout object(s) sending ``firmware`` to ``device_ids``.

        ``name`` is unique per push attempt and is stored at the vendor where it can be, so ``find_push`` can
        reconcile after a crash. Splits ``device_ids`` at ``batch_limit``. ``options`` are the campaign's vendor
        options for this vendor. Raises ``OutcomeUnknown`` when a create may have happened without an answer.
        """

    def start(self, *, vendor_ref: str) -> None:
        """Start a rollout object where the vendor separates create and start (Izuma, EnOS); no-op elsewhere."""

    @abstractmethod
    def statuses(self, *, vendor_ref: str) -> Iterator[DeviceStatus]:
        """Yield the status of every device in the rollout object, reading every page to the end."""

    @abstractmethod
    def cancel(self, *, vendor_ref: str, device_ids: list[str]) -> CancelResult:
        """Withdraw devices (or the whole object) where the vendor allows it.

        Raises ``NotSupported`` where the vendor has no cancel or stop operation.
        """

    @abstractmethod
    def find_push(self, *, name: str, device_ids: list[str]) -> list[PushResult]:
        """Find rollout objects an earlier ``push`` with this ``name`` created (after a crash), or ``[]``."""

    def close(self) -> None:
        """Release the HTTP connections (a worker makes many connectors over its life)."""
        self.http.close()

    def __enter__(self) -> Connector:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- helpers for subclasses -----------------------------------------------------------------------------------

    def batches(self, device_ids: list[str]) -> list[list[str]]:
        limit = self.batch_limit or max(len(device_ids), 1)
        return [device_ids[i : i + limit] for i in range(0, len(device_ids), limit)]

    def map_status(self, word: str) -> DeviceState | None:
        return self.status_map(word)


# kind -> "module path:ClassName"; each vendor package registers itself here.
REGISTRY: dict[str, str] = {
    "knox_efota": "vendors.knox_efota.connector:KnoxConnector",
    "huawei_iodm": "vendors.huawei_iodm.connector:HuaweiConnector",
    "izuma_dm": "vendors.izuma_dm.connector:IzumaConnector",
    "enos": "vendors.enos.connector:EnosConnector",
}


def connector_class(kind: str) -> type[Connector]:
    try:
        module_path, class_name = REGISTRY[kind].split(":")
    except KeyError:
        raise LookupError(f"No connector is registered for vendor kind {kind!r}.") from None
    return getattr(importlib.import_module(module_path), class_name)


def connector_for(account: VendorAccount) -> Connector:
    """The connector for one vendor account."""
    return connector_class(account.kind)(account)
