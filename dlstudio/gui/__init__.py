"""The desktop workbench (PySide6 + pyqtgraph): an editor for project files.

Nothing here imports TensorFlow or Keras at module level; what needs Keras runs off the GUI
thread and imports it lazily (see :mod:`dlstudio.gui.background`).
"""
