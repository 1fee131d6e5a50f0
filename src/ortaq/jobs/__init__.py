"""Background work that survives crashes: worker heartbeats and the recovery of tasks a dead worker held."""
