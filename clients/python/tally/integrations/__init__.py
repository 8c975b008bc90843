"""Integrations of Tally with other tools' APIs.

Each lives in its own module and imports its tool only when used, so ``import tally`` never
pays for TensorBoard, transformers or Lightning:

- ``tally.integrations.tensorboard``: ``SummaryWriter`` calls also logged into Tally.
- ``tally.integrations.transformers``: ``TallyCallback`` for Hugging Face's ``Trainer``.
- ``tally.integrations.lightning``: ``TallyLogger`` for PyTorch Lightning.
"""
