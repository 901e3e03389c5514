"""The project file: dataclasses, reading with exact places, migrations, paths into it, new
projects from data."""
