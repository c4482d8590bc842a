"""The graded tests of P4.5, the optional convolution layer (docs/optional-parts.md)."""
