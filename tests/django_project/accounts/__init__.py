"""The host's own accounts: which organizations a user belongs to, with which role."""
