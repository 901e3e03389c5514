"""Reports about a run for people: the model card (self-contained HTML)."""
