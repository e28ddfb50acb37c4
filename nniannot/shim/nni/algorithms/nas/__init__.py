"""``nni.algorithms.nas``."""
