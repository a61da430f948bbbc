"""Torch code shared by the pipelines: models, the training loop, model I/O."""
