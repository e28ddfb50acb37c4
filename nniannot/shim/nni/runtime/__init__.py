"""``nni.runtime``: what advisors import to talk to the experiment (see ``msg_dispatcher_base``)."""
