"""Transformation: producing the inlined code from the decisions of ``analysis``."""
