"""Actor examples: each module is one Lambda handler module; ``run.py`` runs them locally."""
