"""A Python parent workflow that runs cloudphone-recovery's recoverApp as child workflows.

The child's input and result are plain JSON; their JSON Schemas are docs/schemas/recover-app-input.json
and docs/schemas/recover-app-result.json (also served at GET /v1/schemas/<name>). See docs/contract.md.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ApplicationError, ChildWorkflowError
from temporalio.workflow import ChildWorkflowHandle, ParentClosePolicy

# The names are the contract (docs/contract.md); the product's code is not imported.
RECOVER_APP_WORKFLOW = "recoverApp"
DEFAULT_RECOVERY_TASK_QUEUE = "cloudphone-recovery"

RecoverAppInput = dict[str, Any]  # docs/schemas/recover-app-input.json
RecoveryResult = dict[str, Any]  # docs/schemas/recover-app-result.json


@dataclass
class Recovery:
    workflow_id: str
    input: RecoverAppInput


@dataclass
class ParentInput:
    recoveries: list[Recovery]
    recovery_task_queue: str = DEFAULT_RECOVERY_TASK_QUEUE


@dataclass
class ChildOutcome:
    workflow_id: str
    # The recoverApp result; a cancelled recovery also returns one, with outcome "cancelled".
    result: RecoveryResult | None = None
    # Set only when the child failed as a whole (for example its input was rejected).
    failure_type: str | None = None
    failure_message: str | None = None


@workflow.defn(name="RecoveryParent")
class RecoveryParent:
    def __init__(self) -> None:
        self._children: dict[str, ChildWorkflowHandle[Any, RecoveryResult]] = {}

    @workflow.run
    async def run(self, request: ParentInput) -> list[ChildOutcome]:
        for recovery in request.recoveries:
            self._children[recovery.workflow_id] = await workflow.start_child_workflow(
                RECOVER_APP_WORKFLOW,
                recovery.input,
                id=recovery.workflow_id,
                task_queue=request.recovery_task_queue,
                result_type=dict,
                # The default, TERMINATE, would kill the recovery mid-run when this parent is terminated
                # or times out: vendor tasks keep running, the backup stays busy, leases wait to be
                # reclaimed. REQUEST_CANCEL lets the recovery settle in-flight tasks, keep the backup
                # and release its leases, and still return a result.
                parent_close_policy=ParentClosePolicy.REQUEST_CANCEL,
            )
        settled = await asyncio.gather(*self._children.values(), return_exceptions=True)
        return [outcome(workflow_id, value) for workflow_id, value in zip(self._children, settled)]

    @workflow.signal(name="cancelRecovery")
    async def cancel_recovery(self, workflow_id: str) -> None:
        """Gracefully cancel one child; the child still completes, with outcome "cancelled"."""
        await workflow.wait_condition(lambda: workflow_id in self._children)
        self._children[workflow_id].cancel()

    @workflow.query(name="children")
    def children(self) -> list[str]:
        return list(self._children)


def outcome(workflow_id: str, value: RecoveryResult | BaseException) -> ChildOutcome:
    if not isinstance(value, BaseException):
        return ChildOutcome(workflow_id=workflow_id, result=value)
    cause = value.cause if isinstance(value, ChildWorkflowError) and value.cause else value
    failure_type = cause.type if isinstance(cause, ApplicationError) else type(cause).__name__
    return ChildOutcome(workflow_id=workflow_id, failure_type=failure_type, failure_message=str(cause))
