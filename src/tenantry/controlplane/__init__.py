"""The control plane: registry of data planes and customers, placement, onboarding, operators."""
