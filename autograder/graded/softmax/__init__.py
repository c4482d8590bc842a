"""The graded tests of P4.4, the optional softmax classifier (docs/optional-parts.md)."""
