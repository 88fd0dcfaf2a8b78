"""Training throughput of resnet50 on one GPU: bf16 autocast, channels_last, synthetic data
already in GPU memory, the same optimizer step the worker takes. Target: at least twice
NVIDIA's published A100 AMP figure of 2,470 img/s.

Run on a machine with a GPU: `python -m bench.gpu_resnet50 [--batch 256] [--steps 60]`.
Without CUDA it says so and exits 0.
"""

from __future__ import annotations

import argparse
import json
import time

import torch
import torchvision

A100_AMP_IMG_S = 2470


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.gpu_resnet50")
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=15)
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print(json.dumps({"skipped": "no CUDA device"}))
        return
    torch.backends.cudnn.benchmark = True
    device = torch.device("cuda")
    model = torchvision.models.resnet50(weights=None).to(device, memory_format=torch.channels_last)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    loss_fn = torch.nn.CrossEntropyLoss()
    x = torch.randn(args.batch, 3, 224, 224, device=device).contiguous(memory_format=torch.channels_last)
    y = torch.randint(0, 1000, (args.batch,), device=device)

    def step() -> None:
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast("cuda", dtype=torch.bfloat16):
            loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()

    for _ in range(args.warmup):
        step()
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    torch.cuda.synchronize()
    images_per_s = args.batch * args.steps / (time.perf_counter() - start)
    print(
        json.dumps(
            {
                "gpu": torch.cuda.get_device_name(0),
                "batch": args.batch,
                "img_per_s": round(images_per_s, 1),
                "target_img_per_s": 2 * A100_AMP_IMG_S,
                "ok": images_per_s >= 2 * A100_AMP_IMG_S,
            }
        )
    )


if __name__ == "__main__":
    main()
