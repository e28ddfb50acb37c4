"""``nni.nas``: the classic (1.x/2.x) NAS API for PyTorch."""
