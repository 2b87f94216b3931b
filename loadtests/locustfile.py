"""wfload's users, for ``locust -f loadtests/locustfile.py -H URL`` or ``wfload run``.

Each user stands for a system that triggers workflows through the API: it
picks a workflow from the scenario (by weight), executes it with a generated
context, follows the run until it completes, fails, or waits for a person,
and then, after an optional pause, triggers the next.

Everything else (our options in Locust's command line and web form, the
results directory, the live statistics) comes with the harness import.
"""

from locust import task

import loadtests.harness  # noqa: F401  (registers wfload's options and event listeners)
from loadtests.users import WorkflowUser


class TriggerAndFollow(WorkflowUser):
    """Closed model: one run at a time per user."""

    @task
    def trigger_a_workflow_and_follow_its_run(self) -> None:
        workflow = self.pick_workflow()
        self.execute_and_follow(workflow)
        self.think()
