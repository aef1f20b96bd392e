"""Cache mechanics of the live path (markers, versions, locks, rate gates, deltas); never calls ACS itself."""
