"""A hand-in as students make it, read inside the worker (standard library only, behind its walls): a folder
or a .zip, the graded files anywhere in it, or a Jupyter notebook's definitions.

- tree.py: the hand-in's readable files, {path: bytes}, zips unpacked in memory within caps, the debris of
  zipping and editing (`__MACOSX/`, hidden folders, `.ipynb_checkpoints/`) left out;
- notebooks.py: a notebook's code cells cut to their definitions (imports, functions, classes, constants);
- sources.py: which file (or notebook) provides a graded module, and a plain sentence when none does or
  two compete;
- importing.py: that source executed as a module, other modules of the hand-in found by name.
What was read, skipped or chosen is noted (HandIn.notes) for the student's feedback.
"""
