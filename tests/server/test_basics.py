"""Identity, settings, health, error bodies."""

from __future__ import annotations


async def test_me_reports_the_jupyter_user_and_permissions(api):
    r = await api.get("me")
    assert r.code == 200
    me = r.json
    assert me["username"] and set(me) >= {"username", "name", "display_name", "permissions"}
    assert me["permissions"]["cvstudio"] == ["read", "write", "execute"]


async def test_health(api):
    r = await api.get("health")
    assert r.code == 200
    assert r.json["status"] == "ok" and isinstance(r.json["cuda"], bool) and r.json["gpus"] >= 0
    assert r.json["torch"].startswith("2.")


async def test_config_round_trip_and_validation(api):
    r = await api.get("config")
    assert r.code == 200 and r.json["page_size"] == 50
    r = await api.put("config", {"page_size": 100, "default_device": "cpu"})
    assert r.code == 200 and r.json["page_size"] == 100
    assert (await api.get("config")).json["default_device"] == "cpu"
    r = await api.put("config", {"no_such_key": 1})
    assert r.code == 422 and r.json["error"]["code"] == "validation_error"
    assert "no_such_key" in r.json["error"]["message"]
    r = await api.put("config", {"page_size": 0})
    assert r.code == 422
    r = await api.put("config", raw=b"{not json", headers={"Content-Type": "application/json"})
    assert r.code == 400 and r.json["error"]["code"] == "invalid_json"
    assert (await api.get("config")).json["page_size"] == 100


async def test_unknown_route_is_json_404(api):
    r = await api.get("no/such/route")
    assert r.code == 404 and r.json["error"]["code"] == "not_found"


async def test_openapi_lists_every_route(api, jp_serverapp):
    from cvstudio_ext.handlers import routes
    from cvstudio_ext.handlers.openapi import openapi_path

    doc = (await api.get("openapi.json")).json
    assert doc["openapi"].startswith("3.1")
    for pattern, handler in routes():
        if not getattr(handler, "doc", None):
            continue
        path = openapi_path(pattern)
        for method in ("get", "post", "put", "patch", "delete"):
            if method in handler.__dict__ or method in getattr(handler, "doc", {}):
                assert method in doc["paths"][path], (path, method)
