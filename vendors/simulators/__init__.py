"""Vendor simulators: the vendors' HTTP contracts served for real, with state in the database."""
