"""Workflow + event → an immutable :class:`Plan` (matrix expanded, DAG ordered); pure."""

from __future__ import annotations

from runner.plan.compiler import check_plan, compile_plan, expand_job, job_name
from runner.plan.spec import Leg, Plan, PlannedJob

__all__ = ["Leg", "Plan", "PlannedJob", "check_plan", "compile_plan", "expand_job", "job_name"]
