"""Servers sharing one database and one machine share its GPUs and run slots: two users'
servers never hand out the same GPU, queued runs start in order across servers, and a
dead server's lease ends (its worker's, when that outlives it, does not)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from cvstudio_ext.services import supervisor as sup
from cvstudio_ext.services.container import Services
from cvstudio_ext.services.executor import Launch, LocalProcessExecutor
from cvstudio_ext.services.places import server_place
from cvstudio_ext.store.models import Run, utcnow

GPU = "GPU-00000000-fake-0"


class SleepExecutor(LocalProcessExecutor):
    """Real processes that hold a run's place without training: a sleep."""

    def __init__(self) -> None:
        super().__init__()
        self.procs: dict[Path, subprocess.Popen] = {}

    def submit(self, run_dir: Path, *, processes: int, gpus: list[str]) -> Launch:
        proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"], start_new_session=True)
        self.procs[run_dir] = proc
        self._children[proc.pid] = proc
        return Launch(proc.pid, psutil.Process(proc.pid).create_time())

    def end(self, run_id: int) -> None:
        proc = next(p for d, p in self.procs.items() if d.name == str(run_id))
        proc.kill()
        proc.wait()


def server(tmp_path: Path, db_url: str, user: str, max_runs: int = 4) -> Services:
    """A user's server as a hub spawns it: its own data folder and place, one database."""
    data = tmp_path / user
    svc = Services.create(
        data_dir=data,
        db_url=db_url,
        dataset_roots=[tmp_path],
        max_upload_size=1 << 20,
        max_concurrent_runs=max_runs,
        place=server_place(data, {"JUPYTERHUB_USER": user}),
    )
    supervisor = svc.training.supervisor
    supervisor.gpus = lambda: [GPU]
    supervisor.executor = SleepExecutor()
    return svc


def queue(svc: Services, owner: str, gpus: int = 1) -> int:
    """A queued run of `owner` on `svc`, as POST runs leaves it."""
    from cvstudio_ext.services.places import this_host

    with svc.store.session.begin() as s:
        run = Run(owner=owner, name="r", task="classification", dataset_id=1, model={}, status="queued",
                  resources={"gpus": gpus}, place=svc.training.place, host=this_host(), heartbeat_at=utcnow())  # fmt: skip
        s.add(run)
        s.flush()
        run_id = run.id
    svc.training.run_dir(run_id).mkdir(parents=True)
    return run_id


def status(svc: Services, run_id: int) -> str:
    with svc.store.session() as s:
        return s.get(Run, run_id).status


def tick(*servers: Services) -> None:
    for svc in servers:
        svc.training.supervisor.tick()


def end(svc: Services, run_id: int) -> None:
    svc.training.supervisor.executor.end(run_id)


@pytest.fixture
def pair(tmp_path, db_url):
    alice, bob = server(tmp_path, db_url, "alice"), server(tmp_path, db_url, "bob")
    yield alice, bob
    for svc in (alice, bob):
        for proc in svc.training.supervisor.executor.procs.values():
            proc.kill()
            proc.wait()
        svc.stop()


def test_one_gpu_goes_to_one_run_at_a_time_in_queue_order(pair):
    alice, bob = pair
    a = queue(alice, "alice")
    b = queue(bob, "bob")
    tick(bob)
    assert status(bob, b) == "queued"  # alice's run came first and her server is alive: it keeps its turn
    tick(alice, bob)
    assert (status(alice, a), status(bob, b)) == ("starting", "queued")  # the one GPU is alice's
    with alice.store.session() as s:
        assert s.get(Run, a).gpus == [GPU]
    end(alice, a)
    tick(bob)
    assert status(bob, b) == "queued"  # alice's server has not seen the end yet: still hers
    tick(alice, bob)
    assert status(alice, a) == "failed" and status(bob, b) == "starting"
    with bob.store.session() as s:
        assert s.get(Run, b).gpus == [GPU]


def test_max_concurrent_runs_counts_every_server_of_the_machine(tmp_path, db_url):
    alice, bob = server(tmp_path, db_url, "alice", max_runs=1), server(tmp_path, db_url, "bob", max_runs=1)
    try:
        a, b = queue(alice, "alice", gpus=0), queue(bob, "bob", gpus=0)
        tick(alice, bob)
        assert (status(alice, a), status(bob, b)) == ("starting", "queued")
        end(alice, a)
        tick(alice, bob)
        assert status(bob, b) == "starting"
    finally:
        for svc in (alice, bob):
            for proc in svc.training.supervisor.executor.procs.values():
                proc.kill()
            svc.stop()


def test_each_server_follows_only_its_own_runs(pair):
    alice, bob = pair
    a = queue(alice, "alice", gpus=0)
    tick(alice)
    assert status(alice, a) == "starting"
    end(alice, a)
    bob.training.supervisor.adopt_or_interrupt()
    tick(bob)
    assert status(bob, a) == "starting"  # not bob's to judge: alice's server will
    tick(alice)
    assert status(alice, a) == "failed"


def test_a_killed_servers_lease_expires(pair):
    alice, bob = pair
    bob.training.supervisor.lease_s = 1.0
    a = queue(alice, "alice")
    tick(alice)
    b = queue(bob, "bob")
    end(alice, a)  # alice's server and its worker are killed: no one says the run ended
    tick(bob)
    assert status(bob, b) == "queued"  # the lease alice's server renewed is still fresh
    time.sleep(1.2)
    tick(bob)
    assert status(bob, b) == "starting"
    assert status(bob, a) == "starting"  # alice's row waits for her server to come back


def test_a_worker_that_outlives_its_server_keeps_its_gpu(pair):
    alice, bob = pair
    bob.training.supervisor.lease_s = 1.0
    a = queue(alice, "alice")
    tick(alice)
    b = queue(bob, "bob")
    time.sleep(1.2)  # alice's server is gone (no heartbeat), its worker is not
    tick(bob)
    assert status(bob, b) == "queued"
    end(alice, a)
    tick(bob)
    assert status(bob, b) == "starting"


def test_a_queued_run_of_a_dead_server_does_not_block_the_queue(pair):
    alice, bob = pair
    bob.training.supervisor.lease_s = 1.0
    a = queue(alice, "alice")
    b = queue(bob, "bob")
    time.sleep(1.2)  # alice's server died before it could start her run
    tick(bob)
    assert (status(bob, a), status(bob, b)) == ("queued", "starting")


def test_runs_on_another_machine_hold_nothing_here(pair):
    alice, bob = pair
    a = queue(alice, "alice")
    with alice.store.session.begin() as s:
        s.get(Run, a).host = "another-machine"
    b = queue(bob, "bob")
    tick(bob)
    assert (status(bob, a), status(bob, b)) == ("queued", "starting")


def test_heartbeat_renews_only_this_servers_runs(pair, monkeypatch):
    alice, bob = pair
    monkeypatch.setattr(sup, "HEARTBEAT_S", 0.0)
    a, b = queue(alice, "alice"), queue(bob, "bob")
    with alice.store.session.begin() as s:
        for run_id in (a, b):
            s.get(Run, run_id).heartbeat_at = None
    alice.training.supervisor._heartbeat()
    with alice.store.session() as s:
        assert s.get(Run, a).heartbeat_at is not None and s.get(Run, b).heartbeat_at is None
