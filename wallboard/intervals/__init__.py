"""Interval reports: the engine's figures per queue and interval, over whole files.

Pure: events or queue_log bytes in, totals per interval out. Two paths give the
same totals: `streaming` drives the engine itself; `batch` computes them with
numpy from queue_log columns (docs/REPORTS.md says how, and what it leaves to
the engine).
"""
