"""Reference statistics of training data and drift checks of new data (no Qt)."""
