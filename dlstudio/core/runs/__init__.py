"""Run folders: what one training run leaves behind, and the index of a project's runs."""
