"""What a hostile client sent, and what must hold after it: a clear 4xx, and nothing stored
that a later request could fail to serve (the cases schemathesis found, and their kin)."""

from __future__ import annotations

import json

import pytest

from cvstudio_ext.handlers.base import studio_error_for
from cvstudio_ext.handlers.json_gate import MAX_DEPTH

from .test_training import SMALL, setup

HUGE = 11161103754368468910080  # past 64 bits: orjson reads it as a float, the store cannot serialize it


def graph_with(value_json: str) -> bytes:
    """A model body whose Conv2d `out_channels` is the given JSON literal, verbatim."""
    body = json.dumps({"name": "poison", "graph": SMALL}).replace('"out_channels": 8', f'"out_channels": {value_json}')
    assert value_json in body
    return body.encode()


async def post_raw(api, path: str, raw: bytes, method: str = "POST"):
    return await api.request(method, path, raw=raw, headers={"Content-Type": "application/json"})


@pytest.mark.parametrize(
    "literal, status",
    [
        (str(HUGE), 422),
        (str(2**64 - 1), 422),  # orjson keeps this one an int; it still does not fit int64
        (str(-(2**63) - 1), 422),
        ("NaN", 400),
        ("Infinity", 400),
        ("1e400", 400),
    ],
)
async def test_numbers_past_64_bits_or_not_finite_are_refused_and_the_list_still_serves(api, literal, status):
    r = await post_raw(api, "models", graph_with(literal))
    assert r.code == status, r
    assert r.json["error"]["code"] in ("number_out_of_range", "invalid_json")
    assert "64 bits" in r.json["error"]["message"] or "JSON" in r.json["error"]["message"]
    listed = await api.get("models")
    assert listed.code == 200 and listed.json["total"] == 0, listed


async def test_a_fitting_int64_is_stored_and_served_back(api):
    r = await post_raw(api, "models", graph_with(str(2**63 - 1)))
    assert r.code == 201, r
    listed = await api.get("models")
    assert listed.code == 200
    conv = next(n for n in listed.json["items"][0]["graph"]["nodes"] if n["id"] == "conv")
    assert conv["params"]["out_channels"] == 2**63 - 1
    assert listed.json["items"][0]["valid"] is False  # stored as a draft: no layer has that many channels


async def test_a_big_float_that_is_written_as_a_float_is_still_a_float(api):
    r = await post_raw(api, "models/validate", graph_with("1.5e30").replace(b'"name": "poison", ', b""))
    assert r.code == 200, r
    assert r.json["valid"] is False


@pytest.mark.parametrize(
    "raw, code",
    [
        (b'{"name": "\\ud800", "graph": {}}', "invalid_json"),  # a lone surrogate
        (b'{"name": "\xff\xfe", "graph": {}}', "invalid_json"),  # not UTF-8
        (b'{"name": "a", "graph": {}', "invalid_json"),  # cut short
        (b"[" * 5000 + b"]" * 5000, "invalid_json"),  # past any parser's stack
    ],
)
async def test_malformed_bodies_are_400(api, raw, code):
    r = await post_raw(api, "models", raw)
    assert r.code == 400, r
    assert r.json["error"]["code"] == code


async def test_nesting_and_nul_are_422_naming_where(api):
    deep = {"a": 1}
    for _ in range(MAX_DEPTH + 1):
        deep = {"x": deep}
    r = await api.post("models/validate", {"graph": deep})
    assert r.code == 422 and r.json["error"]["code"] == "too_deep", r
    assert r.json["error"]["message"].startswith("body.graph.x")
    r = await api.post("models", {"name": "nul\u0000name", "graph": SMALL})
    assert r.code == 422 and r.json["error"]["code"] == "invalid_string", r
    assert "body.name" in r.json["error"]["message"]


@pytest.mark.parametrize("path", ["datasets", "weights", "models", "training"])
async def test_offsets_past_2_53_are_422_not_an_overflow(api, path):
    r = await api.get(path, params={"offset": str(30283387475569437527233874005852160)})
    assert r.code == 422, r
    assert r.json["error"]["details"][0]["field"] == "offset"
    assert (await api.get(path, params={"offset": str(2**53)})).json["items"] == []


async def test_config_takes_booleans_only_as_booleans(api):
    put = await api.put("config", {"show_annotations": 0})
    assert put.code == 422, put
    assert put.json["error"]["details"][0]["field"] == "show_annotations"
    assert (await api.put("config", {"default_epochs": "10"})).code == 422
    ok = await api.put("config", {"show_annotations": False, "default_epochs": 3})
    assert ok.code == 200 and ok.json["show_annotations"] is False and ok.json["default_epochs"] == 3


