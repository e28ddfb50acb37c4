"""``nni.algorithms``: the algorithms a trial imports."""
