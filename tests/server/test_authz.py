"""With an authorizer that refuses the `cvstudio` resource, every route answers 403."""

from __future__ import annotations

import pytest
from jupyter_server.auth.authorizer import Authorizer

from .test_auth import _walk


class DenyCVStudio(Authorizer):
    def is_authorized(self, handler, user, action, resource):
        return resource != "cvstudio"


@pytest.fixture
def jp_server_config(jp_server_config):
    jp_server_config["ServerApp"]["authorizer_class"] = DenyCVStudio
    return jp_server_config


async def test_every_route_checks_authorization(jp_serverapp, http_server_client, jp_base_url, jp_auth_header):
    seen = await _walk(jp_serverapp, http_server_client, jp_base_url, jp_auth_header)
    assert seen >= 15


async def test_me_lists_no_permissions_when_refused(api):
    assert (await api.get("me")).code == 403
