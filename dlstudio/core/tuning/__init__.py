"""Hyperparameter search with Optuna: the search space (``space``), the storage
(``storage``), worker slots (``workers``), one trial's process (``trial_process``), the study
loop (``study``), its events (``events``) and what a study holds (``summary``)."""
