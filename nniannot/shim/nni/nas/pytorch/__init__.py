"""``nni.nas.pytorch``: mutables and the classic-NAS mutator."""
