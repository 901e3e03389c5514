"""The model: the layer catalog, shapes, the builder, templates and generated code."""
