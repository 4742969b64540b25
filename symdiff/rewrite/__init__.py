"""Graph rewrites: simplification, constant folding, numerically stable forms."""
