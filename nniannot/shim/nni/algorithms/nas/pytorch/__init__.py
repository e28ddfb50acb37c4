"""``nni.algorithms.nas.pytorch``."""
