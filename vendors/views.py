"""Vendor pages: vendor accounts (add, edit, test the connection), simulator knobs, the error catalog, API tokens."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from devices.models import Firmware
from fota_portal.models import APIToken
from fota_portal.roles import Role, user_has_role
from fota_portal.services.tokens import api_token_create, api_token_revoke
from fota_portal.views import account_rate_use, fleet_totals, htmx_target, role_required
from vendors.accounts import account_connection_test, account_inventory_refresh
from vendors.forms import (
    APITokenForm,
    ErrorCatalogFilterForm,
    SimulatorKnobsForm,
    VendorAccountForm,
)
from vendors.models import ErrorCatalogEntry, SimulatorTenant, VendorAccount
from vendors.simulators.services import simulator_knobs_set

# --- vendor accounts ---------------------------------------------------------------------------------------------


@role_required(Role.VIEWER)
def account_list(request: HttpRequest) -> HttpResponse:
    per_account = fleet_totals()["per_account"]
    accounts = list(VendorAccount.objects.order_by("name"))
    for account in accounts:
        account.device_count = per_account.get(account.pk, 0)
        account.rate_use = account_rate_use(account)
    return render(request, "vendors/accounts.html", {"accounts": accounts,
                                                     "is_admin": user_has_role(request.user, Role.ADMIN)})


@role_required(Role.VIEWER)
def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(VendorAccount, pk=pk)
    account.device_count = fleet_totals()["per_account"].get(account.pk, 0)
    account.rate_use = account_rate_use(account)
    stored = account.credentials if account.has_credentials else {}
    credentials = [(name, bool(stored.get(name))) for name in VendorAccount.CREDENTIAL_FIELDS.get(account.kind, ())]
    context = {
        "account": account,
        "credentials": credentials,
        "firmware": Firmware.objects.filter(account=account).order_by("-created_at")[:50],
        "is_admin": user_has_role(request.user, Role.ADMIN),
        "tenants": SimulatorTenant.objects.filter(kind=account.kind) if settings.SIMULATORS_ENABLED else [],
    }
    return render(request, "vendors/account_detail.html", context)


def _account_form(request: HttpRequest, account: VendorAccount | None) -> HttpResponse:
    form = VendorAccountForm(request.POST or None, instance=account)
    if request.method == "POST" and form.is_valid():
        account = form.save()
        messages.success(request, f"Vendor account “{account.name}” saved. Test the connection to check it.")
        return redirect("vendors:account", account.pk)
    return render(request, "vendors/account_form.html", {"form": form, "account": account})


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def account_create(request: HttpRequest) -> HttpResponse:
    return _account_form(request, None)


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def account_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _account_form(request, get_object_or_404(VendorAccount, pk=pk))


@role_required(Role.ADMIN)
@require_POST
def account_test(request: HttpRequest, pk: int) -> HttpResponse:
    """Log in and make one cheap read; the result (and the account's health) says what went wrong, decoded."""
    account = get_object_or_404(VendorAccount, pk=pk)
    test = account_connection_test(account=account)
    error = test.error or {}
    result = {"ok": test.ok, "code": error.get("code", ""), "explanation": error.get("explanation", test.message),
              "action": error.get("action", ""), "transient": error.get("transient"),
              "http_status": error.get("http_status")}
    if htmx_target(request) == "test-result":
        return render(request, "vendors/_test_result.html", {"result": result, "account": account})
    if result["ok"]:
        messages.success(request, f"Connected to {account.name}: the credentials work.")
    else:
        messages.error(request, f"Connection to {account.name} failed: {result['code']} {result['explanation']}")
    return redirect("vendors:account", account.pk)


@role_required(Role.ADMIN)
@require_POST
def account_sync(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue a read of the account's device inventory and firmware (the same task the hourly sync runs)."""
    account = get_object_or_404(VendorAccount, pk=pk)
    account_inventory_refresh(account=account)
    messages.success(request, f"Inventory sync of {account.name} queued: devices appear as the worker reads them.")
    return redirect("vendors:account", account.pk)


# --- simulator knobs ---------------------------------------------------------------------------------------------


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def simulators(request: HttpRequest) -> HttpResponse:
    """The knobs of every simulated vendor account (only when the simulators are enabled)."""
    if not settings.SIMULATORS_ENABLED:
        raise Http404("The vendor simulators are not enabled.")
    tenants = list(SimulatorTenant.objects.order_by("kind", "tenant_key"))
    forms_by_tenant = {t.pk: SimulatorKnobsForm(knobs=t.knobs, prefix=f"t{t.pk}") for t in tenants}
    if request.method == "POST":
        tenant = get_object_or_404(SimulatorTenant, pk=request.POST.get("tenant"))
        form = SimulatorKnobsForm(request.POST, knobs=tenant.knobs, prefix=f"t{tenant.pk}")
        if form.is_valid():
            simulator_knobs_set(tenant=tenant, **form.knobs())
            messages.success(request, f"Knobs of the simulated {tenant.get_kind_display()} account "
                                      f"“{tenant.tenant_key}” saved.")
            return redirect("vendors:simulators")
        forms_by_tenant[tenant.pk] = form
    rows = [(tenant, forms_by_tenant[tenant.pk]) for tenant in tenants]
    return render(request, "vendors/simulators.html", {"rows": rows})


# --- error catalog -----------------------------------------------------------------------------------------------


@role_required(Role.VIEWER)
def error_catalog(request: HttpRequest) -> HttpResponse:
    filters = ErrorCatalogFilterForm(request.GET)
    entries = ErrorCatalogEntry.objects.order_by("vendor_kind", "code", "key")
    if filters.is_valid():
        data = filters.cleaned_data
        if data["q"]:
            term = data["q"].strip()
            entries = entries.filter(
                Q(code__iexact=term) | Q(code__istartswith=term) | Q(symbol__icontains=term)
                | Q(field__iexact=term) | Q(explanation__icontains=term) | Q(vendor_message__icontains=term)
                | Q(action__icontains=term)
            )
        if data["vendor"]:
            entries = entries.filter(vendor_kind=data["vendor"])
        if data["category"]:
            entries = entries.filter(category=data["category"])
        if data["transient"]:
            entries = entries.filter(transient=data["transient"] == "yes")
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filters": filters, "page": page, "query": query.urlencode()}
    if htmx_target(request) == "catalog-table":
        return render(request, "vendors/_errors_table.html", context)
    return render(request, "vendors/errors.html", context)


# --- API tokens --------------------------------------------------------------------------------------------------


@role_required(Role.VIEWER)
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    """Your API tokens: create one (its key is shown once, on this response only), list, revoke. Admins also see
    everyone's tokens, to revoke a leaked one."""
    form = APITokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        token, new_key = api_token_create(user=request.user, name=form.cleaned_data["name"])
        form = APITokenForm()
    is_admin = user_has_role(request.user, Role.ADMIN)
    mine = APIToken.objects.filter(user=request.user).order_by("-created_at")
    others = APIToken.objects.exclude(user=request.user).select_related("user").order_by("-created_at")[:200] \
        if is_admin else []
    response = render(request, "vendors/tokens.html",
                      {"form": form, "new_key": new_key, "mine": mine, "others": others, "is_admin": is_admin})
    if new_key:
        response["Cache-Control"] = "no-store"  # the key must not be kept by the browser's cache
    return response


@role_required(Role.VIEWER)
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(APIToken, pk=pk)
    if token.user_id != request.user.pk and not user_has_role(request.user, Role.ADMIN):
        raise Http404("No such token.")
    api_token_revoke(token=token)
    messages.success(request, f"Token “{token.name}” revoked: tools using it are refused from now on.")
    return redirect("vendors:tokens")
