"""Glue for host frameworks: each subpackage needs its framework installed (an extra)."""
