from __future__ import annotations

import pytest
from django.core.cache import cache
from django.utils import translation

from tests.factories import (
    CadreFactory,
    PairingFactory,
    TalentFactory,
    UnitFactory,
    UserFactory,
    VillageFactory,
    valid_id_number,
)


@pytest.fixture(autouse=True)
def _chinese_and_temp_media(settings, tmp_path):
    """Every test runs in zh-hans and writes uploads to a temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    translation.activate("zh-hans")
    yield
    translation.activate("zh-hans")


@pytest.fixture
def office_user(db):
    return UserFactory(username="office_t", roles=["office"])


@pytest.fixture
def leader_user(db):
    return UserFactory(username="leader_t", roles=["leader"])


@pytest.fixture
def cadre(db):
    return CadreFactory(user__username="cadre_t", name="王建国")


@pytest.fixture
def other_cadre(db):
    return CadreFactory(user__username="cadre_other", name="李其他")


@pytest.fixture
def cadre_user(cadre):
    return cadre.user


@pytest.fixture
def other_cadre_user(other_cadre):
    return other_cadre.user


@pytest.fixture
def village(db):
    return VillageFactory(name="梅家村")


@pytest.fixture
def secretary_user(village):
    user = UserFactory(username="secretary_t", roles=["village_secretary"])
    village.secretary = user
    village.save(update_fields=["secretary"])
    return user


@pytest.fixture(autouse=True)
def _empty_cache_between_transactional_tests(request):
    """Django empties the models' tables between tests that commit (live server, transactional_db), not the
    database cache's: the dashboard's figures of one such test would be read by the next (they are kept
    for a minute). Other tests roll the cache table back with everything else."""
    if {"live_server", "transactional_db"} & set(request.fixturenames):
        request.getfixturevalue("transactional_db")
        cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2 costs ~0.3 s per user; tests create dozens of users and never check the hash strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def liaison_user(db):
    return UserFactory(username="liaison_t", roles=["liaison"])


@pytest.fixture
def pairing(cadre, village, liaison_user):
    """The cadre's one talent: works at a unit whose liaison is ``liaison_user``, lives in ``village``."""
    unit = UnitFactory(name="梅家乡农业服务中心", liaison=liaison_user)
    talent = TalentFactory(
        name="陈丽华",
        unit=unit,
        village=village,
        phone="13812345678",
        id_number=valid_id_number(1),
        thoughts="对乡里产业规划有些顾虑。",
    )
    return PairingFactory(cadre=cadre, talent=talent)
