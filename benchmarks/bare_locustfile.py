"""The baseline of bench_harness: bare Locust, nothing of ours.

Each user executes a workflow and reads the run back once: the same two
requests per run as a tracked run whose workflow finishes at once.
"""

import json

from locust import FastHttpUser, task


class BareExecuteThenGet(FastHttpUser):
    @task
    def execute_then_get(self) -> None:
        response = self.client.post(
            "/workflows/fl_instant/execute", json={"context": {}}, name="/workflows/[id]/execute",
            headers={"Authorization": "Bearer bench"},
        )
        run_id = json.loads(response.content)["id"]
        self.client.get(f"/workflows/runs/{run_id}", name="/workflows/runs/[id]",
                        headers={"Authorization": "Bearer bench"})
