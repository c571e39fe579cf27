"""factory_boy factories for every model the tests build."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from campaigns.models import Assignment, Campaign, CampaignFirmware, Wave
from devices.models import Device, Firmware, Fleet, Label
from vendors.choices import VendorKind
from vendors.models import VendorAccount


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct horse battery staple")


class VendorAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VendorAccount
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"account-{n}")
    kind = VendorKind.KNOX_EFOTA
    base_url = "https://api.samsungknox.com"
    rate_limit_calls = 0  # 0 means: take the vendor's documented default on save

    @factory.post_generation
    def credentials(obj, create, extracted, **kwargs):
        obj.set_credentials(extracted or {"client_id": "id", "client_secret": "secret"})
        if create:
            obj.save()


class LabelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Label
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"label-{n}")


class DeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Device

    account = factory.SubFactory(VendorAccountFactory)
    external_id = factory.Sequence(lambda n: f"35{n:013d}")
    model = "SM-G991B"
    firmware_version = "G991BXXU1AUA1"


class FirmwareFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Firmware

    account = factory.SubFactory(VendorAccountFactory)
    version = factory.Sequence(lambda n: f"G991BXXU9{n:04d}")
    vendor_ref = factory.LazyAttribute(lambda f: f.version)
    models_fitted = factory.LazyFunction(lambda: ["SM-G991B"])


class FleetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Fleet

    name = factory.Sequence(lambda n: f"fleet-{n}")


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"campaign-{n}")
    fleet = factory.SubFactory(FleetFactory)
    wave_plan = factory.LazyFunction(lambda: [{"percent": 10}, {"percent": 100}])


class CampaignFirmwareFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CampaignFirmware

    campaign = factory.SubFactory(CampaignFactory)
    firmware = factory.SubFactory(FirmwareFactory)
    account = factory.LazyAttribute(lambda cf: cf.firmware.account)
    model = "SM-G991B"


class WaveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Wave

    campaign = factory.SubFactory(CampaignFactory)
    number = factory.Sequence(lambda n: n + 1)


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    campaign = factory.SubFactory(CampaignFactory)
    device = factory.SubFactory(DeviceFactory)
    account = factory.LazyAttribute(lambda a: a.device.account)
