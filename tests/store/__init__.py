"""Tests of the run store: real SQLite files and log files under a temporary BATON_HOME."""
