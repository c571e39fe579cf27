"""Engine benchmark on PostgreSQL: start a campaign over N devices, ingest N and 10,000 status changes, read progress —
each beside the raw SQL that does the same work in the same run, with the ratio.

Run: ``make bench`` (or ``python -m benchmarks.engine_bench --devices 1000000``). It creates and migrates its own
database (``fota_bench`` unless BENCH_DATABASE_URL says otherwise), writes ``benchmarks/results/engine-<date>.json``
and prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def _setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("SECRET_KEY", "benchmark")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fota_portal.settings")
    import django
    import psycopg

    base, name = database_url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _timed(fn, repeat: int = 1) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def run(devices: int) -> dict:
    from django.db import connection, transaction

    from campaigns import tasks
    from campaigns.choices import DeviceState
    from campaigns.models import Assignment, Campaign, CampaignFirmware
    from campaigns.services.ingest import assignments_ingest
    from campaigns.services.lifecycle import campaign_start
    from campaigns.services.progress import campaign_progress, counters_rebuild
    from devices.models import Firmware, Fleet
    from vendors.choices import VendorKind
    from vendors.connector import DeviceStatus
    from vendors.models import VendorAccount

    tasks.push_campaign.delay = lambda *a, **k: None  # the benchmark measures the database work, not vendor calls

    account = VendorAccount.objects.create(name="bench", kind=VendorKind.KNOX_EFOTA, base_url="https://bench.invalid",
                                           rate_limit_calls=25)
    firmware = Firmware.objects.create(account=account, version="new", vendor_ref="new", models_fitted=[])
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO devices_device (account_id, external_id, name, model, firmware_version, vendor_attributes, "
            "created_at, updated_at) SELECT %s, 'dev' || g, '', CASE WHEN g %% 3 = 0 THEN 'SM-A' ELSE 'SM-G' END, "
            "CASE WHEN g %% 50 = 0 THEN 'new' ELSE 'old' END, '{}', now(), now() FROM generate_series(1, %s) g",
            [account.pk, devices],
        )
        cursor.execute("ANALYZE devices_device")
    fleet = Fleet.objects.create(name="everything", saved_filter={"account": [account.pk]})

    def new_campaign(name: str) -> Campaign:
        campaign = Campaign.objects.create(name=name, fleet=fleet, wave_plan=[{"percent": 1}, {"percent": 10},
                                                                              {"percent": 100}])
        for model in ("SM-A", "SM-G"):
            CampaignFirmware.objects.create(campaign=campaign, account=account, model=model, firmware=firmware)
        return campaign

    results: dict = {}

    # 1. Start: plan + INSERT … SELECT of every assignment + wave split + counters, versus the bare INSERT … SELECT.
    campaign = new_campaign("bench")
    engine_start, _ = _timed(lambda: campaign_start(campaign_id=campaign.pk))
    raw = new_campaign("raw")

    def raw_start():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO campaigns_assignment (campaign_id, device_id, account_id, firmware_id, state, skip_reason,"
                " vendor_status, vendor_status_unmapped, vendor_ref, vendor_sub_ref, push_intent, attempts, error_code,"
                " error_field, error_message, created_at, updated_at) SELECT %s, d.id, d.account_id, %s, 'pending', "
                "'', '', FALSE, '', '', '', 0, '', '', '', now(), now() FROM devices_device d WHERE d.account_id = %s",
                [raw.pk, firmware.pk, account.pk],
            )

    raw_start_time, _ = _timed(raw_start)
    results["start"] = {"engine_s": engine_start, "raw_s": raw_start_time}
    Assignment.objects.filter(campaign=raw).delete()

    # Put every eligible device in flight at one vendor object, as after a push (setup, not measured).
    with connection.cursor() as cursor:
        cursor.execute("UPDATE campaigns_assignment SET state = 'assigned', vendor_ref = 'bench', vendor_status = "
                       "'Pending' WHERE campaign_id = %s AND state != 'skipped'", [campaign.pk])
        cursor.execute("ANALYZE campaigns_assignment")
    counters_rebuild(campaign=campaign)
    in_flight = list(Assignment.objects.filter(campaign=campaign, state=DeviceState.ASSIGNED)
                     .values_list("id", "device__external_id"))

    def statuses(word: str, state: DeviceState, limit: int | None = None):
        rows = in_flight[:limit] if limit else in_flight
        return [DeviceStatus(external_id=x, vendor_status=word, state=state) for _, x in rows]

    # 2. Ingest every device's change (the engine reads current rows, diffs, writes in bulk, moves the counters)
    #    versus COPY of the same rows into a temp table and one UPDATE … FROM.
    all_changes = statuses("InprogressDownloading", DeviceState.DOWNLOADING)
    engine_ingest, ingest_result = _timed(lambda: assignments_ingest(
        campaign_id=campaign.pk, account_id=account.pk, vendor_kind=account.kind, vendor_ref="bench",
        statuses=all_changes))

    def raw_update(rows, state: str, word: str):
        def work():
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("CREATE TEMP TABLE incoming (id bigint, state varchar(12), vendor_status varchar(100))"
                               " ON COMMIT DROP")
                with cursor.copy("COPY incoming (id, state, vendor_status) FROM STDIN") as copy:
                    for pk, _ in rows:
                        copy.write_row((pk, state, word))
                cursor.execute("UPDATE campaigns_assignment a SET state = i.state, vendor_status = i.vendor_status, "
                               "updated_at = now() FROM incoming i WHERE a.id = i.id")
        return work

    raw_ingest, _ = _timed(raw_update(in_flight, "installing", "InprogressInstalling"))
    results["ingest_all"] = {"engine_s": engine_ingest, "raw_s": raw_ingest, "changed": ingest_result.changed}

    # 3. Ingest 10,000 changes (a typical poll of one busy vendor object).
    with connection.cursor() as cursor:
        cursor.execute("UPDATE campaigns_assignment SET state = 'downloading', vendor_status = 'InprogressDownloading'"
                       " WHERE campaign_id = %s AND state = 'installing'", [campaign.pk])
    counters_rebuild(campaign=campaign)
    ten_k = statuses("Updated", DeviceState.SUCCEEDED, limit=10_000)
    engine_10k, result_10k = _timed(lambda: assignments_ingest(
        campaign_id=campaign.pk, account_id=account.pk, vendor_kind=account.kind, vendor_ref="bench",
        statuses=ten_k))
    raw_10k, _ = _timed(raw_update(in_flight[10_000:20_000], "succeeded", "Updated"))
    results["ingest_10k"] = {"engine_s": engine_10k, "raw_s": raw_10k, "changed": result_10k.changed}

    # 4. Progress: the maintained counters versus a GROUP BY over the assignments.
    engine_progress, _ = _timed(lambda: campaign_progress(campaign=campaign), repeat=20)

    def raw_progress():
        with connection.cursor() as cursor:
            cursor.execute("SELECT state, COUNT(*) FROM campaigns_assignment WHERE campaign_id = %s GROUP BY state",
                           [campaign.pk])
            return cursor.fetchall()

    raw_progress_time, _ = _timed(raw_progress, repeat=5)
    results["progress"] = {"engine_s": engine_progress, "raw_s": raw_progress_time}
    for entry in results.values():
        entry["ratio"] = round(entry["engine_s"] / entry["raw_s"], 2) if entry["raw_s"] else None
    return results


def _markdown(devices: int, results: dict) -> str:
    labels = {
        "start": f"Start a campaign over {devices:,} devices (plan, assignments, waves, counters) vs INSERT … SELECT",
        "ingest_all": f"Ingest {devices:,} status changes vs COPY + UPDATE … FROM",
        "ingest_10k": "Ingest 10,000 status changes vs COPY + UPDATE … FROM",
        "progress": "Read campaign progress (counters) vs GROUP BY over assignments",
    }
    lines = ["| measurement | engine | raw SQL | engine / raw |", "|---|---:|---:|---:|"]
    for key, label in labels.items():
        r = results[key]
        lines.append(f"| {label} | {r['engine_s'] * 1000:,.1f} ms | {r['raw_s'] * 1000:,.1f} ms | {r['ratio']}× |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--devices", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/fota_bench"))
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    _setup_django(args.database_url)
    results = run(args.devices)
    RESULTS.mkdir(exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    payload = {"devices": args.devices, "at": stamp, "machine": {"cpus": os.cpu_count(), "python":
               platform.python_version()}, "results": results}
    (RESULTS / f"engine-{stamp}.json").write_text(json.dumps(payload, indent=2))
    print(_markdown(args.devices, results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
