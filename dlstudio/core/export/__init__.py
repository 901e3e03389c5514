"""Export: one writer per format, each checked by reloading, and the export's README."""
