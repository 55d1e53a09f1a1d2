"""The contract suite: one behaviour suite over every backend."""
