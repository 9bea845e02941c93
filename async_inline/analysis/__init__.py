"""Analysis: which await sites can be inlined, and why not."""
