"""GET datasets/augmentations: the transforms a pipeline may name, each param with the
input an editor shows for it, and the catalogue agreeing with what augment accepts."""

from __future__ import annotations

from ..datagen import yolo_with_every_defect

KINDS = {"bool", "choice", "number", "tuple", "json"}
# what an editor fills in for the params that have no default
REQUIRED = {"size": [40, 40], "height": 40, "width": 40, "min_max_height": [30, 60]}
# transforms whose defaults leave a choice between two params open: augment says so (422)
ONE_OF = {"CropAndPad", "LongestMaxSize", "SmallestMaxSize"}


async def test_catalogue_lists_every_transform_with_typed_inputs(api):
    from cvstudio_ext.engine.datasets.augment import TRANSFORMS

    r = await api.get("datasets/augmentations")
    assert r.code == 200, r
    transforms = {t["name"]: t for t in r.json["transforms"]}
    assert set(transforms) == set(TRANSFORMS) and "os" not in transforms
    for t in transforms.values():
        assert t["params"] and t["description"], t["name"]
        for p in t["params"]:
            assert p["input"]["kind"] in KINDS, (t["name"], p)
    rotate = {p["name"]: p for p in transforms["Rotate"]["params"]}
    assert rotate["limit"]["default"] == [-90, 90]
    assert rotate["limit"]["input"] == {"kind": "tuple", "length": 2, "integer": False, "nullable": False}
    assert rotate["p"]["input"]["kind"] == "number" and rotate["p"]["constraints"] == {"ge": 0, "le": 1}
    assert rotate["crop_border"]["input"] == {"kind": "bool"}
    assert rotate["rotate_method"]["input"]["choices"] == ["largest_box", "ellipse"]
    crop = {p["name"]: p for p in transforms["RandomResizedCrop"]["params"]}
    assert crop["size"]["required"] and crop["size"]["input"]["integer"] and crop["size"]["input"]["length"] == 2
    assert crop["area_for_downscale"]["input"]["nullable"] and None in crop["area_for_downscale"]["input"]["choices"]
    downscale = {p["name"]: p for p in transforms["Downscale"]["params"]}
    assert downscale["interpolation_pair"]["input"]["kind"] == "json"  # a dict: typed as JSON
    assert transforms["HorizontalFlip"]["supports_bboxes"]


async def test_catalogue_is_the_same_answer_every_time_and_revalidates(api):
    first = await api.get("datasets/augmentations")
    second = await api.get("datasets/augmentations")
    assert first.body == second.body
    etag = second.headers["Etag"]
    again = await api.get("datasets/augmentations", headers={"If-None-Match": etag})
    assert again.code == 304


async def test_route_does_not_shadow_datasets_by_id(api, jp_root_dir):
    yolo_with_every_defect(jp_root_dir / "boxes")
    ds = await api.register("boxes", "boxes")
    assert (await api.get(f"datasets/{ds['id']}")).json["name"] == "boxes"
    assert (await api.get("datasets/99999")).code == 404
    assert (await api.get("datasets/augmentation")).code == 404  # no prefix match
    assert (await api.post("datasets/augmentations", {})).code == 405


async def test_every_transform_with_its_catalogue_defaults_is_accepted(api, jp_root_dir):
    """What the editor sends for a new step (every param at its default, the required ones
    filled) augments; the few that need a choice made get a 422 naming the transform."""
    yolo_with_every_defect(jp_root_dir / "boxes")
    ds = await api.register("boxes", "boxes")
    page = (await api.get(f"datasets/{ds['id']}/images", params={"limit": 50})).json
    good = next(i for i in page["items"] if i["file"] == "images/train/good.jpg")
    transforms = (await api.get("datasets/augmentations")).json["transforms"]
    for t in transforms:
        step = {"type": t["name"]}
        for p in t["params"]:
            step[p["name"]] = REQUIRED[p["name"]] if p["required"] else p["default"]
        r = await api.post(f"datasets/{ds['id']}/augment", {"image_id": good["id"], "pipeline": [step], "seed": 1})
        if t["name"] in ONE_OF:
            assert r.code == 422 and t["name"] in r.json["error"]["message"], r
            assert r.json["error"]["details"][0]["step"] == 0
        else:
            assert r.code == 200, (t["name"], r)


async def test_catalogue_needs_a_token(api):
    r = await api.get("datasets/augmentations", headers={"Authorization": "token wrong"})
    assert r.code == 403 and r.json["error"]["code"] in ("unauthenticated", "forbidden")
