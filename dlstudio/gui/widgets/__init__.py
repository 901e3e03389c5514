"""The workbench's views: one widget per file, each listening to the document's signals."""
