"""The stages of the coder's journey; they never import one another."""
