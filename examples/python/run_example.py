"""Runs the RecoveryParent example end to end and prints what happened as one JSON document.

1. A parent starts two recoverApp children, the caller queries their progress, the parent cancels one
   mid-run, and the parent reads both results (one succeeds, one ends with outcome "cancelled").
2. A parent is terminated while its child recovers: with ParentClosePolicy.REQUEST_CANCEL the child
   is cancelled gracefully and still returns a result.

Usage: PYTHONPATH=.python python3 examples/python/run_example.py CONFIG.json   (see README.md)
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from dataclasses import asdict, dataclass
from typing import Any

from temporalio.client import Client, WorkflowHandle
from temporalio.worker import Worker

from parent_workflow import ParentInput, Recovery, RecoveryParent

# Phases in which vendor tasks are in flight: the moment a cancel has something to settle.
IN_FLIGHT_PHASES = {"recover", "poll"}


@dataclass
class ExampleConfig:
    address: str
    namespace: str
    recovery_task_queue: str
    parent_task_queue: str
    id_prefix: str
    finishes: dict[str, Any]
    cancelled: dict[str, Any]
    parent_terminated: dict[str, Any]

    @staticmethod
    def load(path: str) -> ExampleConfig:
        with open(path, encoding="utf-8") as file:
            raw = json.load(file)
        return ExampleConfig(
            address=raw.get("address", "127.0.0.1:7233"),
            namespace=raw.get("namespace", "default"),
            recovery_task_queue=raw.get("recoveryTaskQueue", "cloudphone-recovery"),
            parent_task_queue=raw.get("parentTaskQueue", "python-recovery-parents"),
            id_prefix=raw.get("idPrefix", f"py-example-{int(time.time())}"),
            finishes=raw["finishes"],
            cancelled=raw["cancelled"],
            parent_terminated=raw["parentTerminated"],
        )


async def wait_for_phase(client: Client, workflow_id: str, phases: set[str], timeout_s: float = 60) -> dict[str, Any]:
    """Queries the recovery's `progress` until it reaches one of `phases`; returns that snapshot."""
    handle: WorkflowHandle[Any, Any] = client.get_workflow_handle(workflow_id)
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            progress: dict[str, Any] = await handle.query("progress")
            if progress["phase"] in phases:
                return progress
        except Exception as err:  # the child may not have started yet
            if time.monotonic() > deadline:
                raise TimeoutError(f"{workflow_id}: no progress answer: {err}") from err
        if time.monotonic() > deadline:
            raise TimeoutError(f"{workflow_id} did not reach {sorted(phases)} in {timeout_s} s")
        await asyncio.sleep(0.2)


def progress_summary(progress: dict[str, Any]) -> dict[str, Any]:
    return {"workflowId": progress["workflowId"], "phase": progress["phase"], "counts": progress["counts"]}


async def cancel_one(client: Client, config: ExampleConfig) -> dict[str, Any]:
    keep, cancel = f"{config.id_prefix}-finishes", f"{config.id_prefix}-cancelled"
    parent = await client.start_workflow(
        RecoveryParent.run,
        ParentInput(
            recovery_task_queue=config.recovery_task_queue,
            recoveries=[Recovery(workflow_id=keep, input=config.finishes), Recovery(workflow_id=cancel, input=config.cancelled)],
        ),
        id=f"{config.id_prefix}-parent",
        task_queue=config.parent_task_queue,
    )
    seen = await wait_for_phase(client, cancel, IN_FLIGHT_PHASES)
    await parent.signal(RecoveryParent.cancel_recovery, cancel)
    children = await parent.result()
    return {"parentWorkflowId": parent.id, "progressBeforeCancel": progress_summary(seen), "children": [asdict(child) for child in children]}


async def terminate_parent(client: Client, config: ExampleConfig) -> dict[str, Any]:
    child_id = f"{config.id_prefix}-orphan"
    parent = await client.start_workflow(
        RecoveryParent.run,
        ParentInput(recovery_task_queue=config.recovery_task_queue, recoveries=[Recovery(workflow_id=child_id, input=config.parent_terminated)]),
        id=f"{config.id_prefix}-terminated-parent",
        task_queue=config.parent_task_queue,
    )
    seen = await wait_for_phase(client, child_id, IN_FLIGHT_PHASES)
    await parent.terminate("example: the parent is terminated mid-run")
    # REQUEST_CANCEL: the server asks the child to cancel; it settles and returns its result.
    result: dict[str, Any] = await client.get_workflow_handle(child_id).result()
    return {"parentWorkflowId": parent.id, "childWorkflowId": child_id, "progressBeforeTerminate": progress_summary(seen), "childResult": result}


async def main(config_path: str) -> None:
    config = ExampleConfig.load(config_path)
    client = await Client.connect(config.address, namespace=config.namespace)
    async with Worker(client, task_queue=config.parent_task_queue, workflows=[RecoveryParent]):
        report = {"cancelOne": await cancel_one(client, config), "terminatedParent": await terminate_parent(client, config)}
    print(json.dumps(report))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: run_example.py CONFIG.json")
    asyncio.run(main(sys.argv[1]))
    # The SDK's Rust threads can abort interpreter shutdown (temporalio/sdk-python#300, open): the
    # work is done and printed, so leave without finalizing.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
