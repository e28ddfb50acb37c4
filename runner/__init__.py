"""Experiments: configuration, the tuner/assessor loop, tuners, assessors, backends, the store, watch mode."""
