"""Shared fixtures: named users for each role (alice admin, bob operator, carol viewer, dave outsider)."""

from __future__ import annotations

import pytest

from fota_portal.roles import Role, roles_sync, user_set_role
from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"


def _user_with_role(username: str, role: Role | None):
    roles_sync()
    user = UserFactory(username=username)
    if role is not None:
        user_set_role(user=user, role=role)
    return user


@pytest.fixture
def alice(db):
    """An admin."""
    return _user_with_role("alice", Role.ADMIN)


@pytest.fixture
def bob(db):
    """An operator."""
    return _user_with_role("bob", Role.OPERATOR)


@pytest.fixture
def carol(db):
    """A viewer."""
    return _user_with_role("carol", Role.VIEWER)


@pytest.fixture
def dave(db):
    """An outsider: a user with no role."""
    return _user_with_role("dave", None)
