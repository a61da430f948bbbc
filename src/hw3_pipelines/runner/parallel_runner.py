"""Kedro's ParallelRunner, with each worker process given its share of the cores.

Kedro's own ParallelRunner starts up to one process per core and lets each pick its
thread count, so torch in every worker uses every core. This one sets the workers' thread
budget (``threads.py``) for the length of the run; nothing else changes.
"""

from __future__ import annotations

from kedro.runner import ParallelRunner as KedroParallelRunner

from hw3_pipelines.threads import budget_for_run


class ParallelRunner(KedroParallelRunner):
    def _run(self, pipeline, catalog, hook_manager=None, run_id=None) -> None:
        # worker processes start during the run and inherit the budget then
        with budget_for_run(self._get_required_workers_count(pipeline)):
            super()._run(pipeline, catalog, hook_manager, run_id)