async def test_a_run_may_name_its_task_when_it_matches_the_dataset(api, jp_root_dir):
    ds, model = await setup(api, jp_root_dir)
    body = {
        "name": "r",
        "dataset_id": ds["id"],
        "model": {"source": "graph", "model_id": model["id"]},
        "hyperparameters": {"epochs": 1, "batch_size": 8},
        "resources": {"device": "cpu"},
    }
    wrong = await api.post("training", {**body, "task": "detection"})
    assert wrong.code == 422 and wrong.json["error"]["code"] == "task_mismatch", wrong
    assert (await api.get("training")).json["total"] == 0
    right = await api.post("training", {**body, "task": "classification"})
    assert right.code == 201, right
    assert right.headers["Location"].endswith(f"/cvstudio/api/training/{right.json['id']}")
    assert (await api.delete(f"training/{right.json['id']}")).code == 204


async def test_a_path_name_past_the_file_system_limit_is_422(api):
    r = await api.post("datasets", {"name": "long", "path": "x" * 300})
    assert r.code == 422 and r.json["error"]["code"] == "invalid_path", r


@pytest.mark.parametrize("path", ["ws/system", "ws/training", "ws/training/1", "ws/training/0"])
async def test_a_socket_opened_as_plain_http_is_426_json(api, path):
    r = await api.get(path, params={"since": "1"})
    assert r.code == 426, r
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.json["error"]["code"] == "upgrade_required"


async def test_openapi_documents_every_status_a_route_answers(api):
    doc = (await api.get("openapi.json")).json
    paths = doc["paths"]
    assert "422" in paths["/cvstudio/api/datasets/{dataset_id}"]["delete"]["responses"]
    for path, item in paths.items():
        for method, op in item.items():
            codes = set(op["responses"])
            assert {"403", "503"} <= codes, (method, path)
            if "{" in path:
                assert "404" in codes, (method, path)
            if "requestBody" in op:
                assert {"400", "413", "415", "422"} <= codes, (method, path)
    upload = paths["/cvstudio/api/datasets/upload"]["post"]
    assert set(upload["requestBody"]["content"]) == {"application/zip", "application/octet-stream"}
    assert "Location" in upload["responses"]["202"]["headers"]
    assert "426" in paths["/cvstudio/api/ws/system"]["get"]["responses"]


def test_low_level_failures_map_to_api_errors():
    import errno

    from sqlalchemy.exc import OperationalError

    full = studio_error_for(OSError(errno.ENOSPC, "No space left on device"))
    assert full.status == 507 and full.code == "disk_full"
    locked = studio_error_for(OperationalError("UPDATE", {}, Exception("database is locked")))
    assert locked.status == 503 and locked.code == "database_busy"
    other = ValueError("x")
    assert studio_error_for(other) is other


async def test_a_graph_too_large_to_serve_with_every_list_is_422(api):
    graph = {
        **SMALL,
        "nodes": [*SMALL["nodes"][:-1], {"id": "out", "type": "Output", "params": {"note": "x" * (5 << 20)}}],
    }
    r = await api.post("models", {"name": "huge", "graph": graph})
    assert r.code == 422 and "bytes of JSON" in r.json["error"]["message"], r
    assert (await api.get("models")).json["total"] == 0


def test_counts_past_64_bits_are_written_as_floats():
    from cvstudio_ext.handlers.json_gate import fit_int64

    out = fit_int64({"flops": 2**70, "layers": [{"params": 3, "ok": True}], "shape": (1, 2**64)})
    assert out == {"flops": float(2**70), "layers": [{"params": 3, "ok": True}], "shape": [1, float(2**64)]}
    assert isinstance(out["layers"][0]["params"], int) and out["layers"][0]["ok"] is True


async def test_a_folder_with_a_name_that_is_not_utf8_indexes_the_rest(api, jp_root_dir):
    import os

    from ..datagen import class_folders

    root = class_folders(jp_root_dir / "latin", classes=("cat", "dog"), per_class=2)
    with open(os.path.join(os.fsencode(root / "cat"), b"caf\xe9.png"), "wb") as fh:
        fh.write((root / "cat" / "cat0.png").read_bytes())
    ds = await api.register("latin", "latin")
    assert ds["status"] == "ready" and ds["num_images"] == 4, ds
    assert (await api.get(f"datasets/{ds['id']}/images")).json["total"] == 4
    assert (await api.get("datasets")).code == 200


async def test_escapes_in_a_yaml_file_cannot_poison_the_dataset_list(api, jp_root_dir):
    from ..datagen import write_image

    root = jp_root_dir / "escapes"
    write_image(root / "images" / "train" / "a.jpg", 32, 32)
    (root / "labels" / "train").mkdir(parents=True)
    (root / "labels" / "train" / "a.txt").write_text("0 0.5 0.5 0.2 0.2\n1 0.3 0.3 0.1 0.1\n")
    (root / "data.yaml").write_text('names: ["cat\\ud800", "d\\0og"]\ntrain: images/train\nval: images/train\n')
    ds = await api.register("escapes", "escapes")
    assert ds["status"] == "ready" and ds["classes"] == ["cat?", "dog"], ds
    listed = await api.get("datasets")
    assert listed.code == 200 and listed.json["items"][0]["classes"] == ["cat?", "dog"]
    assert (await api.get(f"datasets/{ds['id']}/stats")).code == 200


