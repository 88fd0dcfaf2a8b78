"""With an identity provider that names real users (as JupyterHub does), each sees only their own rows."""

from __future__ import annotations

import pytest
from jupyter_server.auth.identity import IdentityProvider, User

from ..datagen import class_folders


class HeaderIdentity(IdentityProvider):
    """Token-authenticated requests name their user in X-Test-User."""

    async def get_user(self, handler):
        user = await super().get_user(handler)
        if user is None:
            return None
        name = handler.request.headers.get("X-Test-User", "alice")
        return User(username=name, name=name, display_name=name.title())


@pytest.fixture
def jp_server_config(jp_server_config):
    jp_server_config["ServerApp"]["identity_provider_class"] = HeaderIdentity
    return jp_server_config


async def test_rows_belong_to_their_owner(api, jp_root_dir):
    class_folders(jp_root_dir / "shared")
    me = (await api.get("me", headers={"X-Test-User": "alice"})).json
    assert me["username"] == "alice" and me["owner"] == "alice"
    r = await api.post("datasets", {"name": "mine", "path": "shared"}, headers={"X-Test-User": "alice"})
    assert r.code == 202 and r.json["owner"] == "alice"
    ds_id = r.json["id"]
    await api.wait_dataset(ds_id)
    bob = {"X-Test-User": "bob"}
    assert (await api.get("datasets", headers=bob)).json["total"] == 0
    assert (await api.get(f"datasets/{ds_id}", headers=bob)).code == 404
    assert (await api.get(f"datasets/{ds_id}/images", headers=bob)).code == 404
    assert (await api.delete(f"datasets/{ds_id}", headers=bob)).code == 404
    r = await api.post("datasets", {"name": "mine", "path": "shared"}, headers=bob)
    assert r.code == 202  # names are per user
    assert (await api.get("datasets")).json["total"] == 1
