"""Model graphs through HTTP: catalogue, validate, shapes, analysis, code, CRUD with versions."""

from __future__ import annotations

import ast
from pathlib import Path

import torch

TINY = {
    "nodes": [
        {"id": "in", "type": "Input", "params": {"shape": [3, 32, 32]}},
        {"id": "c1", "type": "Conv2d", "params": {"out_channels": 8, "kernel_size": 3, "padding": 1}},
        {"id": "bn", "type": "BatchNorm2d", "params": {}},
        {"id": "act", "type": "ReLU", "params": {}},
        {"id": "pool", "type": "AdaptiveAvgPool2d", "params": {"output_size": 1}},
        {"id": "flat", "type": "Flatten", "params": {}},
        {"id": "fc", "type": "Linear", "params": {"out_features": 10}},
        {"id": "out", "type": "Output", "params": {}},
    ],
    "edges": [
        {"source": "in", "target": "c1"},
        {"source": "c1", "target": "bn"},
        {"source": "bn", "target": "act"},
        {"source": "act", "target": "pool"},
        {"source": "pool", "target": "flat"},
        {"source": "flat", "target": "fc"},
        {"source": "fc", "target": "out"},
    ],
}


def with_nodes(graph, *, drop_edge=None, params=None):
    nodes = [dict(n, params=dict(n["params"], **(params or {}).get(n["id"], {}))) for n in graph["nodes"]]
    edges = [dict(e) for i, e in enumerate(graph["edges"]) if i != drop_edge]
    return {"nodes": nodes, "edges": edges}


async def test_catalogue_lists_layers_with_params(api):
    r = await api.get("models/layers")
    assert r.code == 200
    layers = {entry["type"]: entry for entry in r.json["layers"]}
    for name in ("Input", "Output", "Conv2d", "Linear", "BatchNorm2d", "Add", "Concat", "ReLU", "Upsample", "resnet18"):
        assert name in layers, name
    conv = {p["name"]: p for p in layers["Conv2d"]["params"]}
    assert "in_channels" not in conv and conv["out_channels"]["type"] == "int"
    assert conv["stride"]["default"] in (1, [1, 1])


async def test_validate_and_shapes_and_analyze(api):
    r = await api.post("models/validate", {"graph": TINY})
    assert r.code == 200 and r.json["valid"] is True and r.json["errors"] == []
    r = await api.post("models/infer-shapes", {"graph": TINY, "batch_size": 4})
    assert r.code == 200 and r.json["valid"] is True
    shapes = r.json["shapes"]
    assert shapes["c1"] == [4, 8, 32, 32] and shapes["flat"] == [4, 8] and shapes["out"] == [4, 10]
    r = await api.post("models/analyze", {"graph": TINY})
    assert r.code == 200
    assert r.json["params"] == (3 * 8 * 9 + 8) + 8 * 2 + (8 * 10 + 10)  # conv with bias, bn, fc
    assert r.json["params"] == r.json["trainable_params"] and r.json["flops"] > 0
    assert {row["node"] for row in r.json["layers"]} >= {"c1", "fc"}


async def test_invalid_graphs_are_explained(api):
    broken = with_nodes(TINY, drop_edge=3)  # act -> pool missing: pool is disconnected
    r = await api.post("models/validate", {"graph": broken})
    assert r.code == 200 and r.json["valid"] is False
    assert any(e.get("node") == "pool" for e in r.json["errors"]), r.json
    r = await api.post("models/analyze", {"graph": broken})
    assert r.code == 422 and r.json["error"]["details"]
    r = await api.post("models/generate", {"graph": broken})
    assert r.code == 422
    bad = with_nodes(TINY, params={"c1": {"out_channels": -3}})
    r = await api.post("models/validate", {"graph": bad})
    assert r.json["valid"] is False and any(e.get("node") == "c1" for e in r.json["errors"])
    mismatch = with_nodes(TINY, params={"in": {"shape": [3, 2, 2]}, "c1": {"kernel_size": 7, "padding": 0}})
    r = await api.post("models/infer-shapes", {"graph": mismatch})
    assert r.code == 200 and r.json["valid"] is False
    assert any(e.get("node") == "c1" for e in r.json["errors"]), r.json
    assert (await api.post("models/validate", {"graph": []})).code == 422
    assert (await api.post("models/validate", {})).code == 422
    assert (await api.post("models/infer-shapes", {"graph": TINY, "batch_size": 0})).code == 422
    r = await api.post("models/validate", {"graph": {"nodes": "x", "edges": 5}})
    assert r.code in (200, 422)
    if r.code == 200:
        assert r.json["valid"] is False


async def test_generated_code_is_safe_and_matches(api, tmp_path):
    evil = with_nodes(TINY)
    evil["nodes"][1]["id"] = 'c1"); import os; os.system("touch /tmp/pwned-cvstudio") #'
    for e in evil["edges"]:
        for k in ("source", "target"):
            if e[k] == "c1":
                e[k] = evil["nodes"][1]["id"]
    r = await api.post("models/generate", {"graph": evil, "class_name": "Tiny"})
    assert r.code == 200, r
    code = r.json["code"]
    tree = ast.parse(code)
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert imported <= {"torch", "torchvision", "__future__"}, imported
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == "os"]
    namespace: dict = {}
    exec(compile(code, "generated.py", "exec"), namespace)  # the test runs it; the server never does
    namespace["Tiny"]()(torch.zeros(1, 3, 32, 32))
    assert not Path("/tmp/pwned-cvstudio").exists()
    assert r.json["class_name"] == "Tiny"
    r = await api.post("models/generate", {"graph": TINY, "class_name": "A(nn.Module): pass\nimport os#"})
    assert r.code == 422
    r = await api.post("models/generate", {"graph": TINY, "class_name": "Tiny"})
    namespace: dict = {}
    exec(compile(r.json["code"], "generated.py", "exec"), namespace)  # the test runs the code; the server never does
    model = namespace["Tiny"]()
    assert model(torch.zeros(2, 3, 32, 32)).shape == (2, 10)


async def test_models_crud_keeps_each_version(api):
    r = await api.post("models", {"name": "tiny net", "description": "first", "graph": TINY})
    assert r.code == 201, r
    m = r.json
    assert m["version"] == 1 and m["valid"] is True and m["class_name"] == "TinyNet"
    assert (await api.post("models", {"name": "tiny net", "graph": TINY})).code == 409
    draft = with_nodes(TINY, drop_edge=0)
    r = await api.put(f"models/{m['id']}", {"graph": draft})
    assert r.code == 200 and r.json["version"] == 2 and r.json["valid"] is False
    r = await api.put(f"models/{m['id']}", {"description": "second"})
    assert r.json["version"] == 3 and r.json["graph"] == draft
    assert (await api.put(f"models/{m['id']}", {})).code == 422
    versions = (await api.get(f"models/{m['id']}/versions")).json
    assert [v["version"] for v in versions["items"]] == [1, 2, 3]
    v1 = (await api.get(f"models/{m['id']}/versions/1")).json
    assert v1["graph"] == TINY and "class TinyNet" in v1["code"] and v1["sha256"]
    v2 = (await api.get(f"models/{m['id']}/versions/2")).json
    assert v2["valid"] is False and v2["code"] is None
    assert (await api.get(f"models/{m['id']}/versions/9")).code == 404
    listed = (await api.get("models", params={"q": "tiny"})).json
    assert listed["total"] == 1
    assert (await api.delete(f"models/{m['id']}")).code == 204
    assert (await api.get(f"models/{m['id']}")).code == 404
    assert (await api.get(f"models/{m['id']}/versions")).code == 404
