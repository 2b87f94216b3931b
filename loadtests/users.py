"""The mechanism behind wfload's Locust users.

A locustfile subclasses :class:`WorkflowUser` and describes behaviour with
its three verbs: ``pick_workflow``, ``execute_and_follow`` and ``think``.
"""

from __future__ import annotations

import time

from locust import FastHttpUser

from loadtests.harness import harness_of
from loadtests.records import RunRecord
from loadtests.scenario import Workflow
from loadtests.tracking import RunTracker
from loadtests.transport import FastHttpTransport


class WorkflowUser(FastHttpUser):
    """A Locust user that triggers workflow runs and follows each to its end.

    Built on FastHttpUser (geventhttpclient): about a quarter of the cost
    per request of requests or httpx, which is what lets one process follow
    thousands of runs.
    """

    abstract = True

    def __init__(self, environment) -> None:
        self.harness = harness_of(environment)
        options = self.harness.options
        self.network_timeout = self.connection_timeout = options.request_timeout_s
        super().__init__(environment)
        self.number = self.harness.next_user_number()
        self.generation = self.harness.generation_state(self.number)
        self.tracker = RunTracker(
            FastHttpTransport(self.client),
            options.tracking,
            self.harness.tokens.for_user(self.number),
            self.generation.rng,
            self.harness.run_finished,
        )

    def wait_time(self) -> float:
        # Pauses belong inside tasks (think()), so that a stopping user is
        # never killed between runs while it still owes a record.
        return 0.0

    def pick_workflow(self) -> Workflow:
        return self.harness.scenario.pick(self.generation.rng)

    def execute_and_follow(self, workflow: Workflow) -> RunRecord:
        """Execute ``workflow`` with a freshly generated context and follow the
        run until it ends; the record is written whatever happens."""
        record = self.harness.new_record(workflow.id, self.number)
        return self.tracker.track(record, workflow.context.render(self.generation))

    def think(self) -> None:
        if self.harness.options.think_time_s:
            time.sleep(self.harness.options.think_time_s)
