"""`python -m cvstudio_ext.engine.training.worker <run_dir>`: run one training run.

Reads `<run_dir>/spec.json` (spec.py) and writes only inside run_dir: `pid.json`
{pid, create_time (psutil), host}, `events.jsonl` and `train.log` (events.py),
`checkpoints/` (checkpoints.py), `control.ack.json` (control.py) and, on completion,
`evaluation.json`.

Start: write spec.json, then run the module. Pause/stop/checkpoint-now: write
control.json (control.py); SIGTERM = stop. Resume: write spec.json again with
"resume_from": "<run_dir>/checkpoints/last.pt" (and, to extend, a larger
hyperparameters.epochs) and start the module again in the same run_dir.

Exit status: 0 for completed, paused and stopped; 1 for failed (status event with
"error", traceback in train.log); 2 for a usage error.

Under torch.distributed.run (RANK/WORLD_SIZE set) only rank 0 writes pid.json, events
and checkpoints; the other ranks print their own failure to stderr (worker.out).
"""

from __future__ import annotations

import os
import socket
import sys
import traceback
from pathlib import Path


def write_pid(run_dir: Path) -> None:
    from ..storage import write_json_atomic

    try:
        import psutil

        create_time = psutil.Process(os.getpid()).create_time()
    except Exception:  # noqa: BLE001 - psutil missing or unsupported platform
        create_time = None
    write_json_atomic(
        run_dir / "pid.json", {"pid": os.getpid(), "create_time": create_time, "host": socket.gethostname()}
    )


def failure_text(exc: BaseException) -> str:
    """The sentence a failed run shows: a studio error's own message (a full disk says
    so), else the exception's type and text."""
    from ...errors import StudioError

    if isinstance(exc, StudioError):
        return exc.message
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m cvstudio_ext.engine.training.worker <run_dir>", file=sys.stderr)
        return 2
    run_dir = Path(argv[0]).resolve()
    if not run_dir.is_dir():
        print(f"{run_dir} is not a directory", file=sys.stderr)
        return 2
    os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")
    from .control import Control
    from .distributed import Group
    from .events import EventWriter, SilentEvents

    group = Group()
    if group.main:
        write_pid(run_dir)
    events = EventWriter(run_dir) if group.main else SilentEvents()
    control = Control(run_dir)
    control.install_signal_handlers()
    epoch = step = 0
    trainer = None
    try:
        from .loop import Trainer
        from .spec import RunSpec

        spec = RunSpec.from_file(run_dir / "spec.json")
        trainer = Trainer(spec, run_dir, events, control, group)
        status = trainer.run()
        return 0 if status in ("completed", "paused", "stopped") else 1
    except BaseException as exc:
        if isinstance(exc, SystemExit):
            raise
        if trainer is not None and hasattr(trainer, "step"):
            epoch, step = trainer.epoch + 1, trainer.step
        text = failure_text(exc)
        if not group.main:
            print(f"rank {group.rank}: {traceback.format_exc()}", file=sys.stderr, flush=True)
            return 1
        tb = traceback.format_exc().rstrip().splitlines()
        if len(tb) > 60:
            tb = tb[:1] + ["  ..."] + tb[-59:]
        try:
            events.log("\n".join(tb), level="error", event=False)
            events.emit("log", {"level": "error", "message": text})
            events.status("failed", epoch, step, error=text[:2000])
        except OSError:
            # a full disk takes the events too: the supervisor reports the run failed,
            # with the last lines of worker.out, where this goes
            print(text, file=sys.stderr, flush=True)
        return 1
    finally:
        events.close()


if __name__ == "__main__":
    sys.exit(main())
