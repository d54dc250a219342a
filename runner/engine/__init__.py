"""Runs a plan: scheduling, jobs, steps, and what happens to their output."""
