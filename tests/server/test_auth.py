"""Every registered CV Studio route refuses anonymous and unauthorized callers with JSON 403."""

from __future__ import annotations

import re

from tornado import web

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def registered_routes(serverapp) -> list[tuple[str, type]]:
    """The routes the running server really has under cvstudio/, from tornado's tables."""
    found = []

    def walk(rules):
        for rule in rules:
            target = rule.target
            if isinstance(target, type) and issubclass(target, web.RequestHandler):
                pattern = rule.matcher.regex.pattern
                if "cvstudio/" in pattern:
                    found.append((pattern, target))
            elif hasattr(target, "rules"):
                walk(target.rules)

    walk(serverapp.web_app.default_router.rules)
    return found


def concrete_path(pattern: str, base_url: str) -> str:
    path = re.sub(r"\(\?P<\w+>[^)]*\)", "1", pattern).rstrip("$")
    path = path.replace(".*", "nothing-here").replace("\\", "")
    assert path.startswith(base_url.replace("%40", "@")) or path.startswith(base_url), path
    return path


def implemented(handler: type) -> list[str]:
    return [m for m in METHODS if getattr(handler, m.lower()) is not web.RequestHandler._unimplemented_method]


def test_every_cvstudio_route_is_registered(jp_serverapp):
    from cvstudio_ext.handlers import routes

    ours = {h for _, h in routes()}
    registered = {h for _, h in registered_routes(jp_serverapp)}
    assert ours <= registered and len(registered_routes(jp_serverapp)) >= len(routes())


async def _walk(jp_serverapp, http_server_client, jp_base_url, headers):
    seen = 0
    for pattern, handler in registered_routes(jp_serverapp):
        for method in implemented(handler):
            url = concrete_path(pattern, jp_base_url)
            body = b"{}" if method in ("POST", "PUT", "PATCH") else None
            resp = await http_server_client.fetch(
                url,
                method=method,
                body=body,
                headers=dict(headers),
                raise_error=False,
                follow_redirects=False,
                allow_nonstandard_methods=True,
            )
            assert resp.code == 403, (method, url, resp.code, resp.body[:200])
            assert resp.headers["Content-Type"].startswith("application/json"), (method, url)
            import json

            assert json.loads(resp.body)["error"]["code"] in ("unauthenticated", "forbidden"), (method, url)
            seen += 1
    return seen


async def test_every_route_without_token_is_403_json(jp_serverapp, http_server_client, jp_base_url):
    seen = await _walk(jp_serverapp, http_server_client, jp_base_url, {})
    assert seen >= 15


async def test_wrong_token_is_403(jp_serverapp, http_server_client, jp_base_url):
    seen = await _walk(jp_serverapp, http_server_client, jp_base_url, {"Authorization": "token nope"})
    assert seen >= 15
