"""Evaluation: metrics, reports on a trained run, and predictions on new data."""
