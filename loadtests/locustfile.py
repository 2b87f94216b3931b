"""wfload's users, for ``locust -f loadtests/locustfile.py -H URL`` or ``wfload run``.

Closed model (the default): each user stands for a system that triggers
workflows through the API. It picks a workflow from the scenario (by
weight), executes it with a generated context, follows the run until it
completes, fails, or waits for a person, and then, after an optional pause,
triggers the next.

Open model (``--arrival-rate R``): workflow triggers arrive at a rate, as
they do from many independent systems, whether or not earlier runs have
finished; each arrival is executed and followed to its end.

Everything else (our options in Locust's command line and web form, the
results directory, the live statistics) comes with the harness import.
"""

from locust import task

import loadtests.plugin  # noqa: F401  (wfload's options and listeners on Locust's events)
from loadtests.users import ArrivalGenerator, WorkflowUser


class TriggerAndFollow(WorkflowUser):
    """Closed model: one run at a time per user."""

    @task
    def trigger_a_workflow_and_follow_its_run(self) -> None:
        workflow = self.pick_workflow()
        self.execute_and_follow(workflow)
        self.think()


class RunsArriveAtARate(ArrivalGenerator):
    """Open model: arrivals at --arrival-rate (or the --shape's rate), each followed to its end."""

    @task
    def let_workflow_runs_arrive(self) -> None:
        self.let_runs_arrive()