def test_the_store_refuses_what_it_could_not_serve_again(tmp_path):
    import pytest
    from sqlalchemy.exc import StatementError

    from cvstudio_ext.store import Store
    from cvstudio_ext.store.models import Model

    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    store.migrate()
    for bad in ({"n": 2**64}, {"s": "\ud800"}):
        with pytest.raises(StatementError, match="64-bit|surrogates"), store.session.begin() as s:
            s.add(Model(owner="o", name="m", description="", graph=bad, version=1))
    with store.session() as s:
        assert s.query(Model).count() == 0
    store.close()


def test_a_diverged_loss_reaches_a_browser_as_null():
    from cvstudio_ext.handlers.training import event_text

    text = event_text({"seq": 3, "type": "metric", "data": {"train_loss": float("nan"), "lr": 0.1}})
    assert json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} is no JSON")) == {
        "seq": 3,
        "type": "metric",
        "data": {"train_loss": None, "lr": 0.1},
    }


@pytest.mark.parametrize(
    "path, name, values", [("weights", "q", "ab"), ("datasets", "offset", "01"), ("ws/system", "interval", "12")]
)
async def test_a_query_parameter_given_twice_is_422(api, path, name, values):
    r = await api.get(path, params=[(name, v) for v in values])
    assert r.code == 422, r
    assert "give it once" in r.json["error"]["message"]


async def test_every_integer_in_a_query_fits_the_store(api, jp_root_dir):
    from ..datagen import class_folders

    class_folders(jp_root_dir / "ints")
    ds = await api.register("ints", "ints")
    r = await api.get(f"datasets/{ds['id']}/images", params={"class_id": "81171850196311097344"})
    assert r.code == 422 and r.json["error"]["details"][0]["field"] == "class_id", r
    # the largest id a 32-bit column holds matches nothing; one past it is refused by name
    assert (await api.get(f"datasets/{ds['id']}/images", params={"class_id": str(2**31 - 1)})).json["total"] == 0
    r = await api.get(f"datasets/{ds['id']}/images", params={"class_id": str(2**31)})
    assert r.code == 422 and r.json["error"]["details"][0]["field"] == "class_id", r
    assert (await api.get(f"datasets/{2**31}")).code == 404


async def test_every_integer_query_parameter_declares_a_bound_the_store_can_hold(api):
    doc = (await api.get("openapi.json")).json
    checked = 0
    for path, item in doc["paths"].items():
        for method, op in item.items():
            for p in op.get("parameters", []):
                if p["in"] != "query":
                    continue
                schema = p["schema"]
                for variant in schema.get("anyOf", [schema]):
                    if variant.get("type") == "integer":
                        bound = variant.get("maximum", variant.get("exclusiveMaximum"))
                        assert bound is not None and bound <= 2**53, (method, path, p["name"])
                        checked += 1
    assert checked >= 15


async def test_a_query_value_is_checked_as_sent(api):
    r = await api.get("weights", params={"q": "__main__" + "\x12" * 300})
    assert r.code == 422 and r.json["error"]["details"][0]["field"] == "q", r
    r = await api.get("datasets", params={"q": "a\x00b"})
    assert r.code == 422 and r.json["error"]["code"] == "invalid_string", r
    r = await api.get("datasets", params={"q": "\u00e9t\u00e9"})
    assert r.code == 200, r


async def test_a_nul_in_a_darknet_names_file_is_not_stored(api, jp_root_dir):
    from ..datagen import write_image

    root = jp_root_dir / "darknet"
    write_image(root / "images" / "a.jpg", 32, 32)
    (root / "labels").mkdir(parents=True)
    (root / "labels" / "a.txt").write_text("0 0.5 0.5 0.2 0.2\n")
    (root / "obj.names").write_bytes(b"ca\x00t\ndog\n")
    ds = await api.register("darknet", "darknet")
    assert ds["status"] == "ready" and ds["classes"] == ["cat", "dog"], ds


async def test_a_nul_in_a_coco_category_name_is_not_stored(api, jp_root_dir):
    from ..datagen import write_image

    root = jp_root_dir / "coco"
    write_image(root / "images" / "a.jpg", 32, 32)
    coco = {
        "images": [{"id": 1, "file_name": "a.jpg", "width": 32, "height": 32}],
        "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 1, 8, 8], "area": 64, "iscrowd": 0}],
        "categories": [{"id": 1, "name": "ca\u0000t"}],
    }
    (root / "annotations").mkdir()
    (root / "annotations" / "instances.json").write_text(json.dumps(coco))
    ds = await api.register("coco", "coco")
    assert ds["status"] == "ready" and ds["classes"] == ["cat"], ds
