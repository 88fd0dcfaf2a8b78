"""Detection mAP against arithmetic done by hand with COCO's rules (101-point
interpolated precision), so the metric is checked independently of its implementation."""

from __future__ import annotations

import pytest
import torch

from cvstudio_ext.engine.training.metrics import detection_map


def test_map_matches_the_hand_computed_value():
    target = {"boxes": torch.tensor([[10.0, 10, 50, 50], [60, 60, 90, 90]]), "labels": torch.tensor([1, 1])}
    pred = {
        # a hit on the first box, a miss far away, then a hit on the second box
        "boxes": torch.tensor([[10.0, 10, 50, 50], [0, 0, 5, 5], [60, 60, 90, 90]]),
        "labels": torch.tensor([1, 1, 1]),
        "scores": torch.tensor([0.9, 0.8, 0.7]),
    }
    result = detection_map([pred], [target], ["thing"])
    # precision/recall: (1, .5), (.5, .5), (2/3, 1). Interpolated precision is 1 for the 51
    # recall points 0..0.50 and 2/3 for the 50 points 0.51..1.00; every hit has IoU 1, so
    # every IoU threshold gives the same AP.
    expected = (51 * 1.0 + 50 * (2 / 3)) / 101
    assert result["map50"] == pytest.approx(expected, abs=1e-6)
    assert result["map"] == pytest.approx(expected, abs=1e-6)
    assert result["per_class"][0]["ap50"] == pytest.approx(expected, abs=1e-6)


def test_a_box_below_the_iou_threshold_does_not_count():
    target = {"boxes": torch.tensor([[0.0, 0, 100, 100]]), "labels": torch.tensor([1])}
    # IoU with the target = 40*100 / (100*100) = 0.4: a miss at 0.5
    pred = {"boxes": torch.tensor([[0.0, 0, 40, 100]]), "labels": torch.tensor([1]), "scores": torch.tensor([0.9])}
    assert detection_map([pred], [target], ["thing"])["map50"] == 0.0
