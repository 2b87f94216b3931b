"""The baselines of bench_harness: bare Locust, nothing of ours.

``BareExecuteThenGet`` executes a workflow and reads the run back once: the
same two requests per run as a tracked run whose workflow finishes at once.
``BarePolling`` executes once, then polls its run every 0.5 s for ever: the
same requests as a tracked run that never ends. Run one with its class name
on Locust's command line.
"""

import json
import time

from locust import FastHttpUser, task

HEADERS = {"Authorization": "Bearer bench"}


class BareExecuteThenGet(FastHttpUser):
    @task
    def execute_then_get(self) -> None:
        response = self.client.post(
            "/workflows/fl_instant/execute", json={"context": {}}, name="/workflows/[id]/execute", headers=HEADERS
        )
        run_id = json.loads(response.content)["id"]
        self.client.get(f"/workflows/runs/{run_id}", name="/workflows/runs/[id]", headers=HEADERS)


class BarePolling(FastHttpUser):
    @task
    def execute_then_poll_every_half_second(self) -> None:
        response = self.client.post(
            "/workflows/fl_endless/execute", json={"context": {}}, name="/workflows/[id]/execute", headers=HEADERS
        )
        run_id = json.loads(response.content)["id"]
        while True:
            time.sleep(0.5)
            self.client.get(f"/workflows/runs/{run_id}", name="/workflows/runs/[id]", headers=HEADERS)
