"""The SecretStore (DESIGN.md section 8): a master key from the environment or a 0600 key file made once."""

from __future__ import annotations

import base64
import os
import stat
from concurrent.futures import ThreadPoolExecutor

import pytest
from pydantic import ValidationError

from tenantry.adapters.secrets import FernetSecretStore, valid_master_key
from tenantry.config import Settings
from tenantry.core.errors import Unavailable

KEY = base64.urlsafe_b64encode(os.urandom(32)).decode()


def test_sealed_text_opens_to_the_plaintext_and_does_not_contain_it():
    store = FernetSecretStore(KEY)
    sealed = store.seal(b"-----BEGIN PRIVATE KEY-----")
    assert "PRIVATE" not in sealed and sealed != store.seal(b"-----BEGIN PRIVATE KEY-----")
    assert store.open(sealed) == b"-----BEGIN PRIVATE KEY-----"


def test_another_master_key_cannot_open_and_says_so():
    sealed = FernetSecretStore(KEY).seal(b"secret")
    other = FernetSecretStore(base64.urlsafe_b64encode(os.urandom(32)).decode())
    with pytest.raises(Unavailable) as caught:
        other.open(sealed)
    assert caught.value.code == "master_key_mismatch"


def test_the_key_file_is_made_on_first_use_only_with_mode_0600(tmp_path):
    key_file = tmp_path / "data" / "master.key"
    store = FernetSecretStore(None, key_file)
    assert not key_file.exists()
    sealed = store.seal(b"secret")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert FernetSecretStore(None, key_file).open(sealed) == b"secret"
    assert [p.name for p in key_file.parent.iterdir()] == ["master.key"]


def test_processes_starting_together_agree_on_one_key_file(tmp_path):
    key_file = tmp_path / "master.key"
    stores = [FernetSecretStore(None, key_file) for _ in range(8)]
    with ThreadPoolExecutor(8) as pool:
        sealed = list(pool.map(lambda store: store.seal(b"x"), stores))
    assert all(stores[0].open(item) == b"x" for item in sealed)
    assert [p.name for p in tmp_path.iterdir()] == ["master.key"]


def test_a_damaged_key_file_is_a_clear_error(tmp_path):
    key_file = tmp_path / "master.key"
    key_file.write_text("not a key")
    with pytest.raises(Unavailable) as caught:
        FernetSecretStore(None, key_file).seal(b"x")
    assert caught.value.code == "master_key_invalid"


@pytest.mark.parametrize("value", ["", "short", base64.urlsafe_b64encode(b"x" * 16).decode(), "é" * 44])
def test_a_malformed_master_key_is_refused_by_the_settings(value):
    assert not valid_master_key(value)
    with pytest.raises(ValidationError):
        Settings(master_key=value)  # type: ignore[arg-type]
    assert Settings(master_key=KEY).master_key is not None  # type: ignore[arg-type]
